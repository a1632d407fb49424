// A small JSON value type with a writer and a strict parser: enough for checkpoint manifests and
// results files without pulling in a JSON library.
#pragma once

#include <spiketorch/core/errors.hpp>
#include <spiketorch/io/atomic_file.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

namespace spiketorch {

/// A JSON document node. Integers and floating-point numbers are kept apart so that an integer
/// parameter written as 100 reads back as an integer and 64-bit values survive exactly. Objects
/// keep insertion order so that files read the way the program wrote them.
class json_value {
 public:
  enum class kind { null, boolean, integer, number, string, array, object };
  using array_type = std::vector<json_value>;
  using object_type = std::vector<std::pair<std::string, json_value>>;

  json_value() noexcept = default;
  json_value(std::nullptr_t) noexcept {}
  json_value(bool b) noexcept : value_(b) {}
  template <std::integral T>
  requires(!std::same_as<T, bool>) json_value(T i) : value_(to_int64(i)) {}
  template <std::floating_point T>
  json_value(T d) noexcept : value_(static_cast<double>(d)) {}
  json_value(std::string s) noexcept : value_(std::move(s)) {}
  json_value(std::string_view s) : value_(std::string(s)) {}
  json_value(const char* s) : value_(std::string(s)) {}
  json_value(array_type a) noexcept : value_(std::move(a)) {}
  json_value(object_type o) noexcept : value_(std::move(o)) {}

  static json_value make_array() { return json_value(array_type{}); }
  static json_value make_object() { return json_value(object_type{}); }

  kind type() const noexcept { return static_cast<kind>(value_.index()); }
  bool is_null() const noexcept { return type() == kind::null; }
  bool is_bool() const noexcept { return type() == kind::boolean; }
  bool is_integer() const noexcept { return type() == kind::integer; }
  /// True for integers as well: every JSON number can be read as a double.
  bool is_number() const noexcept { return is_integer() || type() == kind::number; }
  bool is_string() const noexcept { return type() == kind::string; }
  bool is_array() const noexcept { return type() == kind::array; }
  bool is_object() const noexcept { return type() == kind::object; }

  bool as_bool() const { return get<bool>(kind::boolean); }
  std::int64_t as_int() const { return get<std::int64_t>(kind::integer); }
  double as_double() const {
    if (is_integer()) return static_cast<double>(std::get<std::int64_t>(value_));
    return get<double>(kind::number);
  }
  const std::string& as_string() const { return get<std::string>(kind::string); }
  const array_type& as_array() const { return get<array_type>(kind::array); }
  array_type& as_array() { return get_mut<array_type>(kind::array); }
  const object_type& as_object() const { return get<object_type>(kind::object); }
  object_type& as_object() { return get_mut<object_type>(kind::object); }

  /// Number of elements of an array or members of an object.
  std::size_t size() const {
    if (is_array()) return as_array().size();
    if (is_object()) return as_object().size();
    throw invalid_argument(
        detail::concat("json: expected array or object, found ", kind_name(type())));
  }

  /// Member lookup; nullptr when absent. Throws when this is not an object.
  const json_value* find(std::string_view key) const {
    for (const auto& [k, v] : as_object())
      if (k == key) return &v;
    return nullptr;
  }
  json_value* find(std::string_view key) {
    for (auto& [k, v] : as_object())
      if (k == key) return &v;
    return nullptr;
  }
  bool contains(std::string_view key) const { return find(key) != nullptr; }

  const json_value& at(std::string_view key) const {
    if (const json_value* v = find(key)) return *v;
    throw invalid_argument(detail::concat("json: object has no member \"", key, "\""));
  }
  const json_value& at(std::size_t i) const {
    const auto& a = as_array();
    require(i < a.size(), "json: index ", i, " out of range for array of size ", a.size());
    return a[i];
  }

  /// Member access that inserts null when absent; a null value silently becomes an empty object
  /// so that `v["a"] = 1` works on a default-constructed value.
  json_value& operator[](std::string_view key) {
    if (is_null()) value_ = object_type{};
    if (json_value* v = find(key)) return *v;
    auto& o = as_object();
    o.emplace_back(std::string(key), json_value());
    return o.back().second;
  }

  /// Appends to an array; a null value becomes an empty array first.
  void push_back(json_value v) {
    if (is_null()) value_ = array_type{};
    as_array().push_back(std::move(v));
  }

  /// Serialises the value. indent < 0: one line, no spaces; indent >= 0: one member per line,
  /// nested levels indented by `indent` spaces. Non-finite doubles are written as null because
  /// JSON has no spelling for them and a results file must stay readable by every tool.
  std::string dump(int indent = -1) const {
    std::string out;
    dump_to(out, indent, 0);
    return out;
  }

  /// Parses a complete JSON text (RFC 8259; no comments, no trailing commas). Throws
  /// invalid_argument with the line and column of the first problem.
  static json_value parse(std::string_view text);

  friend bool operator==(const json_value& a, const json_value& b) { return a.value_ == b.value_; }

  static const char* kind_name(kind k) noexcept {
    switch (k) {
      case kind::null:
        return "null";
      case kind::boolean:
        return "boolean";
      case kind::integer:
        return "integer";
      case kind::number:
        return "floating-point number";
      case kind::string:
        return "string";
      case kind::array:
        return "array";
      case kind::object:
        return "object";
    }
    return "?";
  }

 private:
  // The alternative order must match `kind`.
  using storage = std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, array_type,
                               object_type>;
  storage value_{nullptr};

  template <class T>
  static std::int64_t to_int64(T i) {
    if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(std::int64_t)) {
      require(i <= static_cast<T>(std::numeric_limits<std::int64_t>::max()), "json: integer ", i,
              " does not fit in a signed 64-bit integer");
    }
    return static_cast<std::int64_t>(i);
  }

  template <class T>
  const T& get(kind want) const {
    if (type() != want)
      throw invalid_argument(
          detail::concat("json: expected ", kind_name(want), ", found ", kind_name(type())));
    return std::get<T>(value_);
  }
  template <class T>
  T& get_mut(kind want) {
    return const_cast<T&>(std::as_const(*this).get<T>(want));
  }

  static void dump_string(std::string& out, std::string_view s) {
    out += '"';
    for (char c : s) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\u00";
            out += hex[(c >> 4) & 0xf];
            out += hex[c & 0xf];
          } else {
            out += c;  // UTF-8 passes through untouched
          }
      }
    }
    out += '"';
  }

  static void dump_double(std::string& out, double d) {
    if (!std::isfinite(d)) {
      out += "null";
      return;
    }
    // Shortest representation that parses back to the same double: exact round trip, and 0.1
    // stays "0.1" instead of max_digits10's "0.10000000000000001".
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
    std::string_view s(buf, static_cast<std::size_t>(end - buf));
    out += s;
    // Keep a marker of floating-point-ness so the value reads back as a number, not an integer.
    if (s.find_first_of(".eE") == std::string_view::npos) out += ".0";
  }

  static void newline(std::string& out, int indent, int depth) {
    if (indent < 0) return;
    out += '\n';
    out.append(static_cast<std::size_t>(indent) * static_cast<std::size_t>(depth), ' ');
  }

  void dump_to(std::string& out, int indent, int depth) const {
    switch (type()) {
      case kind::null:
        out += "null";
        break;
      case kind::boolean:
        out += std::get<bool>(value_) ? "true" : "false";
        break;
      case kind::integer:
        out += std::to_string(std::get<std::int64_t>(value_));
        break;
      case kind::number:
        dump_double(out, std::get<double>(value_));
        break;
      case kind::string:
        dump_string(out, std::get<std::string>(value_));
        break;
      case kind::array: {
        const auto& a = std::get<array_type>(value_);
        if (a.empty()) {
          out += "[]";
          break;
        }
        // Arrays of scalars (shapes, per-class counts) stay on one line when pretty-printing: one
        // number per line makes such files long and hard to read.
        const bool flat = indent >= 0 && std::none_of(a.begin(), a.end(), [](const json_value& e) {
                            return e.is_array() || e.is_object();
                          });
        out += '[';
        for (std::size_t i = 0; i < a.size(); ++i) {
          if (i) out += flat ? ", " : ",";
          if (!flat) newline(out, indent, depth + 1);
          a[i].dump_to(out, indent, depth + 1);
        }
        if (!flat) newline(out, indent, depth);
        out += ']';
        break;
      }
      case kind::object: {
        const auto& o = std::get<object_type>(value_);
        if (o.empty()) {
          out += "{}";
          break;
        }
        out += '{';
        for (std::size_t i = 0; i < o.size(); ++i) {
          if (i) out += ',';
          newline(out, indent, depth + 1);
          dump_string(out, o[i].first);
          out += indent < 0 ? ":" : ": ";
          o[i].second.dump_to(out, indent, depth + 1);
        }
        newline(out, indent, depth);
        out += '}';
        break;
      }
    }
  }
};

namespace detail {

class json_parser {
 public:
  explicit json_parser(std::string_view text) : text_(text) {}

  json_value parse_document() {
    skip_ws();
    json_value v = parse_value(0);
    skip_ws();
    if (pos_ != text_.size()) fail("unexpected text after the JSON value");
    return v;
  }

 private:
  // Deep enough for any real document, shallow enough that hostile input cannot overflow the stack.
  static constexpr int max_depth = 256;

  std::string_view text_;
  std::size_t pos_ = 0;

  [[noreturn]] void fail(std::string_view what) const {
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < pos_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    throw invalid_argument(concat("json parse error at line ", line, ", column ", col, ": ", what));
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }

  void skip_ws() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r'))
      ++pos_;
  }

  void expect(char c) {
    if (peek() != c) {
      if (at_end()) fail(concat("expected '", c, "' but the text ended"));
      fail(concat("expected '", c, "', found '", peek(), "'"));
    }
    ++pos_;
  }

  void literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) fail("invalid literal");
    pos_ += word.size();
  }

  json_value parse_value(int depth) {
    if (depth > max_depth) fail("nesting deeper than 256 levels");
    switch (peek()) {
      case '{':
        return parse_object(depth);
      case '[':
        return parse_array(depth);
      case '"':
        return json_value(parse_string());
      case 't':
        literal("true");
        return json_value(true);
      case 'f':
        literal("false");
        return json_value(false);
      case 'n':
        literal("null");
        return json_value();
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) return parse_number();
        if (at_end()) fail("expected a value but the text ended");
        fail(concat("unexpected character '", peek(), "'"));
    }
  }

  json_value parse_object(int depth) {
    expect('{');
    json_value::object_type members;
    skip_ws();
    if (peek() == '}') {
      ++pos_;
      return json_value(std::move(members));
    }
    for (;;) {
      skip_ws();
      if (peek() != '"') fail("expected a string key");
      std::size_t key_pos = pos_;
      std::string key = parse_string();
      for (const auto& m : members) {
        if (m.first == key) {
          pos_ = key_pos;
          fail(concat("duplicate key \"", key, "\""));
        }
      }
      skip_ws();
      expect(':');
      skip_ws();
      json_value v = parse_value(depth + 1);
      members.emplace_back(std::move(key), std::move(v));
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      expect('}');
      return json_value(std::move(members));
    }
  }

  json_value parse_array(int depth) {
    expect('[');
    json_value::array_type items;
    skip_ws();
    if (peek() == ']') {
      ++pos_;
      return json_value(std::move(items));
    }
    for (;;) {
      skip_ws();
      items.push_back(parse_value(depth + 1));
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      expect(']');
      return json_value(std::move(items));
    }
  }

  unsigned parse_hex4() {
    if (pos_ + 4 > text_.size()) fail("truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<unsigned>(c - 'A' + 10);
      else
        fail("invalid hex digit in \\u escape");
    }
    return v;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::string parse_string() {
    expect('"');
    std::string out;
    for (;;) {
      if (at_end()) fail("unterminated string");
      char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) {
        --pos_;
        fail("control character in string (must be escaped)");
      }
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_end()) fail("unterminated escape");
      char e = text_[pos_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          unsigned cp = parse_hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            // A high surrogate must be followed by an escaped low surrogate.
            if (text_.substr(pos_, 2) != "\\u") fail("unpaired UTF-16 surrogate in \\u escape");
            pos_ += 2;
            unsigned lo = parse_hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) fail("invalid UTF-16 low surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail("unpaired UTF-16 surrogate in \\u escape");
          }
          append_utf8(out, cp);
          break;
        }
        default:
          --pos_;
          fail(concat("invalid escape '\\", e, "'"));
      }
    }
  }

  json_value parse_number() {
    const std::size_t start = pos_;
    bool is_float = false;
    auto digits = [&] {
      std::size_t d = pos_;
      while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
      return pos_ - d;
    };
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
      if (peek() >= '0' && peek() <= '9') fail("leading zeros are not allowed in numbers");
    } else if (digits() == 0) {
      fail("invalid number");
    }
    if (peek() == '.') {
      ++pos_;
      is_float = true;
      if (digits() == 0) fail("expected digits after the decimal point");
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      is_float = true;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (digits() == 0) fail("expected digits in the exponent");
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    if (!is_float) {
      std::int64_t i = 0;
      auto [p, ec] = std::from_chars(first, last, i);
      if (ec == std::errc() && p == last) return json_value(i);
      // Too large for int64: fall through and keep it as a double, as most parsers do.
    }
    double d = 0.0;
    auto [p, ec] = std::from_chars(first, last, d);
    if (ec == std::errc::result_out_of_range) {
      pos_ = start;
      fail("number out of range of a double");
    }
    if (ec != std::errc() || p != last) {
      pos_ = start;
      fail("invalid number");
    }
    return json_value(d);
  }
};

}  // namespace detail

inline json_value json_value::parse(std::string_view text) {
  return detail::json_parser(text).parse_document();
}

/// Reads and parses a JSON file; io_error names the file and, for bad JSON, the line and column.
inline json_value load_json(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw io_error(detail::concat(path.string(), ": cannot open JSON file for reading"));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw io_error(detail::concat(path.string(), ": read error"));
  try {
    return json_value::parse(ss.str());
  } catch (const invalid_argument& e) {
    throw io_error(detail::concat(path.string(), ": ", e.what()));
  }
}

/// Writes `value` as JSON (pretty-printed with `indent` spaces, trailing newline), atomically.
inline void save_json(const std::filesystem::path& path, const json_value& value, int indent = 2) {
  const std::string text = value.dump(indent) + "\n";
  write_text_atomically(path, text);
}

}  // namespace spiketorch
