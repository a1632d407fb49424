// The LearningRule concept.
//
// A rule is a plain struct with `is_plastic`; a plastic rule also has `params` (validated),
// `derived` (decay factors for dt), a `state` holding its traces, and
//   `apply(state&, const derived&, Topology&, pre_spikes, post_spikes)`
// called once per step after spike delivery, with the indices of the neurons that spiked in this
// step on both sides. The order inside apply is fixed for every rule (network/schedule.hpp):
//   1. all traces decay by one step;
//   2. presynaptic spikes: set (or increment) the presynaptic trace, then depress the synapses
//      of each spiking source using the postsynaptic traces (which do not yet include this
//      step's postsynaptic spikes);
//   3. postsynaptic spikes: potentiate the synapses onto each spiking target using the
//      presynaptic traces (which include this step's presynaptic spikes), then set the
//      postsynaptic traces;
//   4. weights are clipped to [w_min, w_max] where they change.
// Rules are written once against the Topology visits, so every topology supports every rule.
// `learning::none` has is_plastic = false and the learning pass is compiled away.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <span>
#include <vector>

#include "spiketorch/config.hpp"
#include "spiketorch/core/errors.hpp"
#include "spiketorch/topology/concepts.hpp"

namespace spiketorch::learning {

template <class R>
concept LearningRule = requires {
  { R::is_plastic } -> std::convertible_to<bool>;
  typename R::params;
};

template <class R>
concept PlasticRule = LearningRule<R> && R::is_plastic && requires(const typename R::params& p) {
  typename R::derived;
  typename R::state;
  { R::derive(p, 0.5) } -> std::same_as<typename R::derived>;
  { R::make_state(std::size_t{}, std::size_t{}) } -> std::same_as<typename R::state>;
  p.validate();
};

/// How a trace reacts to a spike: jump to 1 (the original Diehl & Cook code and BindsNET) or add 1.
enum class trace_mode { set_to_one, additive };

namespace detail {
inline void decay_all(std::vector<real>& trace, real factor) {
  real* __restrict x = trace.data();
  const std::size_t n = trace.size();
  for (std::size_t i = 0; i < n; ++i) x[i] *= factor;
}
inline void bump(real& x, trace_mode mode) { x = mode == trace_mode::set_to_one ? real(1) : x + real(1); }
inline real decay_factor(double tau_ms, double dt_ms, const char* what) {
  require_positive(tau_ms, what);
  require_positive(dt_ms, "dt_ms");
  return static_cast<real>(std::exp(-dt_ms / tau_ms));
}
inline void validate_bounds(double w_min, double w_max, const char* rule) {
  require(std::isfinite(w_min) && std::isfinite(w_max) && w_min <= w_max, rule,
          ": weight bounds must be finite with w_min <= w_max, got [", w_min, ", ", w_max, "]");
}
}  // namespace detail

/// No plasticity: weights stay as set. The network skips the learning pass entirely.
struct none {
  static constexpr bool is_plastic = false;
  struct params {
    void validate() const {}
  };
};

}  // namespace spiketorch::learning
