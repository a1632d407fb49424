// Milliseconds to whole simulation steps: the one conversion used for run durations, delays and
// refractory periods, so that 5 ms at dt = 0.5 ms is exactly 10 steps everywhere.
#pragma once

#include "spiketorch/config.hpp"

#include <cmath>
#include <cstdint>

#include "spiketorch/core/errors.hpp"

namespace spiketorch {

/// The nearest whole number of steps of `dt_ms` in `ms` (halves round away from zero). `what`
/// names the quantity in the error for a value that is negative, not finite, or too long.
inline std::uint64_t steps_of(double ms, double dt_ms, const char* what = "duration") {
  require(std::isfinite(ms) && ms >= 0, what, " must be finite and >= 0 ms, got ", ms);
  require(std::isfinite(dt_ms) && dt_ms > 0, "dt_ms must be finite and > 0, got ", dt_ms);
  const double steps = std::round(ms / dt_ms);
  // 2^53: beyond it steps are no longer whole numbers of a double (and no run is that long).
  require(steps <= 9007199254740992.0, what, " of ", ms, " ms is ", steps, " steps at dt = ",
          dt_ms, " ms: too many");
  return static_cast<std::uint64_t>(steps);
}

}  // namespace spiketorch
