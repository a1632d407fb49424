// What the step (step/step.hpp) works on: a view of each layer and projection of a network,
// plain pointers and constants that can be copied by value into a kernel. The network builds
// them from its state (network/network.hpp, `view`), through a map that decides where the
// arrays live (core/array_map.hpp); the same view types serve every backend.
//
// Layers and projections appear here as descriptors without names: the declarations carry
// their names as class-type template arguments (fixed_string), which nvcc's generated host stub
// for a __global__ template cannot spell, and the step needs no names.
#pragma once

#include "spiketorch/config.hpp"

#include <cstddef>
#include <cstdint>
#include <tuple>
#include <type_traits>

#include "spiketorch/core/delay_ring.hpp"
#include "spiketorch/core/device_tuple.hpp"
#include "spiketorch/learning/trace_state.hpp"
#include "spiketorch/step/recorder_views.hpp"
#include "spiketorch/synapses/concepts.hpp"
#include "spiketorch/topology/delays.hpp"

namespace spiketorch {

/// The spikes of one layer in one step, in increasing index order. `offset` is subtracted from
/// each stored index: a subgroup's spikes are a slice of its parent's list, numbered from the
/// subgroup's first neuron (0 for every other layer).
struct spike_list {
  const index_t* data;
  std::uint32_t size;
  index_t offset = 0;
  struct iterator {
    const index_t* p;
    index_t offset;
    SPIKETORCH_HD index_t operator*() const { return *p - offset; }
    SPIKETORCH_HD iterator& operator++() {
      ++p;
      return *this;
    }
    SPIKETORCH_HD bool operator!=(const iterator& o) const { return p != o.p; }
  };
  SPIKETORCH_HD iterator begin() const { return {data, offset}; }
  SPIKETORCH_HD iterator end() const { return {data + size, offset}; }
  SPIKETORCH_HD index_t operator[](std::size_t s) const { return data[s] - offset; }
  /// The spikes of neurons [lo, hi) of this list, numbered from lo (two binary searches).
  SPIKETORCH_HD spike_list between(std::size_t lo, std::size_t hi) const {
    const std::uint32_t a = first_at_least(0, lo), b = first_at_least(a, hi);
    return {data + a, b - a, static_cast<index_t>(offset + lo)};
  }

 private:
  SPIKETORCH_HD std::uint32_t first_at_least(std::uint32_t from, std::size_t x) const {
    std::uint32_t l = from, h = size;
    while (l < h) {
      const std::uint32_t mid = l + (h - l) / 2;
      if (std::size_t(data[mid] - offset) < x)
        l = mid + 1;
      else
        h = mid;
    }
    return l;
  }
};

/// An input layer: this presentation's spike schedule (a CSR over steps built by the encoder),
/// and its spike counts.
struct input_view {
  static constexpr bool is_input = true;
  static constexpr bool is_subgroup = false;
  const std::uint32_t* offsets;  // [n_steps + 1]
  const index_t* events;
  std::size_t size;
  std::uint32_t* counts;  // spikes per neuron
  std::uint64_t* total;   // all spikes
  spike_recorder_view raster;
  event_recorder_view event_rec;
  SPIKETORCH_HD spike_list emitted(std::uint64_t t) const {
    const std::uint32_t a = offsets[t];
    return {events + a, offsets[t + 1] - a};
  }
};

/// A population: SoA state ([field][neuron]), derived constants, the spikes of the current step
/// and its recorders.
template <class Neuron, class Synapse>
struct population_view {
  static constexpr bool is_input = false;
  static constexpr bool is_subgroup = false;
  using neuron_type = Neuron;
  using synapse_type = Synapse;
  real* neuron_state;   // Neuron::n_fields x size
  real* synapse_state;  // Synapse::n_fields x size
  std::size_t size;
  typename Neuron::derived nd;
  typename Synapse::derived sd;
  const typename Neuron::derived* nd_each;  // [size] per-neuron constants; nullptr: all use nd
  std::uint8_t* fired;       // [size], scratch of the update
  index_t* spikes;           // spikes of the current step, ascending; [size]
  std::uint32_t* n_spikes;   // their number
  std::uint32_t* counts;
  std::uint64_t* total;
  spike_recorder_view raster;
  state_recorder_view rec;
  event_recorder_view event_rec;
  SPIKETORCH_HD spike_list emitted(std::uint64_t) const { return {spikes, *n_spikes}; }
  /// Field f of the neuron model, then of the synapse kernel (state recorder numbering).
  SPIKETORCH_HD real* field(std::size_t f) const {
    return f < Neuron::n_fields ? neuron_state + f * size
                                : synapse_state + (f - Neuron::n_fields) * size;
  }
  /// Field f of the synapse kernel (a receptor channel), where projections deliver.
  SPIKETORCH_HD real* channel(std::size_t f) const { return synapse_state + f * size; }
};

/// A subgroup: neurons [offset, offset + size) of a population, seen as a layer of its own by
/// the projections that start or end there. It has no state or work of its own: the pointers are
/// its parent's (copied from the parent's view, so every backend's mapping of them holds).
struct subgroup_view {
  static constexpr bool is_input = false;
  static constexpr bool is_subgroup = true;
  const index_t* parent_spikes;          // the parent's spikes of the current step, ascending
  const std::uint32_t* parent_n_spikes;  // their number
  real* parent_synapse_state;            // Synapse::n_fields x parent_size
  std::size_t parent_size;
  std::size_t offset;
  std::size_t size;
  /// The parent's spikes in [offset, offset + size), renumbered from 0 (two binary searches).
  SPIKETORCH_HD spike_list emitted(std::uint64_t) const {
    const std::uint32_t n = *parent_n_spikes;
    const std::uint32_t a = lower_bound(0, n, static_cast<index_t>(offset));
    const std::uint32_t b = lower_bound(a, n, static_cast<index_t>(offset + size));
    return {parent_spikes + a, b - a, static_cast<index_t>(offset)};
  }
  SPIKETORCH_HD real* channel(std::size_t f) const {
    return parent_synapse_state + f * parent_size + offset;
  }

 private:
  /// The first position in [lo, hi) of the spike list whose index is >= x (hi if none).
  SPIKETORCH_HD std::uint32_t lower_bound(std::uint32_t lo, std::uint32_t hi, index_t x) const {
    while (lo < hi) {
      const std::uint32_t mid = lo + (hi - lo) / 2;
      if (parent_spikes[mid] < x)
        lo = mid + 1;
      else
        hi = mid;
    }
    return lo;
  }
};

struct no_rule_view {};
template <class Rule>
using rule_view_t =
    std::conditional_t<Rule::is_plastic, learning::trace_view<Rule>, no_rule_view>;

/// A projection: its topology's view (weights, structure), delays and ring, learning state.
/// The topology holds the synapses into targets first_target.. of the target layer (all of
/// them but over MPI ranks: topology::column_range), numbered from there.
template <class Topology, class Rule, class Delays>
struct projection_view {
  std::size_t first_target;
  typename Topology::view_type topo;
  const delays::steps_t* delays;  // per synapse; nullptr without delays
  delay_ring_view ring;
  rule_view_t<Rule> rule;
};

// ---- descriptors -------------------------------------------------------------------------------

/// An input layer.
struct input_desc {
  static constexpr bool is_input = true;
  static constexpr bool is_subgroup = false;
  using view_type = input_view;
};
/// A population of Neuron with Synapse kernels.
template <class Neuron, class Synapse>
struct population_desc {
  static constexpr bool is_input = false;
  static constexpr bool is_subgroup = false;
  using neuron_type = Neuron;
  using synapse_type = Synapse;
  using view_type = population_view<Neuron, Synapse>;
};
/// A subgroup of the population declared at ParentIndex (whose Neuron and Synapse it shares).
template <class Neuron, class Synapse, std::size_t ParentIndex>
struct subgroup_desc {
  static constexpr bool is_input = false;
  static constexpr bool is_subgroup = true;
  static constexpr std::size_t parent_index = ParentIndex;
  using neuron_type = Neuron;
  using synapse_type = Synapse;
  using view_type = subgroup_view;
};
/// A projection from layer PreIndex to layer PostIndex (declaration order).
template <class Topology, class Rule, class Delays, receptor Receptor, std::size_t PreIndex,
          std::size_t PostIndex>
struct projection_desc {
  using topology_type = Topology;
  using rule_type = Rule;
  using delay_type = Delays;
  static constexpr receptor target_receptor = Receptor;
  static constexpr std::size_t pre_index = PreIndex;
  static constexpr std::size_t post_index = PostIndex;
  using view_type = projection_view<Topology, Rule, Delays>;
};
template <class... LayerDescs>
struct layer_list {};
template <class... ProjectionDescs>
struct projection_list {};
template <class Layers, class Projections>
struct network_desc;
template <class... LD, class... PD>
struct network_desc<layer_list<LD...>, projection_list<PD...>> {
  static constexpr std::size_t n_layers = sizeof...(LD);
  static constexpr std::size_t n_projections = sizeof...(PD);
  template <std::size_t I>
  using layer_t = std::tuple_element_t<I, std::tuple<LD...>>;
  template <std::size_t I>
  using projection_t = std::tuple_element_t<I, std::tuple<PD...>>;
  /// Whether some projection adds into a subgroup: a share of its targets is then not the
  /// same neurons as that share of its parent's (step/step.hpp, owner_computes).
  static constexpr bool has_plastic_projection = (PD::rule_type::is_plastic || ... || false);
  static constexpr bool projects_into_subgroup =
      (std::tuple_element_t<PD::post_index, std::tuple<LD...>>::is_subgroup || ... || false);
};

/// The whole network for one run: a view per layer and per projection.
template <class Desc>
struct network_view;
template <class... LD, class... PD>
struct network_view<network_desc<layer_list<LD...>, projection_list<PD...>>> {
  using desc = network_desc<layer_list<LD...>, projection_list<PD...>>;
  device_tuple<typename LD::view_type...> layers;
  device_tuple<typename PD::view_type...> projections;
  std::uint64_t step0;  // the network's step counter at step 0 of the run
  bool learning;        // plasticity and adaptive thresholds on
};

}  // namespace spiketorch
