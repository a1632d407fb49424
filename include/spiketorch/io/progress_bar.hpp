// A one-line progress bar on stderr: rate, ETA and a free-form status. On a terminal it redraws
// in place; otherwise (logs, CI) it prints a line at most every `log_every_s` seconds. Used by the
// example programs and the Python module's long calls.
#pragma once

#include "spiketorch/config.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace spiketorch {

class progress_bar {
 public:
  /// `unit` names what is counted, for the rate ("ex": examples per second).
  progress_bar(std::string label, std::uint64_t total, bool quiet = false, double log_every_s = 10.0,
               std::string unit = "ex")
      : label_(std::move(label)), unit_(std::move(unit)), total_(total), quiet_(quiet),
        tty_(isatty(fileno(stderr))), log_every_s_(log_every_s), start_(clock::now()),
        last_(start_) {}

  void update(std::uint64_t done, const std::string& status = {}, bool force = false) {
    if (quiet_) return;
    std::lock_guard lock(mutex_);
    const auto now = clock::now();
    const double since = std::chrono::duration<double>(now - last_).count();
    if (!force && since < (tty_ ? 0.2 : log_every_s_) && done < total_) return;
    if (!tty_ && done == last_done_ && printed_) return;  // logs: never the same line twice
    last_ = now;
    last_done_ = done;
    printed_ = true;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double rate = elapsed > 0 ? double(done) / elapsed : 0.0;
    const double eta = rate > 0 ? double(total_ - std::min(done, total_)) / rate : 0.0;
    const int width = 28;
    const int filled = total_ ? int(width * double(done) / double(total_)) : width;
    std::string bar(std::size_t(filled), '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "%s%-10s [%s] %6.2f%% %llu/%llu  %.1f %s/s  elapsed %s  ETA %s  %s%s",
                 tty_ ? "\r\033[K" : "", label_.c_str(), bar.c_str(),
                 total_ ? 100.0 * double(done) / double(total_) : 100.0,
                 (unsigned long long)done, (unsigned long long)total_, rate, unit_.c_str(),
                 format_time(elapsed).c_str(), format_time(eta).c_str(), status.c_str(),
                 tty_ ? "" : "\n");
    std::fflush(stderr);
  }
  void finish(const std::string& status = {}) {
    update(total_, status, true);
    if (!quiet_ && tty_) std::fputc('\n', stderr);
  }

  static std::string format_time(double s) {
    char buf[32];
    const long t = long(s + 0.5);
    if (t >= 3600)
      std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
    else
      std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
    return buf;
  }

 private:
  using clock = std::chrono::steady_clock;
  std::string label_, unit_;
  std::uint64_t total_;
  bool quiet_, tty_;
  double log_every_s_;
  clock::time_point start_, last_;
  std::uint64_t last_done_ = 0;
  bool printed_ = false;
  std::mutex mutex_;
};

}  // namespace spiketorch
