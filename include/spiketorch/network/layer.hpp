// Layer declarations (part of the network type) and their run-time state.
//
//   input<"X", encoding::poisson>                                  spike source driven by an encoder
//   population<"Ae", neurons::adaptive_lif, synapses::exp_conductance>   neurons with a synapse kernel
//   subgroup<"Pe", "P">             a view of neurons of population "P" (Brian's P[:3200])
//
// Subgroups: a subgroup is listed after its parent population; the subgroups of one parent take
// consecutive ranges in declaration order, each of the size given for it among the network's
// layer sizes (together at most the parent's size). A projection from a subgroup sees the
// parent's spikes in its range, renumbered from 0; one into a subgroup adds to the parent's
// receptor channel from the subgroup's first neuron on. A subgroup has no state or work of its
// own in the step: the parent updates, counts and records its neurons.
//
// A population's neurons share one set of parameters unless set_neuron_params gave each its own
// (then each neuron's derived constants are kept, and the update uses them); its state starts
// from the parameters, then from the initial values set per neuron (network/initial_values.hpp).
#pragma once

#include "spiketorch/config.hpp"

#include <cstdint>
#include <span>
#include <vector>

#include "spiketorch/core/array_map.hpp"
#include "spiketorch/core/fixed_string.hpp"
#include "spiketorch/core/soa.hpp"
#include "spiketorch/encoding/concepts.hpp"
#include "spiketorch/network/initial_values.hpp"
#include "spiketorch/network/monitors.hpp"
#include "spiketorch/neurons/concepts.hpp"
#include "spiketorch/synapses/concepts.hpp"
#include "spiketorch/step/views.hpp"
#include "spiketorch/synapses/delta_current.hpp"

namespace spiketorch {

template <fixed_string Name, encoding::Encoder Enc>
struct input {
  static constexpr auto name = Name;
  static constexpr bool is_input = true;
  static constexpr bool is_subgroup = false;
  using encoder_type = Enc;
};

template <fixed_string Name, neurons::NeuronModel Neuron,
          synapses::SynapseKernel Synapse = synapses::delta_current>
struct population {
  static constexpr auto name = Name;
  static constexpr bool is_input = false;
  static constexpr bool is_subgroup = false;
  using neuron_type = Neuron;
  using synapse_type = Synapse;
};

/// Neurons of population `Parent` seen as a layer of their own (see the top of this file).
template <fixed_string Name, fixed_string Parent>
struct subgroup {
  static constexpr auto name = Name;
  static constexpr auto parent = Parent;
  static constexpr bool is_input = false;
  static constexpr bool is_subgroup = true;
};

template <class... L>
struct layers {};

/// Spike bookkeeping shared by both kinds of layer.
struct layer_spikes {
  std::vector<std::uint32_t> counts;    // spikes per neuron since reset_counts()
  std::uint64_t total = 0;              // all spikes since reset_counts()
  spike_recorder recorder;
  event_recorder events;

  void resize(std::size_t n) { counts.assign(n, 0); }
  void reset_counts() {
    std::fill(counts.begin(), counts.end(), 0u);
    total = 0;
  }
};

// Selected by constraints on the declaration rather than by deducing the fixed_string name in a
// partial specialisation (layer_state<input<Name, Enc>>): nvcc's front end (CUDA 13.0) cannot
// deduce class-type template parameters there and would leave the type incomplete.
template <class L>
struct layer_state;

template <class L>
  requires(L::is_input)
struct layer_state<L> {
  using Enc = typename L::encoder_type;
  using encoder_type = Enc;
  std::size_t size = 0;
  Enc encoder;
  std::vector<float> values;  // encoder input of the current presentation
  layer_spikes spikes;
  std::span<const index_t> step_spikes;

  void init(std::size_t n) {
    size = n;
    values.assign(n, 0.0f);
    spikes.resize(n);
  }
  std::span<const index_t> emitted() const { return step_spikes; }
  void reset_state() { step_spikes = {}; }

  /// The view of the presentation begun last (encoder.begin); without the recorder unless
  /// `recorders`.
  template <class Map>
  input_view view(Map&& m, bool recorders = true) {
    const auto& schedule = encoder.schedule();
    return {m.input(schedule.offsets()),
            m.input(schedule.events()),
            size,
            m.state(spikes.counts),
            m.state(spikes.total),
            recorders ? spikes.recorder.view(m) : spike_recorder_view{},
            recorders ? spikes.events.view(m) : event_recorder_view{}};
  }
  /// After a run of n steps through view().
  void ran(std::uint64_t n_steps) {
    spikes.recorder.ran(n_steps);
    if (n_steps > 0) step_spikes = encoder.spikes_at(n_steps - 1);
  }
};

template <class L>
  requires(!L::is_input && !L::is_subgroup)
struct layer_state<L> {
  using Neuron = typename L::neuron_type;
  using Synapse = typename L::synapse_type;
  using neuron_type = Neuron;
  using synapse_type = Synapse;
  std::size_t size = 0;
  typename Neuron::params neuron_params{};
  typename Neuron::derived neuron_derived{};
  typename Synapse::params synapse_params{};
  typename Synapse::derived synapse_derived{};
  // Per-neuron parameters (set_neuron_params): one per neuron, or empty when all share the above.
  std::vector<typename Neuron::params> neuron_params_each;
  std::vector<typename Neuron::derived> neuron_derived_each;
  std::vector<state_initializer> initial;  // applied in order after every re-initialisation
  soa_block neuron_state, synapse_state;
  aligned_vector<std::uint8_t> fired;  // scratch of the update stage
  std::vector<index_t> current;      // neurons that spiked in the last step: [0, n_current)
  std::uint32_t n_current = 0;
  layer_spikes spikes;
  state_recorder state_rec;

  void init(std::size_t n) {
    size = n;
    neuron_state = soa_block(Neuron::n_fields, n);
    synapse_state = soa_block(Synapse::n_fields, n);
    fired.assign(n, 0);
    current.assign(n, 0);
    spikes.resize(n);
  }
  void derive(double dt_ms) {
    neuron_derived = Neuron::derive(neuron_params, dt_ms);
    synapse_derived = synapses::derive_for<Synapse, Neuron>(synapse_params, neuron_params, dt_ms);
  }
  std::span<const index_t> emitted() const { return {current.data(), n_current}; }
  const typename Neuron::params& params_of(std::size_t i) const {
    return neuron_params_each.empty() ? neuron_params : neuron_params_each[i];
  }
  /// The neuron state from each neuron's parameters, then the initial values of neuron fields.
  void init_neurons() {
    for (std::size_t i = 0; i < size; ++i) Neuron::init(neuron_state.at(i), params_of(i));
    apply_initial(false);
  }
  void reset_state() {
    for (std::size_t i = 0; i < size; ++i) Neuron::init(neuron_state.at(i), params_of(i));
    std::fill_n(synapse_state.data(), Synapse::n_fields * size, real(0));
    n_current = 0;
    apply_initial(true);
  }
  /// Applies the initial values (of neuron fields, and of synapse fields if `synapse_fields`).
  void apply_initial(bool synapse_fields) {
    for (const state_initializer& x : initial) {
      if (x.synapse_field && !synapse_fields) continue;
      x.apply(x.synapse_field ? synapse_state.field(x.field) : neuron_state.field(x.field));
    }
  }

  template <class Map>
  population_view<Neuron, Synapse> view(Map&& m, bool recorders = true) {
    const typename Neuron::derived* each = m.constant(neuron_derived_each);
    return {m.state(neuron_state.storage()),
            m.state(synapse_state.storage()),
            size,
            neuron_derived,
            synapse_derived,
            neuron_derived_each.empty() ? nullptr : each,
            m.state(fired),
            m.state(current),
            m.state(n_current),
            m.state(spikes.counts),
            m.state(spikes.total),
            recorders ? spikes.recorder.view(m) : spike_recorder_view{},
            recorders ? state_rec.view(m) : state_recorder_view{},
            recorders ? spikes.events.view(m) : event_recorder_view{}};
  }
  /// After a run of n steps through view().
  void ran(std::uint64_t n_steps) {
    spikes.recorder.ran(n_steps);
    state_rec.ran(n_steps);
  }
};

/// A subgroup: its place in the parent (set by the network) and nothing else.
template <class L>
  requires(L::is_subgroup)
struct layer_state<L> {
  std::size_t size = 0;
  std::size_t offset = 0;  // its first neuron in the parent
  mutable std::vector<index_t> last;  // scratch of network::last_spikes (a const read-out)

  void init(std::size_t n) { size = n; }
  void reset_state() {}
  void ran(std::uint64_t) {}
  /// Its view, from the parent's (already mapped by the backend: the same arrays, not copies).
  template <class ParentView>
  subgroup_view view_of(const ParentView& parent) const {
    return {parent.spikes, parent.n_spikes, parent.synapse_state, parent.size, offset, size};
  }
};

}  // namespace spiketorch
