// The SynapseKernel concept: the postsynaptic shape of a population's input.
//
// A kernel keeps per-neuron state in SoA fields (like a neuron model) with two receptor
// channels, excitatory and inhibitory. A projection names the channel it feeds; delivering a
// spike adds the weight to that channel's field (negative weights only where the kernel says
// `signed_weights = true`: current-based kernels, where they act as inhibition). Each step the
// population asks the kernel for the drive it exerts on the membrane given V, then lets the
// kernel decay:
//   `synaptic_drive drive(element, const derived&, real v)`, `void decay(element, const derived&)`.
#pragma once

#include "spiketorch/config.hpp"

#include <array>
#include <concepts>
#include <cstddef>
#include <string_view>

#include "spiketorch/core/soa.hpp"
#include "spiketorch/neurons/concepts.hpp"

namespace spiketorch {

/// Which channel of the target's synapse kernel a projection feeds.
enum class receptor : std::size_t { excitatory = 0, inhibitory = 1 };

namespace synapses {

template <class K>
concept SynapseKernel = requires(element e, const typename K::params& p,
                                 const typename K::derived& d, real v) {
  { K::n_fields } -> std::convertible_to<std::size_t>;
  { K::field_names } -> std::convertible_to<std::array<std::string_view, K::n_fields>>;
  { K::channel_field(receptor::excitatory) } -> std::convertible_to<std::size_t>;
  { K::derive(p, 0.5) } -> std::same_as<typename K::derived>;
  { K::drive(e, d, v) } -> std::same_as<synaptic_drive>;
  { K::decay(e, d) };
  { p.validate() };
};

/// The derived constants of kernel K feeding neuron model N: kernels whose integration depends
/// on the membrane (exp_current's exact scheme) take it as a third argument.
template <class K, class N>
typename K::derived derive_for(const typename K::params& sp, const typename N::params& np,
                               double dt_ms) {
  if constexpr (requires { K::derive(sp, dt_ms, neurons::membrane_of<N>(np)); })
    return K::derive(sp, dt_ms, neurons::membrane_of<N>(np));
  else
    return K::derive(sp, dt_ms);
}

/// Whether a kernel takes negative weights: current-based kernels add currents linearly, so a
/// negative weight is inhibition (`static constexpr bool signed_weights = true`); conductances
/// cannot be negative. Kernels that do not say are taken to refuse them.
template <class K>
inline constexpr bool takes_signed_weights = [] {
  if constexpr (requires { K::signed_weights; })
    return bool(K::signed_weights);
  else
    return false;
}();

}  // namespace synapses
}  // namespace spiketorch
