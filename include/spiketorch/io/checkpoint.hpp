// Checkpoints: a directory of .npy arrays plus manifest.json (format name, version, parameters,
// array names/shapes/dtypes). Writes go to a sibling temporary directory that replaces
// the target only once complete, so a crash never leaves a half-written checkpoint in place.
//
// Beside a checkpoint "run/ckpt" live, for a while: run/ckpt.tmp-<pid>-<n> (a writer's pending
// checkpoint), run/ckpt.old-<pid> (the previous checkpoint, moved aside during a commit) and
// run/ckpt.lock (held during a commit, so that concurrent saves replace the checkpoint one after
// the other). A process killed in a commit leaves some of them: a reader that finds no checkpoint
// recovers it from them, and the next commit removes those of processes no longer running.
#pragma once

#include "spiketorch/config.hpp"

#include <spiketorch/core/errors.hpp>
#include <spiketorch/io/atomic_file.hpp>
#include <spiketorch/io/file_lock.hpp>
#include <spiketorch/io/npy.hpp>
#include <spiketorch/io/output_path.hpp>

#include <nlohmann/json.hpp>
#include <xtensor/xarray.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#ifdef SPIKETORCH_DETAIL_HAVE_POSIX
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#endif

namespace spiketorch {

/// The JSON type of manifests: nlohmann's, keeping members in the order they were written so that
/// a manifest reads the way the program wrote it.
using manifest_json = nlohmann::ordered_json;

inline constexpr std::string_view checkpoint_format_name = "spiketorch-checkpoint";
/// The newest manifest layout this build writes and reads. Version 1: parameters are strings,
/// numbers and booleans. Version 2: also objects of those (a model's parameter set, written with
/// the model's to_json), which a version-1 reader would misreport as corruption.
inline constexpr std::int64_t checkpoint_format_version = 2;

/// How long a commit (or a reader's recovery) waits for another process's commit of the same
/// checkpoint. A commit holds the lock for a few renames, so only a stuck process exceeds it.
inline constexpr std::chrono::milliseconds checkpoint_lock_wait{60'000};

namespace detail {

/// Integers that fit std::int64_t: what get_int() returns. JSON itself has no integer limit.
inline bool is_int64(const manifest_json& v) {
  if (v.is_number_unsigned())
    return v.get<std::uint64_t>() <= std::uint64_t(std::numeric_limits<std::int64_t>::max());
  return v.is_number_integer();
}

/// What `v` holds, in the words of the reader's error messages.
inline const char* json_kind_name(const manifest_json& v) {
  if (v.is_boolean()) return "boolean";
  if (is_int64(v)) return "integer";
  if (v.is_number()) return "floating-point number";
  if (v.is_string()) return "string";
  if (v.is_array()) return "array";
  if (v.is_object()) return "object";
  return "null";
}

/// "an object", "a string": for messages.
inline std::string with_article(std::string_view noun) {
  const bool vowel = !noun.empty() && std::string_view("aeiou").find(noun.front()) != noun.npos;
  return concat(vowel ? "an " : "a ", noun);
}

/// Checks a parameter value: a string, a finite number, a boolean or (when `allow_objects`) an
/// object of such values. Returns an empty string, or what is wrong with the value at `path`.
inline std::string check_parameter(const manifest_json& v, const std::string& path,
                                   bool allow_objects) {
  if (v.is_string() || v.is_boolean() || v.is_number_integer()) return {};
  if (v.is_number_float())
    return std::isfinite(v.get<double>()) ? std::string()
                                          : concat("parameter '", path, "' is not finite");
  if (v.is_object() && allow_objects) {
    for (const auto& [key, member] : v.items())
      if (std::string e = check_parameter(member, path + "." + key, true); !e.empty()) return e;
    return {};
  }
  return concat("parameter '", path, "' is ", with_article(json_kind_name(v)),
                "; only strings, numbers",
                allow_objects ? ", booleans and objects of them" : " and booleans", " are allowed");
}

/// Parses a manifest's text. Duplicate keys are refused (nlohmann would keep one of them
/// silently): a manifest whose "format_version" or parameter says two things is corrupt.
inline manifest_json parse_manifest(const std::string& text) {
  std::vector<std::vector<std::string>> open_objects;
  const manifest_json::parser_callback_t check_keys = [&](int, manifest_json::parse_event_t event,
                                                          manifest_json& parsed) {
    using event_t = manifest_json::parse_event_t;
    if (event == event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == event_t::object_end) {
      open_objects.pop_back();
    } else if (event == event_t::key) {
      auto key = parsed.get<std::string>();
      auto& seen = open_objects.back();
      for (const auto& k : seen)
        if (k == key) throw invalid_argument(concat("duplicate key \"", key, "\""));
      seen.push_back(std::move(key));
    }
    return true;
  };
  return manifest_json::parse(text, check_keys);
}

/// Reads and parses a JSON file; io_error names the file and, for bad JSON, the line and column.
inline manifest_json load_manifest(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw io_error(concat(path.string(), ": cannot open JSON file for reading"));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw io_error(concat(path.string(), ": read error"));
  try {
    return parse_manifest(ss.str());
  } catch (const manifest_json::exception& e) {
    // Not only parse_error: a number too large for a double ("1e999") is an out_of_range.
    // nlohmann's messages start with an id ("[json.exception.parse_error.101] ") of no use here.
    std::string_view what = e.what();
    if (const auto end = what.find("] "); what.starts_with("[json.") && end != what.npos)
      what.remove_prefix(end + 2);
    throw io_error(concat(path.string(), ": ", what));
  } catch (const invalid_argument& e) {
    throw io_error(concat(path.string(), ": ", e.what()));
  }
}

inline long process_id() {
#ifdef SPIKETORCH_DETAIL_HAVE_POSIX
  return static_cast<long>(::getpid());
#else
  return 0;
#endif
}

/// Whether process `pid` is running. An id that cannot be checked counts as running, so that
/// what it may still be using is left alone.
inline bool process_alive(long pid) {
#ifdef SPIKETORCH_DETAIL_HAVE_POSIX
  if (pid <= 0 || !std::in_range<pid_t>(pid)) return true;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
#else
  (void)pid;
  return true;
#endif
}

/// `dir` without a trailing slash: "run/ckpt/" and "run/ckpt" name the same checkpoint.
inline std::filesystem::path checkpoint_base(const std::filesystem::path& dir) {
  return dir.has_filename() ? dir : dir.parent_path();
}

/// The directory that holds `dir` and its siblings.
inline std::filesystem::path checkpoint_parent(const std::filesystem::path& dir) {
  std::filesystem::path parent = checkpoint_base(dir).parent_path();
  return parent.empty() ? std::filesystem::path(".") : parent;
}

/// `dir` + suffix as a sibling path ("run/ckpt" -> "run/ckpt.old-42").
inline std::filesystem::path sibling_path(const std::filesystem::path& dir, std::string_view tag) {
  std::filesystem::path base = checkpoint_base(dir);
  base += concat(".", tag, "-", process_id());
  return base;
}

/// A writer's pending directory: the pid tells other processes whether it is abandoned, the
/// counter keeps two writers of one process (threads) apart.
inline std::filesystem::path pending_path(const std::filesystem::path& dir) {
  static std::atomic<std::uint64_t> writers{0};
  std::filesystem::path path = sibling_path(dir, "tmp");
  path += concat("-", writers++);
  return path;
}

inline std::filesystem::path lock_path(const std::filesystem::path& dir) {
  std::filesystem::path path = checkpoint_base(dir);
  path += ".lock";
  return path;
}

/// Reads the digits at the front of `s` into `value` and drops them; false if there are none.
inline bool take_number(std::string_view& s, long& value) {
  if (s.empty() || s.front() < '0' || s.front() > '9') return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc()) return false;
  s.remove_prefix(static_cast<std::size_t>(end - s.data()));
  return true;
}

/// A directory a writer made beside a checkpoint: `dir.tmp-<pid>[-<n>]` (pending) or
/// `dir.old-<pid>` (the previous checkpoint during a commit).
struct checkpoint_sibling {
  std::filesystem::path path;
  bool pending = false;
  long pid = 0;
};

/// The writers' directories beside `dir`, in name order. Anything else there, even a name that
/// starts alike ("ckpt.old-notes"), is not ours and is not listed.
inline std::vector<checkpoint_sibling> checkpoint_siblings(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::vector<checkpoint_sibling> found;
  const std::string stem = checkpoint_base(dir).filename().string();
  std::error_code ec;
  for (fs::directory_iterator it(checkpoint_parent(dir), ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    for (const bool pending : {true, false}) {
      const std::string prefix = stem + (pending ? ".tmp-" : ".old-");
      if (!name.starts_with(prefix)) continue;
      std::string_view rest = std::string_view(name).substr(prefix.size());
      long pid = 0, counter = 0;
      if (!take_number(rest, pid)) continue;
      if (pending && rest.starts_with('-')) {
        rest.remove_prefix(1);
        if (!take_number(rest, counter)) continue;
      }
      std::error_code type_ec;
      if (rest.empty() && it->is_directory(type_ec)) found.push_back({it->path(), pending, pid});
    }
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  return found;
}

/// Removes what dead processes left beside `dir` (never `keep`, never a running process's).
/// Best effort: a leftover that cannot be removed does no harm.
inline void remove_abandoned_siblings(const std::filesystem::path& dir,
                                      const std::filesystem::path& keep) {
  for (const auto& s : checkpoint_siblings(dir)) {
    if (s.path == keep || process_alive(s.pid)) continue;
    std::error_code ec;
    std::filesystem::remove_all(s.path, ec);
  }
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

/// The parent part of check_checkpoint_target: the commit creates and renames siblings of `dir`
/// in its parent (or in directories it creates there, from the nearest one that exists).
inline void check_checkpoint_parent(const std::filesystem::path& dir) {
  const std::filesystem::path parent = nearest_existing_ancestor(checkpoint_parent(dir));
  std::error_code ec;
  if (!std::filesystem::is_directory(parent, ec))
    throw io_error(concat("checkpoint: cannot write '", dir.string(), "': '", parent.string(),
                          "' is not a directory"));
  if (!can_create_in(parent))
    throw io_error(concat("checkpoint: cannot write '", dir.string(), "': directory '",
                          parent.string(), "' is not writable (", std::strerror(errno), ")"));
}

}  // namespace detail

/// Throws io_error, naming the path and what is wrong, unless a checkpoint can be committed at
/// `dir`: nothing there yet, an empty directory, or a checkpoint (a directory with
/// manifest.json) to replace. Missing parents are created by the commit, so the nearest one that
/// exists must be a writable directory. An empty path is an invalid_argument. commit() checks
/// this itself; a program calls it before the work whose result it saves, so that a bad target
/// fails before the work, not after it.
inline void check_checkpoint_target(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  using detail::concat;
  require(!dir.empty(), "checkpoint: directory path is empty");
  std::error_code ec;
  // Without its trailing slash: "file/" is not found, yet the commit would rename onto "file".
  const fs::path base = detail::checkpoint_base(dir);
  // The commit renames the new checkpoint onto `base`: ".", ".." or "/" cannot be replaced so.
  if (const fs::path name = base.filename(); name.empty() || name == "." || name == "..")
    throw io_error(concat("checkpoint: cannot use '", dir.string(),
                          "': name the checkpoint's own directory (e.g. '",
                          (base / "checkpoint").lexically_normal().string(), "')"));
  const fs::file_status status = fs::status(base, ec);
  if (ec && status.type() != fs::file_type::not_found)
    throw io_error(concat("checkpoint: cannot use '", dir.string(), "': ", ec.message()));
  if (fs::exists(status)) {
    if (!fs::is_directory(status))
      throw io_error(concat("checkpoint: cannot replace '", dir.string(),
                            "': it exists and is not a directory"));
    if (!fs::is_empty(base, ec) && !fs::is_regular_file(base / "manifest.json", ec))
      throw io_error(concat("checkpoint: refusing to replace '", dir.string(),
                            "': it is a non-empty directory without manifest.json, "
                            "not a checkpoint"));
  }
  detail::check_checkpoint_parent(dir);
}

/// Collects parameters and arrays, then publishes them all at once with commit().
/// Without commit() (an exception, an early return) nothing at `dir` changes and the temporary
/// directory is removed.
class checkpoint_writer {
 public:
  explicit checkpoint_writer(std::filesystem::path dir)
      : dir_(std::move(dir)), tmp_(detail::pending_path(dir_)) {
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

  /// Sets a parameter: a bool, integer, floating-point number or string, or anything with an
  /// nlohmann to_json that makes an object of those (a model's parameter set). Setting a key again
  /// replaces it.
  template <class T>
  void set(std::string_view key, const T& value) {
    require_open("set");
    require(!key.empty(), "checkpoint_writer::set: empty parameter name");
    const std::string name(key);
    if constexpr (std::same_as<T, bool>) {
      params_[name] = value;
    } else if constexpr (std::integral<T>) {
      require(std::in_range<std::int64_t>(value), "checkpoint_writer::set: parameter '", key,
              "' = ", value, " does not fit a 64-bit signed integer");
      params_[name] = static_cast<std::int64_t>(value);
    } else if constexpr (std::floating_point<T>) {
      // JSON cannot hold NaN or infinity; refusing here beats reading back null later.
      require(std::isfinite(static_cast<double>(value)), "checkpoint_writer::set: parameter '", key,
              "' must be finite, got ", value);
      params_[name] = static_cast<double>(value);
    } else if constexpr (std::convertible_to<const T&, std::string_view>) {
      manifest_json text = std::string(std::string_view(value));
      require_utf8(text, key);
      params_[name] = std::move(text);
    } else {
      manifest_json object = value;
      require(object.is_object(), "checkpoint_writer::set: parameter '", key, "' is ",
              detail::with_article(detail::json_kind_name(object)),
              ", not an object of parameters");
      const std::string problem = detail::check_parameter(object, name, true);
      require(problem.empty(), "checkpoint_writer::set: ", problem);
      require_utf8(object, key);
      params_[name] = std::move(object);
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
    for (const auto& a : arrays_)
      require(a.at("name").get_ref<const std::string&>() != name,
              "checkpoint_writer::add_array: array '", name, "' added twice");
    prepare_tmp();
    const std::string file = std::string(name) + ".npy";
    // Evaluated once so that the shape recorded is the shape written.
    manifest_json shape_json = manifest_json::array();
    detail::with_evaluated(expression, [&](const auto& container) {
      save_npy(tmp_ / file, container);
      for (auto d : container.shape()) shape_json.push_back(static_cast<std::uint64_t>(d));
    });
    manifest_json entry = manifest_json::object();
    entry["name"] = std::string(name);
    entry["file"] = file;
    entry["dtype"] = std::string(detail::npy_type_name<value_type>());
    entry["shape"] = std::move(shape_json);
    arrays_.push_back(std::move(entry));
  }

  /// Writes the manifest and atomically replaces `dir` with the new checkpoint. An existing `dir`
  /// is replaced only if it is empty or looks like a checkpoint (has manifest.json), so a mistyped
  /// path cannot wipe an unrelated directory (see check_checkpoint_target). Commits of one
  /// checkpoint by several writers (processes or threads) take turns, each waiting up to
  /// `lock_wait` for the one before. What dead processes left beside `dir` is removed.
  void commit(std::chrono::milliseconds lock_wait = checkpoint_lock_wait) {
    require_open("commit");
    namespace fs = std::filesystem;
    // The parent now, before any writing; the target itself only under the lock below.
    detail::check_checkpoint_parent(dir_);
    prepare_tmp();
    manifest_json manifest = manifest_json::object();
    manifest["format"] = std::string(checkpoint_format_name);
    manifest["format_version"] = checkpoint_format_version;
    manifest["parameters"] = params_;
    manifest["arrays"] = arrays_;
    // Written last: a pending directory with a valid manifest is complete, and a reader may
    // recover it if this commit is killed before it is in place.
    write_text_atomically(tmp_ / "manifest.json", manifest.dump(2) + "\n");
    detail::sync_path(tmp_, false);

    const file_lock lock = lock_commit(lock_wait);
    // Only under the lock: outside it another commit may be between its renames, and a check
    // would see the target half-way (not there, or there without its manifest).
    check_checkpoint_target(dir_);
    std::error_code ec;
    const bool exists = fs::exists(dir_, ec);
    // Two renames: move the old checkpoint aside, move the new one in. A crash in between leaves
    // no checkpoint at `dir`, never a mixture of the two: the old one is at dir.old-<pid>, the
    // new one complete at tmp_, and checkpoint_reader puts the new one in place.
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
    detail::sync_path(detail::checkpoint_parent(dir_), false);
    if (exists) fs::remove_all(old, ec);  // a leftover here is harmless; the new one is in place
    detail::remove_abandoned_siblings(dir_, tmp_);
  }

  const std::filesystem::path& directory() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::filesystem::path tmp_;
  manifest_json params_ = manifest_json::object();
  manifest_json arrays_ = manifest_json::array();
  bool tmp_created_ = false;
  bool committed_ = false;

  // nlohmann cannot write invalid UTF-8; refusing it here names the parameter, where commit()
  // could only fail as a whole.
  static void require_utf8(const manifest_json& value, std::string_view key) {
    try {
      (void)value.dump();
    } catch (const manifest_json::type_error&) {
      throw invalid_argument(detail::concat("checkpoint_writer::set: parameter '", key,
                                            "' holds a string that is not valid UTF-8"));
    }
  }

  void require_open(const char* what) const {
    require(!committed_, "checkpoint_writer::", what, ": checkpoint '", dir_.string(),
            "' was already committed");
  }

  // Waits for the commit lock of dir_; the error names the checkpoint and the lock file.
  file_lock lock_commit(std::chrono::milliseconds wait) const {
    try {
      return file_lock(detail::lock_path(dir_), wait);
    } catch (const io_error& e) {
      throw io_error(detail::concat("checkpoint: cannot commit '", dir_.string(), "': ", e.what()));
    }
  }

  void prepare_tmp() {
    if (tmp_created_) return;
    std::error_code ec;
    // Same name as ours means a dead process's leftover (pids are reused): it is ours to clear.
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
///
/// A missing `dir` beside which a killed commit left a complete checkpoint is recovered first
/// (see recovered_from()). A complete pending directory (dir.tmp-*: its manifest is written last)
/// wins: it is the newer checkpoint, whose commit got as far as the renames. Otherwise the
/// previous checkpoint (dir.old-*). Directories of running processes are left alone, and two
/// complete candidates of one kind are an error that names them.
class checkpoint_reader {
 public:
  explicit checkpoint_reader(std::filesystem::path dir) : dir_(std::move(dir)) {
    std::error_code ec;
    if (std::filesystem::symlink_status(dir_, ec).type() == std::filesystem::file_type::not_found)
      recover();
    open();
  }

  /// The directory a missing checkpoint was recovered from (now renamed to directory()), or
  /// empty.
  const std::filesystem::path& recovered_from() const { return recovered_from_; }

  const std::filesystem::path& directory() const { return dir_; }
  std::int64_t format_version() const { return manifest_.at("format_version").get<std::int64_t>(); }
  const manifest_json& manifest() const { return manifest_; }

  bool has(std::string_view key) const { return params().contains(std::string(key)); }
  std::vector<std::string> keys() const {
    std::vector<std::string> k;
    for (const auto& [name, v] : params().items()) k.push_back(name);
    return k;
  }

  std::int64_t get_int(std::string_view key) const {
    return param(key, detail::is_int64, "integer").get<std::int64_t>();
  }
  /// Integers are accepted too: `1` written by one program may be read as 1.0 by another.
  double get_double(std::string_view key) const {
    return param(key, &manifest_json::is_number, "number").get<double>();
  }
  std::string get_string(std::string_view key) const {
    return param(key, &manifest_json::is_string, "string").get<std::string>();
  }
  bool get_bool(std::string_view key) const {
    return param(key, &manifest_json::is_boolean, "boolean").get<bool>();
  }
  /// An object parameter converted by T's nlohmann from_json (a model's parameter set); its
  /// errors come back as io_error naming the checkpoint and the parameter.
  template <class T>
  T get(std::string_view key) const {
    const manifest_json& v = param(key, &manifest_json::is_object, "object");
    try {
      return v.get<T>();
    } catch (const std::exception& e) {
      throw io_error(
          detail::concat("checkpoint '", dir_.string(), "': parameter '", key, "': ", e.what()));
    }
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
    for (const auto& a : manifest_.at("arrays")) names.push_back(a.at("name").get<std::string>());
    return names;
  }
  std::vector<std::size_t> array_shape(std::string_view name) const {
    return shape_of(array_entry(name));
  }
  /// "float32", "float64", "int32", "int64", "uint8" or "uint32".
  std::string array_dtype(std::string_view name) const {
    return array_entry(name).at("dtype").get<std::string>();
  }

  /// Loads an array; T must be its stored dtype and the file's shape must match the manifest.
  template <class T>
  xt::xarray<T> array(std::string_view name) const {
    static_assert(detail::is_npy_type<T>,
                  "checkpoint arrays are float, double, int32, int64, uint8 or uint32");
    const manifest_json& entry = array_entry(name);
    const auto& dtype = entry.at("dtype").get_ref<const std::string&>();
    if (dtype != detail::npy_type_name<T>())
      throw io_error(detail::concat("checkpoint '", dir_.string(), "': array '", name, "' is ",
                                    dtype, ", requested as ", detail::npy_type_name<T>()));
    const auto path = dir_ / entry.at("file").get<std::string>();
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
  std::filesystem::path recovered_from_;
  manifest_json manifest_;

  struct no_recovery {};
  checkpoint_reader(std::filesystem::path dir, no_recovery) : dir_(std::move(dir)) { open(); }

  void open() {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(dir_, ec))
      throw io_error(
          detail::concat("checkpoint directory '", dir_.string(), "' ",
                         fs::exists(dir_, ec) ? "is not a directory" : "does not exist"));
    const fs::path manifest_path = dir_ / "manifest.json";
    if (!fs::is_regular_file(manifest_path, ec))
      throw io_error(
          detail::concat("'", dir_.string(), "' is not a checkpoint: manifest.json is missing"));
    try {
      manifest_ = detail::load_manifest(manifest_path);
    } catch (const io_error& e) {
      throw io_error(detail::concat("corrupt checkpoint manifest: ", e.what()));
    }
    validate(manifest_path.string());
  }

  // Puts back the checkpoint that a commit killed between its two renames left beside the
  // missing dir_. Returns (dir_ still missing) when nothing is there; throws when something is
  // there but cannot be recovered, saying why for each.
  void recover() {
    namespace fs = std::filesystem;
    using detail::concat;
    if (detail::checkpoint_siblings(dir_).empty()) return;
    const std::string missing = concat("checkpoint directory '", dir_.string(), "' does not exist");
    // Commits hold the lock from before their first rename to after their last: while we hold
    // it, none is half-way and none can start.
    std::optional<file_lock> lock;
    try {
      lock.emplace(detail::lock_path(dir_), checkpoint_lock_wait);
    } catch (const io_error& e) {
      throw io_error(
          concat(missing, "; cannot recover it from what an interrupted save left: ", e.what()));
    }
    std::error_code ec;
    if (fs::symlink_status(dir_, ec).type() != fs::file_type::not_found) return;  // committed
    std::vector<fs::path> pending, previous;
    std::string skipped;
    for (const auto& s : detail::checkpoint_siblings(dir_)) {
      if (detail::process_alive(s.pid)) {
        skipped += concat("; '", s.path.string(), "' belongs to process ", s.pid,
                          ", which is still running");
        continue;
      }
      try {
        (void)checkpoint_reader(s.path, no_recovery{});
        (s.pending ? pending : previous).push_back(s.path);
      } catch (const error& e) {
        skipped +=
            concat("; '", s.path.string(), "' is not a complete checkpoint (", e.what(), ")");
      }
    }
    const std::vector<fs::path>& complete = pending.empty() ? previous : pending;
    if (complete.empty()) throw io_error(concat(missing, skipped));
    if (complete.size() > 1) {
      std::string listed;
      for (const auto& c : complete)
        listed += concat(listed.empty() ? "'" : ", '", c.string(), "'");
      throw io_error(concat(missing, "; interrupted saves left ", complete.size(),
                            " complete checkpoints beside it: ", listed,
                            ". Rename the one to keep to '", dir_.string(), "'"));
    }
    fs::rename(complete.front(), detail::checkpoint_base(dir_), ec);
    if (ec)
      throw io_error(concat(missing, "; cannot recover it from '", complete.front().string(),
                            "': ", ec.message()));
    detail::sync_path(detail::checkpoint_parent(dir_), false);
    recovered_from_ = complete.front();
  }

  const manifest_json& params() const { return manifest_.at("parameters"); }

  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw io_error(detail::concat("corrupt checkpoint manifest: ", where, ": ", what));
  }

  template <class Is>
  const manifest_json& param(std::string_view key, Is is_wanted, const char* wanted) const {
    const auto it = params().find(std::string(key));
    if (it == params().end())
      throw io_error(
          detail::concat("checkpoint '", dir_.string(), "' has no parameter '", key, "'"));
    if (!std::invoke(is_wanted, *it))
      throw io_error(detail::concat("checkpoint '", dir_.string(), "': parameter '", key, "' is ",
                                    detail::with_article(detail::json_kind_name(*it)), ", not ",
                                    detail::with_article(wanted)));
    return *it;
  }

  const manifest_json* find_array(std::string_view name) const {
    for (const auto& a : manifest_.at("arrays"))
      if (a.at("name").get_ref<const std::string&>() == name) return &a;
    return nullptr;
  }

  const manifest_json& array_entry(std::string_view name) const {
    if (const manifest_json* a = find_array(name)) return *a;
    std::string listed;
    for (const auto& n : array_names()) listed += (listed.empty() ? "" : ", ") + n;
    throw io_error(detail::concat("checkpoint '", dir_.string(), "' has no array '", name,
                                  "' (it has: ", listed.empty() ? "none" : listed, ")"));
  }

  static std::vector<std::size_t> shape_of(const manifest_json& entry) {
    std::vector<std::size_t> s;
    for (const auto& d : entry.at("shape")) s.push_back(d.get<std::size_t>());
    return s;
  }

  // Checks every field the accessors rely on, so they can use at()/get() without re-checking.
  void validate(const std::string& where) {
    if (!manifest_.is_object()) fail(where, "top level is not a JSON object");
    const auto member = [&](const char* key) -> const manifest_json* {
      const auto it = manifest_.find(key);
      return it == manifest_.end() ? nullptr : &*it;
    };
    const manifest_json* format = member("format");
    if (format == nullptr || !format->is_string())
      fail(where, "missing \"format\" (not a SpikeTorch checkpoint?)");
    const auto& format_name = format->get_ref<const std::string&>();
    if (format_name != checkpoint_format_name)
      throw io_error(detail::concat(where, ": not a SpikeTorch checkpoint (format \"", format_name,
                                    "\", expected \"", checkpoint_format_name, "\")"));
    const manifest_json* version_json = member("format_version");
    if (version_json == nullptr || !version_json->is_number_integer())
      fail(where, "missing integer \"format_version\"");
    if (!detail::is_int64(*version_json) ||
        version_json->get<std::int64_t>() > checkpoint_format_version)
      throw io_error(detail::concat(where, ": checkpoint format_version ", version_json->dump(),
                                    " was written by a newer SpikeTorch; this build reads up to "
                                    "version ",
                                    checkpoint_format_version, ". Upgrade SpikeTorch to load it"));
    const std::int64_t version = version_json->get<std::int64_t>();
    if (version < 1) fail(where, detail::concat("invalid format_version ", version));

    const manifest_json* parameters = member("parameters");
    if (parameters == nullptr || !parameters->is_object())
      fail(where, "missing \"parameters\" object");
    for (const auto& [key, v] : parameters->items())
      if (std::string problem = detail::check_parameter(v, key, version >= 2); !problem.empty())
        fail(where, problem);

    const manifest_json* arrays = member("arrays");
    if (arrays == nullptr || !arrays->is_array()) fail(where, "missing \"arrays\" list");
    std::vector<std::string> seen;
    for (const auto& a : *arrays) {
      if (!a.is_object()) fail(where, "an entry of \"arrays\" is not an object");
      const auto string_member = [&](const char* key) -> const std::string* {
        const auto it = a.find(key);
        return it == a.end() || !it->is_string() ? nullptr : &it->get_ref<const std::string&>();
      };
      const std::string* name = string_member("name");
      if (name == nullptr || !detail::valid_array_name(*name))
        fail(where, "an array entry lacks a valid \"name\"");
      const std::string& n = *name;
      for (const auto& s : seen)
        if (s == n) fail(where, detail::concat("array '", n, "' is listed twice"));
      seen.push_back(n);
      const std::string* file = string_member("file");
      // The file must sit inside the checkpoint: no separators, no "..".
      if (file == nullptr || !detail::valid_array_name(*file))
        fail(where, detail::concat("array '", n, "' lacks a valid \"file\""));
      const std::string* dtype = string_member("dtype");
      if (dtype == nullptr || !detail::valid_dtype_name(*dtype))
        fail(where, detail::concat("array '", n, "' has a missing or unsupported \"dtype\""));
      const auto shape = a.find("shape");
      if (shape == a.end() || !shape->is_array())
        fail(where, detail::concat("array '", n, "' lacks a \"shape\" list"));
      for (const auto& d : *shape)
        if (!d.is_number_unsigned())
          fail(where, detail::concat("array '", n, "' has a shape entry that is not a size"));
      std::error_code ec;
      if (!std::filesystem::is_regular_file(dir_ / *file, ec))
        throw io_error(detail::concat("checkpoint '", dir_.string(), "': file ", *file,
                                      " of array '", n, "' is missing"));
    }
  }
};

}  // namespace spiketorch
