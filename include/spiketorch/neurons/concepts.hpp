// The NeuronModel concept and the per-step inputs every model receives.
//
// A model is a plain struct with
//   - `enum field : std::size_t { ..., n_fields }` naming its per-neuron state variables, and
//     `field_names` (same order) so state can be looked up by name and exported;
//   - `params` (user-set, units in the names), with `validate()` throwing on nonsense;
//   - `derived` (computed once from params and dt: decay factors, step counts) via
//     `static derived derive(const params&, double dt_ms)`;
//   - `static void init(element, const params&)`: the state at t = 0;
//   - per-element, host-and-device functions called once per neuron per step:
//       `integrate(element, const derived&, synaptic_drive, step_context)`,
//       `bool spiked(element, const derived&)`, `reset(element, const derived&, step_context)`;
//   - optionally, slow periodic work kept out of the per-step loop so that loop stays
//     branch-free: `bool periodic_due(const derived&, step_context)` (same for all neurons) and
//     `periodic(element, const derived&)`, run over all neurons before integration when due.
// The backend owns the arrays and the loop; the model never allocates or branches on the backend.
#pragma once

#include "spiketorch/config.hpp"

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "spiketorch/core/soa.hpp"
#include "spiketorch/core/time.hpp"

namespace spiketorch {

/// What the synapses feed into a neuron in one step. The synaptic current (times the membrane
/// resistance, in mV) is `drive - conductance · V`: current-based kernels set only `drive`;
/// conductance-based ones set drive = sum g_k E_k and conductance = sum g_k (in units of the leak
/// conductance), which lets a neuron keep V between the reversal potentials for any g.
struct synaptic_drive {
  real drive = 0;        ///< V-independent part, mV
  real conductance = 0;  ///< total synaptic conductance / leak conductance
  real jump = 0;         ///< instantaneous jump of V in mV (delta synapses)
};

/// Facts about the current step shared by all neurons.
struct step_context {
  std::uint64_t step = 0;  ///< steps since the network was built
  bool learning = true;    ///< plasticity (and adaptive thresholds) on or frozen
};

namespace neurons {

template <class M>
concept NeuronModel = requires(element e, const typename M::params& p,
                               const typename M::derived& d, synaptic_drive in, step_context c) {
  { M::n_fields } -> std::convertible_to<std::size_t>;
  { M::field_names } -> std::convertible_to<std::array<std::string_view, M::n_fields>>;
  { M::derive(p, 0.5) } -> std::same_as<typename M::derived>;
  { M::init(e, p) };
  { M::integrate(e, d, in, c) };
  { M::spiked(e, d) } -> std::same_as<bool>;
  { M::reset(e, d, c) };
  { p.validate() };
};

/// Index of a named state field, or n_fields if the model has none of that name.
template <NeuronModel M>
constexpr std::size_t field_index(std::string_view name) {
  for (std::size_t f = 0; f < M::n_fields; ++f)
    if (M::field_names[f] == name) return f;
  return M::n_fields;
}

/// What a synapse kernel may need to know of the membrane it drives (synapses/exp_current.hpp's
/// exact scheme): a model whose update over a step, for current-based input, is
///   V <- V_rest + (V - V_rest)·exp(-dt/tau_m) + (1 - exp(-dt/tau_m))·drive + jump
/// (lif, adaptive_lif) reports its tau_m through `static membrane_info membrane(const params&)`;
/// 0 means no such membrane.
struct membrane_info {
  double tau_m_ms = 0;
};

/// The membrane of model M with parameters p (tau_m_ms = 0 if M does not report one).
template <class M>
membrane_info membrane_of(const typename M::params& p) {
  if constexpr (requires { M::membrane(p); })
    return M::membrane(p);
  else
    return {};
}

template <class M>
concept HasPeriodicUpdate = requires(element e, const typename M::derived& d, step_context c) {
  { M::periodic_due(d, c) } -> std::same_as<bool>;
  { M::periodic(e, d) };
};

namespace detail {
/// Refractory periods are held as whole steps (core/time.hpp).
inline real refractory_steps(double refractory_ms, double dt_ms) {
  return static_cast<real>(steps_of(refractory_ms, dt_ms, "refractory period"));
}
}  // namespace detail

}  // namespace neurons
}  // namespace spiketorch
