// NumPy .npy files: save any xtensor expression atomically, load with errors that name the file
// and say what is wrong (dtype found vs expected, truncation) instead of xtensor's generic ones.
#pragma once

#include "spiketorch/config.hpp"

#include <spiketorch/core/errors.hpp>
#include <spiketorch/io/atomic_file.hpp>

#include <xtensor/xarray.hpp>
#include <xtensor/xnpy.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace spiketorch {

/// What a .npy header says about the array it holds.
struct npy_header {
  std::string descr;  ///< NumPy type string as stored, e.g. "<f4"
  bool fortran_order = false;
  std::vector<std::size_t> shape;
  std::size_t data_offset = 0;  ///< bytes before the array data
};

namespace detail {

template <class T>
inline constexpr bool is_npy_type =
    std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, std::int32_t> ||
    std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::uint8_t> ||
    std::is_same_v<T, std::uint32_t>;

template <class T>
constexpr std::string_view npy_type_name() {
  if constexpr (std::is_same_v<T, float>) return "float32";
  if constexpr (std::is_same_v<T, double>) return "float64";
  if constexpr (std::is_same_v<T, std::int32_t>) return "int32";
  if constexpr (std::is_same_v<T, std::int64_t>) return "int64";
  if constexpr (std::is_same_v<T, std::uint8_t>) return "uint8";
  if constexpr (std::is_same_v<T, std::uint32_t>) return "uint32";
}

/// The descr NumPy writes for T on this machine ("<f4", "|u1", ...).
template <class T>
std::string npy_descr() {
  std::string d;
  d += sizeof(T) == 1 ? '|' : (std::endian::native == std::endian::little ? '<' : '>');
  d += std::is_floating_point_v<T> ? 'f' : (std::is_signed_v<T> ? 'i' : 'u');
  d += std::to_string(sizeof(T));
  return d;
}

/// Byte order does not matter for one-byte types, and NumPy spells it '|' there, but other writers
/// use '<' or '='; '=' means native.
inline std::string normalize_descr(std::string_view descr) {
  std::string d(descr);
  if (d.size() >= 3 && (d[0] == '<' || d[0] == '>' || d[0] == '|' || d[0] == '=')) {
    if (d.substr(1) == "u1" || d.substr(1) == "i1" || d.substr(1) == "b1") {
      d[0] = '|';
    } else if (d[0] == '=') {
      d[0] = std::endian::native == std::endian::little ? '<' : '>';
    }
  }
  return d;
}

/// "float32 ('<f4')" for known descrs, just "'>f4'" otherwise: messages should say what a person
/// would call the type, and still show the exact descr.
inline std::string describe_descr(std::string_view descr) {
  const std::string d = normalize_descr(descr);
  std::string name;
  for (auto [code, n] :
       std::array<std::pair<std::string_view, std::string_view>, 6>{{{"f4", "float32"},
                                                                     {"f8", "float64"},
                                                                     {"i4", "int32"},
                                                                     {"i8", "int64"},
                                                                     {"u1", "uint8"},
                                                                     {"u4", "uint32"}}}) {
    const char native = std::endian::native == std::endian::little ? '<' : '>';
    if (d.size() == 3 && d.substr(1) == code && (d[0] == native || d[0] == '|')) name = n;
  }
  if (name.empty()) return concat("'", descr, "'");
  return concat(name, " ('", descr, "')");
}

/// Reads the Python-literal header dict. Hand-written because xtensor's parser accepts only one key
/// order, misreads some header lengths, and throws messages that do not name the file.
class npy_header_parser {
 public:
  npy_header_parser(std::string_view text, const std::filesystem::path& path)
      : text_(text), path_(path) {}

  npy_header parse() {
    npy_header h;
    bool have_descr = false, have_order = false, have_shape = false;
    skip_ws();
    expect('{');
    for (;;) {
      skip_ws();
      if (peek() == '}') break;
      const std::string key = parse_string();
      skip_ws();
      expect(':');
      skip_ws();
      if (key == "descr") {
        if (peek() == '[') fail("structured dtypes are not supported");
        h.descr = parse_string();
        have_descr = true;
      } else if (key == "fortran_order") {
        if (text_.substr(pos_, 4) == "True") {
          h.fortran_order = true;
          pos_ += 4;
        } else if (text_.substr(pos_, 5) == "False") {
          h.fortran_order = false;
          pos_ += 5;
        } else {
          fail("fortran_order is neither True nor False");
        }
        have_order = true;
      } else if (key == "shape") {
        h.shape = parse_shape();
        have_shape = true;
      } else {
        fail(concat("unexpected key '", key, "'"));
      }
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      skip_ws();
      if (peek() != '}') fail("expected ',' or '}' in header");
    }
    if (!have_descr || !have_order || !have_shape)
      fail("header lacks one of 'descr', 'fortran_order', 'shape'");
    return h;
  }

 private:
  std::string_view text_;
  const std::filesystem::path& path_;
  std::size_t pos_ = 0;

  [[noreturn]] void fail(std::string_view what) const {
    throw io_error(concat(path_.string(), ": invalid .npy header: ", what));
  }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_ws() {
    while (peek() == ' ' || peek() == '\t' || peek() == '\n') ++pos_;
  }
  void expect(char c) {
    if (peek() != c) fail(concat("expected '", c, "'"));
    ++pos_;
  }
  std::string parse_string() {
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string");
    ++pos_;
    const std::size_t end = text_.find(q, pos_);
    if (end == std::string_view::npos) fail("unterminated string");
    std::string s(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return s;
  }
  std::vector<std::size_t> parse_shape() {
    std::vector<std::size_t> shape;
    expect('(');
    for (;;) {
      skip_ws();
      if (peek() == ')') break;
      if (peek() < '0' || peek() > '9') fail("shape must be a tuple of non-negative integers");
      std::size_t v = 0;
      while (peek() >= '0' && peek() <= '9') {
        const auto digit = static_cast<std::size_t>(peek() - '0');
        if (v > (std::numeric_limits<std::size_t>::max() - digit) / 10) fail("dimension overflows");
        v = v * 10 + digit;
        ++pos_;
      }
      // NumPy writes Python longs as "3L" in old files.
      if (peek() == 'L') ++pos_;
      shape.push_back(v);
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != ')') fail("expected ',' or ')' in shape");
    }
    ++pos_;
    return shape;
  }
};

/// Bytes per element for plain numeric descrs ("<f4" -> 4); 0 for kinds whose size we cannot tell.
inline std::size_t npy_item_size(std::string_view descr) {
  if (descr.size() < 3 || std::string_view("fiucb").find(descr[1]) == std::string_view::npos)
    return 0;
  std::size_t size = 0;
  for (std::size_t i = 2; i < descr.size(); ++i) {
    if (descr[i] < '0' || descr[i] > '9' || size > 64) return 0;
    size = size * 10 + static_cast<std::size_t>(descr[i] - '0');
  }
  return size;
}

inline std::uint64_t read_le(const unsigned char* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

/// Reads and checks the header from an open stream positioned at the start of the file.
inline npy_header parse_npy_header(std::istream& in, const std::filesystem::path& path,
                                   std::uintmax_t file_size) {
  unsigned char pre[12];
  in.read(reinterpret_cast<char*>(pre), 8);
  if (in.gcount() != 8 || std::string_view(reinterpret_cast<char*>(pre), 6) != "\x93NUMPY")
    throw io_error(concat(path.string(), ": not a .npy file (bad magic bytes)"));
  const int major = pre[6];
  const int len_bytes = major == 1 ? 2 : (major == 2 || major == 3) ? 4 : 0;
  if (len_bytes == 0)
    throw io_error(
        concat(path.string(), ": unsupported .npy format version ", major, ".", int(pre[7])));
  in.read(reinterpret_cast<char*>(pre + 8), len_bytes);
  if (in.gcount() != len_bytes) throw io_error(concat(path.string(), ": truncated .npy header"));
  const std::uint64_t header_len = read_le(pre + 8, len_bytes);
  const std::size_t offset = 8 + static_cast<std::size_t>(len_bytes);
  if (header_len > file_size - std::min<std::uintmax_t>(file_size, offset))
    throw io_error(concat(path.string(), ": truncated .npy header (header length ", header_len,
                          ", file size ", file_size, ")"));
  std::string text(static_cast<std::size_t>(header_len), '\0');
  in.read(text.data(), static_cast<std::streamsize>(header_len));
  if (static_cast<std::uint64_t>(in.gcount()) != header_len)
    throw io_error(concat(path.string(), ": truncated .npy header"));
  npy_header h = npy_header_parser(text, path).parse();
  h.data_offset = offset + static_cast<std::size_t>(header_len);
  return h;
}

/// The file must hold exactly header + product(shape) elements: a short file is a crash during
/// writing or a partial copy, a long one is not what the header claims to be.
inline void check_npy_size(const npy_header& h, std::uintmax_t file_size,
                           const std::filesystem::path& path) {
  const std::size_t item = npy_item_size(h.descr);
  if (item == 0) throw io_error(concat(path.string(), ": unsupported dtype '", h.descr, "'"));
  std::size_t bytes = item;
  for (std::size_t d : h.shape) {
    if (d != 0 && bytes > std::numeric_limits<std::size_t>::max() / d)
      throw io_error(concat(path.string(), ": shape too large"));
    bytes *= d;
  }
  const std::uintmax_t have = file_size - std::min<std::uintmax_t>(file_size, h.data_offset);
  if (have < bytes)
    throw io_error(
        concat(path.string(), ": truncated: expected ", bytes, " bytes of data, got ", have));
  if (have > bytes)
    throw io_error(
        concat(path.string(), ": ", have - bytes, " trailing bytes after the array data"));
}

struct npy_file_info {
  npy_header header;
  std::uintmax_t file_size = 0;
};

inline npy_file_info open_npy_header(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw io_error(
        concat(path.string(), ": cannot read .npy file: ",
               std::filesystem::exists(path, ec) ? "not a regular file" : "no such file"));
  const std::uintmax_t file_size = std::filesystem::file_size(path, ec);
  if (ec) throw io_error(concat(path.string(), ": cannot read .npy file: ", ec.message()));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw io_error(concat(path.string(), ": cannot open .npy file for reading"));
  return {parse_npy_header(in, path, file_size), file_size};
}

/// Calls f with `expression` as an evaluated container: containers are passed as they are (keeping
/// a column-major layout), anything else is copied into an xarray first. xt::eval cannot be trusted
/// here: in xtensor 0.24 it turns `xarray * scalar` into a rank-4 xtensor with bogus leading sizes.
template <class E, class F>
decltype(auto) with_evaluated(const xt::xexpression<E>& expression, F&& f) {
  if constexpr (std::is_base_of_v<xt::xcontainer<E>, E>) {
    return f(expression.derived_cast());
  } else {
    const xt::xarray<typename E::value_type> evaluated = expression.derived_cast();
    return f(evaluated);
  }
}

}  // namespace detail

/// Reads only the header of a .npy file: dtype, layout and shape. Throws io_error when the file
/// cannot be opened, is not a .npy file, or its size does not match its header.
inline npy_header read_npy_header(const std::filesystem::path& path) {
  const auto info = detail::open_npy_header(path);
  detail::check_npy_size(info.header, info.file_size, path);
  return info.header;
}

/// Saves an expression of float, double, int32, int64, uint8 or uint32 as a .npy file. The file is
/// written beside `path` as `path.tmp` and renamed over `path` once complete, so readers never see
/// a half-written array.
template <class E>
void save_npy(const std::filesystem::path& path, const xt::xexpression<E>& expression) {
  using value_type = typename E::value_type;
  static_assert(detail::is_npy_type<value_type>,
                "save_npy supports float, double, int32, int64, uint8 and uint32");
  detail::with_evaluated(expression, [&](const auto& container) {
    write_file_atomically(path,
                          [&](std::ostream& out) { xt::detail::dump_npy_stream(out, container); });
  });
}

/// Loads a .npy file whose dtype is exactly T (no silent conversion). C- and Fortran-ordered files
/// are both accepted; the result is always row-major.
template <class T>
xt::xarray<T> load_npy(const std::filesystem::path& path) {
  static_assert(detail::is_npy_type<T>,
                "load_npy supports float, double, int32, int64, uint8 and uint32");
  const auto info = detail::open_npy_header(path);
  const npy_header& h = info.header;
  const std::string want = detail::npy_descr<T>();
  if (detail::normalize_descr(h.descr) != want)
    throw io_error(detail::concat(path.string(), ": dtype mismatch: file holds ",
                                  detail::describe_descr(h.descr), ", expected ",
                                  detail::npy_type_name<T>(), " ('", want, "')"));
  detail::check_npy_size(h, info.file_size, path);

  // The payload is read here rather than through xt::load_npy: the header is already parsed and
  // checked against the file size, and xtensor's reader mis-decodes header lengths >= 128.
  std::ifstream in(path, std::ios::binary);
  if (!in) throw io_error(detail::concat(path.string(), ": cannot open .npy file for reading"));
  in.seekg(static_cast<std::streamoff>(h.data_offset));
  auto read_into = [&](T* data, std::size_t n) {
    in.read(reinterpret_cast<char*>(data), static_cast<std::streamsize>(n * sizeof(T)));
    if (static_cast<std::size_t>(in.gcount()) != n * sizeof(T))
      throw io_error(detail::concat(path.string(), ": read error in array data"));
  };
  if (h.fortran_order && h.shape.size() > 1) {
    auto col = xt::xarray<T, xt::layout_type::column_major>::from_shape(h.shape);
    read_into(col.data(), col.size());
    return xt::xarray<T>(col);
  }
  auto result = xt::xarray<T>::from_shape(h.shape);
  read_into(result.data(), result.size());
  return result;
}

}  // namespace spiketorch
