// An exclusive lock file beside something several processes may replace (a checkpoint): one
// holder at a time, with a bounded wait. Threads of one process exclude each other as processes
// do, because each holder opens the file itself (flock locks belong to the open file).
#pragma once

#include "spiketorch/config.hpp"

#include <spiketorch/core/errors.hpp>

#include <chrono>
#include <filesystem>
#include <thread>
#include <utility>

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#define SPIKETORCH_DETAIL_HAVE_POSIX 1
#endif

namespace spiketorch {

/// Holds an exclusive lock on `path` from construction to destruction. The file is created when
/// missing and removed on release, so that nothing is left beside the locked resource. Waits up
/// to `wait` for another holder, then throws io_error naming the file. Without POSIX it is a
/// no-op.
class file_lock {
 public:
  file_lock(std::filesystem::path path, std::chrono::milliseconds wait) : path_(std::move(path)) {
#ifdef SPIKETORCH_DETAIL_HAVE_POSIX
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
      if (fd < 0)
        throw io_error(
            detail::concat(path_.string(), ": cannot create lock file: ", std::strerror(errno)));
      if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
        // The previous holder unlinks the file before it unlocks: a lock won on an unlinked
        // file, or on one since replaced by a new file, excludes nobody. Retry on the new one.
        struct stat held = {}, named = {};
        if (::fstat(fd, &held) == 0 && ::stat(path_.c_str(), &named) == 0 &&
            held.st_dev == named.st_dev && held.st_ino == named.st_ino) {
          fd_ = fd;
          return;
        }
        ::close(fd);
        continue;
      }
      const int err = errno;
      ::close(fd);
      if (err != EWOULDBLOCK && err != EINTR)
        throw io_error(detail::concat(path_.string(), ": cannot lock: ", std::strerror(err)));
      if (std::chrono::steady_clock::now() >= deadline)
        throw io_error(detail::concat(path_.string(),
                                      ": held by another process (or thread) for more than ",
                                      wait.count(), " ms; giving up"));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
#else
    (void)wait;
#endif
  }

  file_lock(const file_lock&) = delete;
  file_lock& operator=(const file_lock&) = delete;

  ~file_lock() {
#ifdef SPIKETORCH_DETAIL_HAVE_POSIX
    ::unlink(path_.c_str());  // while still held: see the constructor
    ::close(fd_);
#endif
  }

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  [[maybe_unused]] int fd_ = -1;
};

}  // namespace spiketorch
