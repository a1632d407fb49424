// The network both benchmarks share, written as Brian writes it: one group P of N leaky
// integrate-and-fire neurons whose first 4/5 (P_e) excite and last 1/5 (P_i) inhibit every
// neuron of P with probability 80 / N (2% at N = 4,000). CUBA and COBA differ in the synapse
// kernel and the parameters only (cuba.cpp, coba.cpp).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "options.hpp"
#include "spiketorch/core/random.hpp"
#include "spiketorch/distributed/collectives.hpp"
#include "spiketorch/learning/static_rule.hpp"
#include "spiketorch/network/network.hpp"
#include "spiketorch/neurons/lif.hpp"
#include "spiketorch/topology/delays.hpp"
#include "spiketorch/topology/sparse.hpp"

namespace brette2007 {

using namespace spiketorch;

template <class Synapse>
using network_of = network<
    layers<population<"P", neurons::lif, Synapse>, subgroup<"Pe", "P">, subgroup<"Pi", "P">>,
    projections<
        projection<"Pe", "P", topology::sparse, learning::none, delays::none, receptor::excitatory>,
        projection<"Pi", "P", topology::sparse, learning::none, delays::none,
                   receptor::inhibitory>>>;

/// The same population without connections: what the neuron update alone costs
/// (benchmarks/bench_brette2007.cpp).
template <class Synapse>
using unconnected_of = network<layers<population<"P", neurons::lif, Synapse>>, projections<>>;

/// Parameters and state of the population of `from` into `to`.
template <class From, class To>
void copy_population(From& from, To& to) {
  const auto& a = from.template layer<"P">();
  to.template set_params<"P">(a.neuron_params, a.synapse_params);
  auto& b = to.template layer<"P">();
  b.neuron_state = a.neuron_state;
  b.synapse_state = a.synapse_state;
}

struct network_sizes {
  std::uint64_t n_exc, n_inh;
  /// P, then P_e = P[0, n_exc) and P_i = P[n_exc, N) (subgroups take consecutive ranges).
  std::array<std::size_t, 3> layers() const { return {n_exc + n_inh, n_exc, n_inh}; }
};
inline network_sizes sizes_of(std::uint64_t n_neurons) {
  const std::uint64_t n_exc = (4 * n_neurons + 2) / 5;
  return {n_exc, n_neurons - n_exc};
}

/// P_e -> P with weight w_exc on the excitatory receptor, P_i -> P with w_inh on the inhibitory
/// one, each pair connected with probability 80 / N.
template <class Net>
void connect(Net& net, std::uint64_t n_neurons, double w_exc, double w_inh) {
  const topology::sparse::params p{.probability = inputs_per_neuron / double(n_neurons)};
  net.template connect<"Pe", "P">({.topology = p, .weights = {w_exc, w_exc}});
  net.template connect<"Pi", "P">({.topology = p, .weights = {w_inh, w_inh}});
}

/// The synapses of the network (over MPI ranks each rank stores those into its own neurons:
/// a collective, the sum over the ranks).
template <class Net>
std::uint64_t n_synapses(const Net& net) {
  return sum_over_ranks(net.ranks(), net.template stored_synapses<"Pe", "P">().n_synapses() +
                                         net.template stored_synapses<"Pi", "P">().n_synapses());
}

/// Spikes delivered times their synapses, from the spike counts (this rank's synapses).
template <fixed_string Pre, fixed_string Post, class Net>
double delivered_by(const Net& net) {
  const auto counts = net.template spike_counts<Pre>();
  const auto rows = net.template stored_synapses<Pre, Post>().row_offsets();
  double events = 0;
  for (std::size_t i = 0; i < counts.size(); ++i)
    events += double(counts[i]) * double(rows[i + 1] - rows[i]);
  return events;
}
/// All ranks' (a collective over the ranks).
template <class Net>
double delivered_events(const Net& net) {
  const double mine = delivered_by<"Pe", "P">(net) + delivered_by<"Pi", "P">(net);
  // Exact: counts below 2^53 per rank.
  return double(sum_over_ranks(net.ranks(), static_cast<std::uint64_t>(mine)));
}

/// A network of `Model` (cuba.hpp, coba.hpp) ready to run.
template <class Model>
typename Model::network_type build(std::uint64_t n_neurons, std::uint64_t seed,
                                   std::size_t threads, const rank_group& ranks = {}) {
  typename Model::network_type net(
      {.dt_ms = dt_ms, .seed = seed, .threads = threads, .ranks = ranks},
      sizes_of(n_neurons).layers());
  Model::set_up(net, n_neurons);
  return net;
}

}  // namespace brette2007
