// The LearningRule concept.
//
// A rule is a plain struct with `is_plastic`. A plastic rule is written per synapse (see
// PlasticRule below): the traces it keeps per neuron, how a spike updates them, and the new
// weight of one synapse on a presynaptic or a postsynaptic spike. The learn stage of the step
// (step/stages.hpp, the same code on every backend, over learning/trace_state.hpp's state) runs
// those functions once per step after spike delivery, in a fixed order (step/step.hpp):
//   1. all traces decay by one step;
//   2. presynaptic spikes: update the presynaptic trace, then depress the synapses of each
//      spiking source using the postsynaptic traces (which do not yet include this step's
//      postsynaptic spikes);
//   3. postsynaptic spikes: potentiate the synapses onto each spiking target using the
//      presynaptic traces (which include this step's presynaptic spikes) and the postsynaptic
//      traces as they were before this spike, then update the postsynaptic traces;
//   4. weights are clipped to [w_min, w_max] where they change.
// Rules are written once against the Topology visits, so every topology supports every rule.
// `learning::none` has is_plastic = false and the learning pass is compiled away.
#pragma once

#include "spiketorch/config.hpp"

#include <algorithm>
#include <cmath>
#include <concepts>
#include <span>
#include <vector>

#include "spiketorch/core/errors.hpp"
#include "spiketorch/core/soa.hpp"
#include "spiketorch/topology/concepts.hpp"

namespace spiketorch::learning {

template <class R>
concept LearningRule = requires {
  { R::is_plastic } -> std::convertible_to<bool>;
  typename R::params;
};

/// How a trace reacts to a spike: jump to 1 (the original Diehl & Cook code and BindsNET) or add 1.
enum class trace_mode { set_to_one, additive };

namespace detail {
inline void decay_all(std::span<real> trace, real factor) {
  real* __restrict x = trace.data();
  const std::size_t n = trace.size();
  for (std::size_t i = 0; i < n; ++i) x[i] *= factor;
}
SPIKETORCH_HD inline real bump(real x, trace_mode mode) {
  return mode == trace_mode::set_to_one ? real(1) : x + real(1);
}
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

/// A plastic rule is written per synapse and per trace, as host-and-device functions, so the CPU
/// and GPU backends run the same code:
///   n_pre_traces / n_post_traces       traces kept per source / target neuron (SoA, `element`);
///   derived.pre_decay[k], post_decay[k] per-step decay factor of each trace;
///   pre_spike(element pre_i, derived)   trace update of a spiking source;
///   post_spike(element post_j, derived) trace update of a spiking target;
///   depress(w, derived, element post_j) new weight of a synapse whose source spiked;
///   potentiate(w, derived, element pre_i, element post_j)  new weight of a synapse whose target
///                                       spiked (post traces not yet updated for this spike).
template <class R>
concept PlasticRule = LearningRule<R> && R::is_plastic &&
                      requires(const typename R::params& p, const typename R::derived& d, element e,
                               real w) {
  { R::n_pre_traces } -> std::convertible_to<std::size_t>;
  { R::n_post_traces } -> std::convertible_to<std::size_t>;
  { R::derive(p, 0.5) } -> std::same_as<typename R::derived>;
  { R::pre_spike(e, d) };
  { R::post_spike(e, d) };
  { R::depress(w, d, e) } -> std::convertible_to<real>;
  { R::potentiate(w, d, e, e) } -> std::convertible_to<real>;
  { d.pre_decay[0] } -> std::convertible_to<real>;
  { d.post_decay[0] } -> std::convertible_to<real>;
  p.validate();
};

/// No plasticity: weights stay as set. The network skips the learning pass entirely.
struct none {
  static constexpr bool is_plastic = false;
  struct params {
    void validate() const {}
  };
};

}  // namespace spiketorch::learning
