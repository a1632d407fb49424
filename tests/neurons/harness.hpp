// Test harness for neuron models: one population driven through the step's update stage on the
// CPU (step/stages.hpp: drive, integrate, decay, threshold, reset, periodic work) by a test-only
// synapse kernel whose drive is a constant the test sets (it never decays).
#pragma once

#include <spiketorch/backend/cpu/execution.hpp>
#include <spiketorch/core/array_map.hpp>
#include <spiketorch/step/stages.hpp>
#include <spiketorch/network/layer.hpp>
#include <spiketorch/synapses/concepts.hpp>

#include <cstdint>
#include <vector>

namespace spiketorch::testing {

/// Constant drive (mV of R·I) plus a one-step jump, per neuron; `drive` is held, `jump` is
/// consumed by the step that reads it.
struct constant_drive {
  enum field : std::size_t { drive_mv, jump_mv, n_fields };
  static constexpr std::array<std::string_view, n_fields> field_names{"drive_mv", "jump_mv"};
  static constexpr std::size_t channel_field(receptor) { return drive_mv; }
  struct params {
    void validate() const {}
  };
  struct derived {};
  static derived derive(const params&, double) { return {}; }
  static synaptic_drive drive(element s, const derived&, real) { return {s[drive_mv], 0, s[jump_mv]}; }
  static void decay(element s, const derived&) { s[jump_mv] = 0; }
};
static_assert(synapses::SynapseKernel<constant_drive>);

template <class Neuron, class Synapse = constant_drive>
struct single_population {
  using decl = population<"P", Neuron, Synapse>;
  layer_state<decl> pop;
  std::uint64_t step_index = 0;
  bool learning = true;

  single_population(std::size_t n, const typename Neuron::params& np, double dt_ms,
                    const typename Synapse::params& sp = {}) {
    pop.init(n);
    pop.neuron_params = np;
    pop.synapse_params = sp;
    pop.derive(dt_ms);
    pop.reset_state();
  }
  real& v(std::size_t i = 0) { return pop.neuron_state.field(Neuron::v)[i]; }
  real& field(std::size_t f, std::size_t i = 0) { return pop.neuron_state.field(f)[i]; }
  real& syn(std::size_t f, std::size_t i = 0) { return pop.synapse_state.field(f)[i]; }
  void set_drive(real mv, std::size_t i = 0) { syn(constant_drive::drive_mv, i) = mv; }

  /// One update stage on the CPU; returns whether neuron `i` spiked.
  bool step(std::size_t i = 0) {
    stages::update_population(backend::cpu_execution{}, pop.view(host_map{}),
                              step_context{step_index++, learning});
    return pop.fired[i] != 0;
  }
  /// Steps (0-based, counted from the first call of this function's owner) at which neuron 0 spiked.
  std::vector<std::uint64_t> run_spike_steps(std::uint64_t n_steps) {
    std::vector<std::uint64_t> out;
    for (std::uint64_t t = 0; t < n_steps; ++t) {
      const std::uint64_t s = step_index;
      if (step()) out.push_back(s);
    }
    return out;
  }
};

}  // namespace spiketorch::testing
