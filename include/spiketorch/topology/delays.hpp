// Per-synapse axonal delays, in whole steps (0..255), as a policy of a projection.
//
// A spike emitted in step t through a synapse of delay d steps is added to the target's synaptic
// state at the end of step t + d, so it first acts on the membrane in step t + d + 1 (a delay of
// 0 behaves like a connection without delays). Delays are stored in the synapse order of the
// topology, and spikes in flight wait in a ring buffer (core/delay_ring.hpp).
#pragma once

#include "spiketorch/config.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "spiketorch/core/errors.hpp"
#include "spiketorch/core/random.hpp"
#include "spiketorch/core/time.hpp"

namespace spiketorch::delays {

using steps_t = std::uint8_t;
inline constexpr unsigned max_steps = 255;

namespace detail {
/// Local synapse k is synapse k of the whole projection (a process that stores all of them).
struct same_index {
  std::uint64_t operator()(std::size_t k) const { return k; }
};

inline steps_t to_steps(double ms, double dt_ms, const char* what) {
  const std::uint64_t steps = steps_of(ms, dt_ms, what);
  require(steps <= max_steps, what, ": ", ms, " ms is ", steps, " steps at dt = ", dt_ms,
          " ms; at most ", max_steps, " steps are supported");
  return static_cast<steps_t>(steps);
}
}  // namespace detail

/// No delays: spikes are delivered at the end of the step that emitted them.
struct none {
  static constexpr bool has_delays = false;
  struct params {};
};

/// One delay for every synapse of the projection.
struct fixed {
  static constexpr bool has_delays = true;
  struct params {
    double delay_ms = 1.0;
  };
  template <class Global = detail::same_index>
  static std::vector<steps_t> draw(std::size_t n_synapses, const params& p, double dt_ms,
                                   random_stream, Global = {}) {
    return std::vector<steps_t>(n_synapses, detail::to_steps(p.delay_ms, dt_ms, "fixed delay"));
  }
};

/// Delays drawn independently per synapse, uniform in [min_ms, max_ms] and rounded to whole
/// steps (each of the steps in range equally likely, the ends included). Diehl & Cook use 0-10 ms.
struct uniform {
  static constexpr bool has_delays = true;
  struct params {
    double min_ms = 0.0;
    double max_ms = 10.0;
  };
  /// `global(k)`: the index in the whole projection of stored synapse k, whose draw it takes
  /// (distributed/: a rank stores some synapses only, with the delays one process gives them).
  template <class Global = detail::same_index>
  static std::vector<steps_t> draw(std::size_t n_synapses, const params& p, double dt_ms,
                                   random_stream stream, Global global = {}) {
    const steps_t lo = detail::to_steps(p.min_ms, dt_ms, "uniform delay min_ms");
    const steps_t hi = detail::to_steps(p.max_ms, dt_ms, "uniform delay max_ms");
    require(lo <= hi, "uniform delay: min_ms (", p.min_ms, ") must not exceed max_ms (", p.max_ms,
            ")");
    std::vector<steps_t> out(n_synapses);
    indexed_uniforms u(stream, 2, 0);
    const unsigned span = unsigned(hi) - lo + 1;
    for (std::size_t k = 0; k < n_synapses; ++k) {
      const unsigned x = static_cast<unsigned>(u.at(global(k)) * span);
      out[k] = static_cast<steps_t>(lo + (x < span ? x : span - 1));
    }
    return out;
  }
};

/// Delays drawn independently per synapse from a normal distribution of mean `mean_ms` and
/// standard deviation `sd_ms`, clipped at 0 and rounded to whole steps. A draw beyond the
/// longest delay (255 steps) is an error rather than a silent clip: it means the mean or sd is
/// far from what the ring holds.
struct normal {
  static constexpr bool has_delays = true;
  struct params {
    double mean_ms = 1.0;
    double sd_ms = 0.0;
  };
  template <class Global = detail::same_index>
  static std::vector<steps_t> draw(std::size_t n_synapses, const params& p, double dt_ms,
                                   random_stream stream, Global global = {}) {
    require(std::isfinite(p.mean_ms) && p.mean_ms >= 0,
            "normal delay: mean_ms must be finite and >= 0, got ", p.mean_ms);
    require(std::isfinite(p.sd_ms) && p.sd_ms >= 0,
            "normal delay: sd_ms must be finite and >= 0, got ", p.sd_ms);
    std::vector<steps_t> out(n_synapses);
    indexed_uniforms u(stream, 2, 1);
    for (std::size_t k = 0; k < n_synapses; ++k) {
      const std::uint64_t g = global(k);
      const double u1 = 1.0 - double(u.at(2 * g)), u2 = u.at(2 * g + 1);  // Box-Muller; u1 in (0, 1]
      const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
      out[k] = detail::to_steps(std::max(0.0, p.mean_ms + p.sd_ms * z), dt_ms, "normal delay");
    }
    return out;
  }
};

}  // namespace spiketorch::delays
