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
//
// Each topology also hands out a view (`view(map)`, core/array_map.hpp): its weights and
// structure as plain pointers, with the same visits as host-and-device functions plus indexed
// access to the sources of a target (`n_sources(j)`, `source(j, q)`), which lets a device split
// one target's synapses over threads. The step (network/step.hpp) works on views only; the
// host class's own visits are its view's, so each visit is written once.
#pragma once

#include "spiketorch/config.hpp"

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "spiketorch/core/errors.hpp"
#include "spiketorch/core/random.hpp"

namespace spiketorch::topology {

/// `find` result for a pair that is not connected.
inline constexpr std::size_t no_synapse = static_cast<std::size_t>(-1);

/// Targets [first, first + count) of a projection: the share of them one process stores when
/// ranks step a network together (distributed/). A topology built for a share holds the synapses
/// into those targets only, numbered from there (its target j is target first + j of the whole
/// projection), and names the index each stored synapse has in the whole projection
/// (`global_synapse(i, k)`), whose random draws (weights, delays) it takes. A source's stored
/// synapses have consecutive indices both in the share and in the whole projection.
struct column_range {
  std::size_t first = 0;
  std::size_t count = 0;
};

/// A synapse seen from its target: source neuron and synapse index.
struct synapse_ref {
  index_t pre;
  std::size_t k;
};

namespace detail {
struct visit_target {
  void operator()(index_t, std::size_t) const {}
};
struct visit_synapse {
  void operator()(index_t, index_t, std::size_t) const {}
};
}  // namespace detail

/// A topology also builds the synapses into a share of its targets (the constructor taking a
/// column_range) and names their indices in the whole projection, of which it has
/// whole_synapses(): MPI ranks store a projection so (network/network.hpp, set_ranks).
template <class T>
concept Topology = requires(T t, const T ct, index_t i, std::size_t k) {
  { ct.n_pre() } -> std::convertible_to<std::size_t>;
  { ct.n_post() } -> std::convertible_to<std::size_t>;
  { ct.n_synapses() } -> std::convertible_to<std::size_t>;
  { t.weights() } -> std::convertible_to<std::span<real>>;
  t.for_each_target(i, detail::visit_target{});
  t.for_each_source(i, detail::visit_target{});
  t.for_each_synapse(detail::visit_synapse{});
  { ct.find(i, i) } -> std::convertible_to<std::size_t>;
  { ct.global_synapse(i, k) } -> std::convertible_to<std::uint64_t>;
  { ct.whole_synapses() } -> std::convertible_to<std::uint64_t>;
} && std::is_constructible_v<T, std::size_t, std::size_t, const typename T::params&,
                             random_stream, column_range>;

/// Whether the weights of topology T are shared among synapses (topology/window2d.hpp): a
/// weight index k then joins many pairs.
template <class T>
inline constexpr bool shares_weights_v = requires { requires T::shares_weights; };

/// f(i, k) for every synapse onto target j of a view, in source order.
template <class View, class F>
SPIKETORCH_HD SPIKETORCH_INLINE void for_each_source(const View& v, index_t j, F&& f) {
  const std::size_t n = v.n_sources(j);
  for (std::size_t q = 0; q < n; ++q) {
    const synapse_ref s = v.source(j, q);
    f(s.pre, s.k);
  }
}

/// The host visits of a topology class, through its view (`Derived::view() const`).
template <class Derived>
struct visits_through_view {
  std::size_t find(index_t i, index_t j) const { return self().view().find(i, j); }
  template <class F>
  void for_each_target(index_t i, F&& f) const {
    self().view().for_each_target(i, f);
  }
  template <class F>
  void for_each_source(index_t j, F&& f) const {
    topology::for_each_source(self().view(), j, f);
  }
  template <class F>
  void for_each_synapse(F&& f) const {
    const auto v = self().view();
    for (std::size_t i = 0; i < v.n_pre; ++i)
      v.for_each_target(index_t(i), [&](index_t j, std::size_t k) { f(index_t(i), j, k); });
  }

 private:
  const Derived& self() const { return static_cast<const Derived&>(*this); }
};

}  // namespace spiketorch::topology
