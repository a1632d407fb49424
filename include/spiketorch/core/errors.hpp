// Exceptions thrown on bad input. Every check in the library goes through these so that messages
// name what was wrong and with which value.
#pragma once

#include "spiketorch/config.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace spiketorch {

/// Base class of every exception the library throws.
struct error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A parameter, size or argument that makes no sense (negative time constant, zero-sized layer...).
struct invalid_argument : error {
  using error::error;
};

/// A file that cannot be read, is corrupt, truncated or of the wrong kind.
struct io_error : error {
  using error::error;
};

namespace detail {
template <class... Args>
std::string concat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}
}  // namespace detail

/// Throws invalid_argument with the concatenated message when `ok` is false.
template <class... Args>
void require(bool ok, Args&&... message) {
  if (!ok) throw invalid_argument(detail::concat(std::forward<Args>(message)...));
}

/// A finite, strictly positive value (time constants, dt, durations).
inline void require_positive(double value, const char* what) {
  require(std::isfinite(value) && value > 0.0, what, " must be finite and > 0, got ", value);
}

/// A finite value >= 0 (refractory periods, delays, rates).
inline void require_non_negative(double value, const char* what) {
  require(std::isfinite(value) && value >= 0.0, what, " must be finite and >= 0, got ", value);
}

inline void require_finite(double value, const char* what) {
  require(std::isfinite(value), what, " must be finite, got ", value);
}

}  // namespace spiketorch
