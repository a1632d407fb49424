// Checkpoints: a directory of .npy arrays plus manifest.json (format name, version, scalar
// parameters, array names/shapes/dtypes). Writes go to a sibling temporary directory that replaces
// the target only once complete, so a crash never leaves a half-written checkpoint in place.
#pragma once

#include <spiketorch/core/errors.hpp>
#include <spiketorch/io/atomic_file.hpp>
#include <spiketorch/io/json.hpp>
#include <spiketorch/io/npy.hpp>

#include <xtensor/xarray.hpp>

#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

namespace spiketorch {

inline constexpr std::string_view checkpoint_format_name = "spiketorch-checkpoint";
/// The newest manifest layout this build writes and reads.
inline constexpr std::int64_t checkpoint_format_version = 1;

namespace detail {

inline long process_id() {
#ifdef SPIKETORCH_DETAIL_HAVE_POSIX
  return static_cast<long>(::getpid());
#else
  return 0;
#endif
}

/// `dir` + suffix as a sibling path ("run/ckpt" -> "run/ckpt.tmp-42"), ignoring a trailing slash.
inline std::filesystem::path sibling_path(const std::filesystem::path& dir, std::string_view tag) {
  std::filesystem::path base = dir;
  if (!base.has_filename()) base = base.parent_path();
  base += concat(".", tag, "-", process_id());
  return base;
}

/// Array names become file names, so they are kept to a portable, path-free character set.
inline bool valid_array_name(std::string_view name) {
  if (name.empty() || name.size() > 200 || name.front() == '.') return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

inline bool valid_dtype_name(std::string_view d) {
  return d == "float32" || d == "float64" || d == "int32" || d == "int64" || d == "uint8" ||
         d == "uint32";
}

inline std::string shape_string(const std::vector<std::size_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += concat(i ? ", " : "", shape[i]);
  return s + ")";
}

}  // namespace detail

/// Collects parameters and arrays, then publishes them all at once with commit().
/// Without commit() (an exception, an early return) nothing at `dir` changes and the temporary
/// directory is removed.
class checkpoint_writer {
 public:
  explicit checkpoint_writer(std::filesystem::path dir)
      : dir_(std::move(dir)), tmp_(detail::sibling_path(dir_, "tmp")) {
    require(!dir_.empty(), "checkpoint_writer: directory path is empty");
  }

  checkpoint_writer(const checkpoint_writer&) = delete;
  checkpoint_writer& operator=(const checkpoint_writer&) = delete;

  ~checkpoint_writer() {
    if (!committed_ && tmp_created_) {
      std::error_code ec;
      std::filesystem::remove_all(tmp_, ec);
    }
  }

  /// Sets a parameter (bool, integer, floating-point or string); setting a key again replaces it.
  template <class T>
  requires std::same_as<T, bool> || std::integral<T> || std::floating_point<T> ||
      std::convertible_to<const T&, std::string_view>
  void set(std::string_view key, const T& value) {
    require_open("set");
    require(!key.empty(), "checkpoint_writer::set: empty parameter name");
    if constexpr (std::same_as<T, bool>) {
      params_[key] = json_value(value);
    } else if constexpr (std::integral<T>) {
      params_[key] = json_value(value);
    } else if constexpr (std::floating_point<T>) {
      // JSON cannot hold NaN or infinity; refusing here beats reading back null later.
      require(std::isfinite(static_cast<double>(value)), "checkpoint_writer::set: parameter '", key,
              "' must be finite, got ", value);
      params_[key] = json_value(static_cast<double>(value));
    } else {
      params_[key] = json_value(std::string_view(value));
    }
  }

  /// Writes an array (float, double, int32, int64, uint8 or uint32) into the pending checkpoint
  /// now, so that large arrays need not be kept in memory until commit().
  template <class E>
  void add_array(std::string_view name, const xt::xexpression<E>& expression) {
    using value_type = typename E::value_type;
    static_assert(detail::is_npy_type<value_type>,
                  "checkpoint arrays must be float, double, int32, int64, uint8 or uint32");
    require_open("add_array");
    require(detail::valid_array_name(name), "checkpoint_writer::add_array: invalid array name '",
            name, "' (use letters, digits, '_', '-', '.'; not starting with '.')");
    for (const auto& a : arrays_.as_array())
      require(a.at("name").as_string() != name, "checkpoint_writer::add_array: array '", name,
              "' added twice");
    prepare_tmp();
    const std::string file = std::string(name) + ".npy";
    // Evaluated once so that the shape recorded is the shape written.
    json_value shape_json = json_value::make_array();
    detail::with_evaluated(expression, [&](const auto& container) {
      save_npy(tmp_ / file, container);
      for (auto d : container.shape())
        shape_json.push_back(json_value(static_cast<std::uint64_t>(d)));
    });
    json_value entry = json_value::make_object();
    entry["name"] = json_value(name);
    entry["file"] = json_value(file);
    entry["dtype"] = json_value(detail::npy_type_name<value_type>());
    entry["shape"] = std::move(shape_json);
    arrays_.push_back(std::move(entry));
  }

  /// Writes the manifest and atomically replaces `dir` with the new checkpoint. An existing `dir`
  /// is replaced only if it is empty or looks like a checkpoint (has manifest.json), so a mistyped
  /// path cannot wipe an unrelated directory.
  void commit() {
    require_open("commit");
    namespace fs = std::filesystem;
    std::error_code ec;
    const bool exists = fs::exists(dir_, ec);
    if (exists) {
      if (!fs::is_directory(dir_, ec))
        throw io_error(detail::concat("checkpoint: cannot replace '", dir_.string(),
                                      "': it exists and is not a directory"));
      if (!fs::is_empty(dir_, ec) && !fs::is_regular_file(dir_ / "manifest.json", ec))
        throw io_error(detail::concat("checkpoint: refusing to replace '", dir_.string(),
                                      "': it is a non-empty directory without manifest.json, "
                                      "not a checkpoint"));
    }

    prepare_tmp();
    json_value manifest = json_value::make_object();
    manifest["format"] = json_value(checkpoint_format_name);
    manifest["format_version"] = json_value(checkpoint_format_version);
    manifest["parameters"] = params_;
    manifest["arrays"] = arrays_;
    save_json(tmp_ / "manifest.json", manifest);
    detail::sync_path(tmp_, false);

    // Two renames: move the old checkpoint aside, move the new one in. A crash in between leaves
    // no checkpoint at `dir` (and the old one at dir.old-<pid>), never a mixture of the two.
    const fs::path old = detail::sibling_path(dir_, "old");
    if (exists) {
      fs::remove_all(old, ec);
      fs::rename(dir_, old, ec);
      if (ec)
        throw io_error(detail::concat("checkpoint: cannot move old checkpoint '", dir_.string(),
                                      "' aside to '", old.string(), "': ", ec.message()));
    }
    fs::rename(tmp_, dir_, ec);
    if (ec) {
      std::error_code restore;
      if (exists) fs::rename(old, dir_, restore);
      throw io_error(detail::concat("checkpoint: cannot rename '", tmp_.string(), "' to '",
                                    dir_.string(), "': ", ec.message()));
    }
    committed_ = true;
    const fs::path parent =
        dir_.has_filename() ? dir_.parent_path() : dir_.parent_path().parent_path();
    detail::sync_path(parent.empty() ? fs::path(".") : parent, false);
    if (exists) fs::remove_all(old, ec);  // a leftover here is harmless; the new one is in place
  }

  const std::filesystem::path& directory() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::filesystem::path tmp_;
  json_value params_ = json_value::make_object();
  json_value arrays_ = json_value::make_array();
  bool tmp_created_ = false;
  bool committed_ = false;

  void require_open(const char* what) const {
    require(!committed_, "checkpoint_writer::", what, ": checkpoint '", dir_.string(),
            "' was already committed");
  }

  void prepare_tmp() {
    if (tmp_created_) return;
    std::error_code ec;
    // Same pid as ours means a dead process's leftover (pids are reused): it is ours to clear.
    std::filesystem::remove_all(tmp_, ec);
    std::filesystem::create_directories(tmp_, ec);
    if (ec)
      throw io_error(detail::concat("checkpoint: cannot create temporary directory '",
                                    tmp_.string(), "': ", ec.message()));
    tmp_created_ = true;
  }
};

/// Opens a checkpoint and validates its manifest up front, so that a bad checkpoint fails when
/// opened rather than half-way through restoring a model.
class checkpoint_reader {
 public:
  explicit checkpoint_reader(std::filesystem::path dir) : dir_(std::move(dir)) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(dir_, ec)) {
      std::string hint;
      const fs::path old = detail::sibling_path(dir_, "old");
      const fs::path parent = old.parent_path().empty() ? fs::path(".") : old.parent_path();
      const std::string stem =
          dir_.has_filename() ? dir_.filename().string() : dir_.parent_path().filename().string();
      for (const auto& entry : fs::directory_iterator(parent, ec)) {
        const std::string n = entry.path().filename().string();
        if (n.rfind(stem + ".old-", 0) == 0) {
          hint = detail::concat(" (an interrupted commit left the previous checkpoint at '",
                                entry.path().string(), "')");
          break;
        }
      }
      throw io_error(
          detail::concat("checkpoint directory '", dir_.string(), "' does not exist", hint));
    }
    const fs::path manifest_path = dir_ / "manifest.json";
    if (!fs::is_regular_file(manifest_path, ec))
      throw io_error(
          detail::concat("'", dir_.string(), "' is not a checkpoint: manifest.json is missing"));
    try {
      manifest_ = load_json(manifest_path);
    } catch (const io_error& e) {
      throw io_error(detail::concat("corrupt checkpoint manifest: ", e.what()));
    }
    validate(manifest_path.string());
  }

  const std::filesystem::path& directory() const { return dir_; }
  std::int64_t format_version() const { return manifest_.at("format_version").as_int(); }
  const json_value& manifest() const { return manifest_; }

  bool has(std::string_view key) const { return params().contains(key); }
  std::vector<std::string> keys() const {
    std::vector<std::string> k;
    for (const auto& [name, v] : params().as_object()) k.push_back(name);
    return k;
  }

  std::int64_t get_int(std::string_view key) const {
    return param(key, json_value::kind::integer).as_int();
  }
  /// Integers are accepted too: `1` written by one program may be read as 1.0 by another.
  double get_double(std::string_view key) const {
    const json_value& v = param(key, json_value::kind::number);
    return v.as_double();
  }
  std::string get_string(std::string_view key) const {
    return param(key, json_value::kind::string).as_string();
  }
  bool get_bool(std::string_view key) const {
    return param(key, json_value::kind::boolean).as_bool();
  }

  /// Variants for parameters added after a checkpoint was written: absent -> fallback.
  std::int64_t get_int(std::string_view key, std::int64_t fallback) const {
    return has(key) ? get_int(key) : fallback;
  }
  double get_double(std::string_view key, double fallback) const {
    return has(key) ? get_double(key) : fallback;
  }
  std::string get_string(std::string_view key, std::string fallback) const {
    return has(key) ? get_string(key) : fallback;
  }
  bool get_bool(std::string_view key, bool fallback) const {
    return has(key) ? get_bool(key) : fallback;
  }

  bool has_array(std::string_view name) const { return find_array(name) != nullptr; }
  std::vector<std::string> array_names() const {
    std::vector<std::string> names;
    for (const auto& a : manifest_.at("arrays").as_array())
      names.push_back(a.at("name").as_string());
    return names;
  }
  std::vector<std::size_t> array_shape(std::string_view name) const {
    return shape_of(array_entry(name));
  }
  /// "float32", "float64", "int32", "int64", "uint8" or "uint32".
  std::string array_dtype(std::string_view name) const {
    return array_entry(name).at("dtype").as_string();
  }

  /// Loads an array; T must be its stored dtype and the file's shape must match the manifest.
  template <class T>
  xt::xarray<T> array(std::string_view name) const {
    static_assert(detail::is_npy_type<T>,
                  "checkpoint arrays are float, double, int32, int64, uint8 or uint32");
    const json_value& entry = array_entry(name);
    const std::string& dtype = entry.at("dtype").as_string();
    if (dtype != detail::npy_type_name<T>())
      throw io_error(detail::concat("checkpoint '", dir_.string(), "': array '", name, "' is ",
                                    dtype, ", requested as ", detail::npy_type_name<T>()));
    const auto path = dir_ / entry.at("file").as_string();
    xt::xarray<T> a = load_npy<T>(path);
    const std::vector<std::size_t> want = shape_of(entry);
    const std::vector<std::size_t> got(a.shape().begin(), a.shape().end());
    if (got != want)
      throw io_error(detail::concat(path.string(), ": shape ", detail::shape_string(got),
                                    " differs from the manifest's ", detail::shape_string(want)));
    return a;
  }

 private:
  std::filesystem::path dir_;
  json_value manifest_;

  const json_value& params() const { return manifest_.at("parameters"); }

  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw io_error(detail::concat("corrupt checkpoint manifest: ", where, ": ", what));
  }

  const json_value& param(std::string_view key, json_value::kind want) const {
    const json_value* v = params().find(key);
    if (v == nullptr)
      throw io_error(
          detail::concat("checkpoint '", dir_.string(), "' has no parameter '", key, "'"));
    const bool ok = want == json_value::kind::number ? v->is_number() : v->type() == want;
    if (!ok)
      throw io_error(detail::concat("checkpoint '", dir_.string(), "': parameter '", key, "' is a ",
                                    json_value::kind_name(v->type()), ", not a ",
                                    json_value::kind_name(want)));
    return *v;
  }

  const json_value* find_array(std::string_view name) const {
    for (const auto& a : manifest_.at("arrays").as_array())
      if (a.at("name").as_string() == name) return &a;
    return nullptr;
  }

  const json_value& array_entry(std::string_view name) const {
    if (const json_value* a = find_array(name)) return *a;
    std::string listed;
    for (const auto& n : array_names()) listed += (listed.empty() ? "" : ", ") + n;
    throw io_error(detail::concat("checkpoint '", dir_.string(), "' has no array '", name,
                                  "' (it has: ", listed.empty() ? "none" : listed, ")"));
  }

  static std::vector<std::size_t> shape_of(const json_value& entry) {
    std::vector<std::size_t> s;
    for (const auto& d : entry.at("shape").as_array())
      s.push_back(static_cast<std::size_t>(d.as_int()));
    return s;
  }

  // Checks every field the accessors rely on, so they can use at()/as_*() without re-checking.
  void validate(const std::string& where) {
    if (!manifest_.is_object()) fail(where, "top level is not a JSON object");
    const json_value* format = manifest_.find("format");
    if (format == nullptr || !format->is_string())
      fail(where, "missing \"format\" (not a SpikeTorch checkpoint?)");
    if (format->as_string() != checkpoint_format_name)
      throw io_error(detail::concat(where, ": not a SpikeTorch checkpoint (format \"",
                                    format->as_string(), "\", expected \"", checkpoint_format_name,
                                    "\")"));
    const json_value* version = manifest_.find("format_version");
    if (version == nullptr || !version->is_integer())
      fail(where, "missing integer \"format_version\"");
    if (version->as_int() > checkpoint_format_version)
      throw io_error(detail::concat(where, ": checkpoint format_version ", version->as_int(),
                                    " was written by a newer SpikeTorch; this build reads up to "
                                    "version ",
                                    checkpoint_format_version, ". Upgrade SpikeTorch to load it"));
    if (version->as_int() < 1)
      fail(where, detail::concat("invalid format_version ", version->as_int()));

    const json_value* parameters = manifest_.find("parameters");
    if (parameters == nullptr || !parameters->is_object())
      fail(where, "missing \"parameters\" object");
    for (const auto& [key, v] : parameters->as_object())
      if (!v.is_bool() && !v.is_number() && !v.is_string())
        fail(where, detail::concat("parameter '", key, "' is a ", json_value::kind_name(v.type()),
                                   "; only strings, numbers and booleans are allowed"));

    const json_value* arrays = manifest_.find("arrays");
    if (arrays == nullptr || !arrays->is_array()) fail(where, "missing \"arrays\" list");
    std::vector<std::string> seen;
    for (const auto& a : arrays->as_array()) {
      if (!a.is_object()) fail(where, "an entry of \"arrays\" is not an object");
      const json_value* name = a.find("name");
      if (name == nullptr || !name->is_string() || !detail::valid_array_name(name->as_string()))
        fail(where, "an array entry lacks a valid \"name\"");
      const std::string& n = name->as_string();
      for (const auto& s : seen)
        if (s == n) fail(where, detail::concat("array '", n, "' is listed twice"));
      seen.push_back(n);
      const json_value* file = a.find("file");
      // The file must sit inside the checkpoint: no separators, no "..".
      if (file == nullptr || !file->is_string() || !detail::valid_array_name(file->as_string()))
        fail(where, detail::concat("array '", n, "' lacks a valid \"file\""));
      const json_value* dtype = a.find("dtype");
      if (dtype == nullptr || !dtype->is_string() || !detail::valid_dtype_name(dtype->as_string()))
        fail(where, detail::concat("array '", n, "' has a missing or unsupported \"dtype\""));
      const json_value* shape = a.find("shape");
      if (shape == nullptr || !shape->is_array())
        fail(where, detail::concat("array '", n, "' lacks a \"shape\" list"));
      for (const auto& d : shape->as_array())
        if (!d.is_integer() || d.as_int() < 0)
          fail(where, detail::concat("array '", n, "' has a shape entry that is not a size"));
      std::error_code ec;
      if (!std::filesystem::is_regular_file(dir_ / file->as_string(), ec))
        throw io_error(detail::concat("checkpoint '", dir_.string(), "': file ", file->as_string(),
                                      " of array '", n, "' is missing"));
    }
  }
};

}  // namespace spiketorch
