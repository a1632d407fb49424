// Where an output could be created, asked before the work that produces it: the nearest
// existing ancestor of a path (the directory its creation starts from) and whether this process
// may create entries there. The MNIST program checks --json and --plot with these, checkpoints
// their target (io/checkpoint.hpp).
#pragma once

#include "spiketorch/config.hpp"

#include <filesystem>
#include <system_error>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

namespace spiketorch {

/// The nearest ancestor of `path` (or `path` itself) that is there: exists, or cannot be asked
/// (a symlink loop), so that callers report it as not a directory rather than walk past it.
/// "." for a relative path none of whose parts exist.
inline std::filesystem::path nearest_existing_ancestor(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path p = path.empty() ? fs::path(".") : path;
  for (;;) {
    if (fs::status(p, ec).type() != fs::file_type::not_found) return p;
    fs::path up = p.parent_path();
    if (up.empty()) up = ".";  // a relative path's last parent
    if (up == p) return p;     // "/" or "." itself missing: the caller reports it
    p = up;
  }
}

/// Whether this process may create entries in the existing directory `dir` (POSIX access(): a
/// read-only file system or missing permissions; root passes the permission bits).
inline bool can_create_in(const std::filesystem::path& dir) {
#if defined(__unix__) || defined(__APPLE__)
  return ::access(dir.c_str(), W_OK | X_OK) == 0;
#else
  (void)dir;
  return true;
#endif
}

}  // namespace spiketorch
