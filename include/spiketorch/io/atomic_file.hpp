// Atomic replacement of a file: readers (and a process restarted after a crash) see the old file
// or the new one, never a partial one. Used by the .npy writer, checkpoints and result files.
#pragma once

#include "spiketorch/config.hpp"

#include <spiketorch/core/errors.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <ostream>
#include <string_view>
#include <system_error>

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <unistd.h>
#define SPIKETORCH_DETAIL_HAVE_POSIX 1
#endif

namespace spiketorch {

namespace detail {

/// Pushes a file's (or directory's) data to the disk so that a rename that follows cannot be
/// persisted before the contents it points to. Failure on a file is an error; on a directory it is
/// ignored because some file systems do not support syncing directories.
inline void sync_path(const std::filesystem::path& path, bool is_file) {
#ifdef SPIKETORCH_DETAIL_HAVE_POSIX
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    if (is_file) throw io_error(concat(path.string(), ": cannot reopen to sync to disk"));
    return;
  }
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0 && is_file) throw io_error(concat(path.string(), ": fsync failed"));
#else
  (void)path;
  (void)is_file;
#endif
}

}  // namespace detail

/// Replaces `path` with the bytes written by `write`: the data goes to `path.tmp` first, is
/// flushed and synced, and only then renamed over `path`. Any failure (an exception from `write`,
/// a failed write, sync or rename) leaves `path` as it was and removes `path.tmp`.
inline void write_file_atomically(const std::filesystem::path& path,
                                  const std::function<void(std::ostream&)>& write) {
  using detail::concat;
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw io_error(concat(path.string(), ": cannot open ", tmp.string(), " for writing"));
    try {
      write(out);
    } catch (...) {
      out.close();
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      throw;
    }
    out.flush();
    const bool ok = static_cast<bool>(out);
    out.close();
    if (!ok || out.fail()) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      throw io_error(concat(path.string(), ": write failed (disk full or I/O error)"));
    }
  }
  try {
    detail::sync_path(tmp, true);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw io_error(
        concat(path.string(), ": cannot rename ", tmp.string(), " into place: ", ec.message()));
  }
  // The rename itself lives in the directory: without this a crash could still undo it.
  detail::sync_path(path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path(),
                    false);
}

/// write_file_atomically for a text already in memory.
inline void write_text_atomically(const std::filesystem::path& path, std::string_view text) {
  write_file_atomically(path, [&](std::ostream& out) {
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  });
}

}  // namespace spiketorch
