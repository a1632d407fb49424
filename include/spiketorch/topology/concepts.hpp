// The Topology concept: which synapses exist and where their weights live.
//
// Weights are one flat float array indexed by a synapse index k. A topology answers three
// visits, each taking a callable that the compiler inlines (no std::function):
//   for_each_target(i, f)  f(j, k) for every synapse from presynaptic neuron i (spike delivery,
//                          depression on a presynaptic spike);
//   for_each_source(j, f)  f(i, k) for every synapse onto postsynaptic neuron j (potentiation
//                          on a postsynaptic spike, normalisation);
//   for_each_synapse(f)    f(i, j, k) for all synapses in storage order (initialisation);
// and `find(i, j)`, the synapse index of (i, j) or `no_synapse` (sparse learning updates).
// Learning rules and normalisation are written once against these visits. Callbacks for
// distinct synapses must be independent (they may be run as vector lanes).
#pragma once

#include <concepts>
#include <cstddef>
#include <span>

#include "spiketorch/config.hpp"
#include "spiketorch/core/errors.hpp"

namespace spiketorch::topology {

/// `find` result for a pair that is not connected.
inline constexpr std::size_t no_synapse = static_cast<std::size_t>(-1);

namespace detail {
struct visit_target {
  void operator()(index_t, std::size_t) const {}
};
struct visit_synapse {
  void operator()(index_t, index_t, std::size_t) const {}
};
}  // namespace detail

template <class T>
concept Topology = requires(T t, const T ct, index_t i) {
  { ct.n_pre() } -> std::convertible_to<std::size_t>;
  { ct.n_post() } -> std::convertible_to<std::size_t>;
  { ct.n_synapses() } -> std::convertible_to<std::size_t>;
  { t.weights() } -> std::convertible_to<std::span<real>>;
  t.for_each_target(i, detail::visit_target{});
  t.for_each_source(i, detail::visit_target{});
  t.for_each_synapse(detail::visit_synapse{});
  { ct.find(i, i) } -> std::convertible_to<std::size_t>;
};

}  // namespace spiketorch::topology
