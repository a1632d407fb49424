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
#include "spiketorch/learning/static_rule.hpp"
#include "spiketorch/network/network.hpp"
#include "spiketorch/neurons/lif.hpp"
#include "spiketorch/topology/delays.hpp"
#include "spiketorch/topology/sparse.hpp"

namespace brette2007 {

using namespace spiketorch;

template <class Synapse>
using network_of = network<
    layers<population<"Pe", neurons::lif, Synapse>, population<"Pi", neurons::lif, Synapse>>,
    projections<projection<"Pe", "Pe", topology::sparse, learning::none, delays::none,
                           receptor::excitatory>,
                projection<"Pe", "Pi", topology::sparse, learning::none, delays::none,
                           receptor::excitatory>,
                projection<"Pi", "Pe", topology::sparse, learning::none, delays::none,
                           receptor::inhibitory>,
                projection<"Pi", "Pi", topology::sparse, learning::none, delays::none,
                           receptor::inhibitory>>>;

/// The same populations without connections: what the neuron update alone costs
/// (benchmarks/bench_brette2007.cpp).
template <class Synapse>
using unconnected_of = network<
    layers<population<"Pe", neurons::lif, Synapse>, population<"Pi", neurons::lif, Synapse>>,
    projections<>>;

/// Parameters and state of every population of `from` into `to` (networks of the same layers).
template <class From, class To>
void copy_populations(From& from, To& to) {
  auto copy = [&]<fixed_string Name>() {
    const auto& a = from.template layer<Name>();
    to.template set_params<Name>(a.neuron_params, a.synapse_params);
    auto& b = to.template layer<Name>();
    b.neuron_state = a.neuron_state;
    b.synapse_state = a.synapse_state;
  };
  copy.template operator()<"Pe">();
  copy.template operator()<"Pi">();
}

struct network_sizes {
  std::uint64_t n_exc, n_inh;
  std::array<std::size_t, 2> layers() const { return {n_exc, n_inh}; }
};
inline network_sizes sizes_of(std::uint64_t n_neurons) {
  const std::uint64_t n_exc = (4 * n_neurons + 2) / 5;
  return {n_exc, n_neurons - n_exc};
}

template <class Net>
void set_params(Net& net, const neurons::lif::params& neuron,
                const typename Net::template layer_type<"Pe">::synapse_type::params& synapse) {
  net.template set_params<"Pe">(neuron, synapse);
  net.template set_params<"Pi">(neuron, synapse);
}

/// P_e -> P with weight w_exc on the excitatory receptor, P_i -> P with w_inh on the inhibitory
/// one, each pair connected with probability 80 / N.
template <class Net>
void connect(Net& net, std::uint64_t n_neurons, double w_exc, double w_inh) {
  const topology::sparse::params p{.probability = inputs_per_neuron / double(n_neurons)};
  net.template connect<"Pe", "Pe">({.topology = p, .weights = {w_exc, w_exc}});
  net.template connect<"Pe", "Pi">({.topology = p, .weights = {w_exc, w_exc}});
  net.template connect<"Pi", "Pe">({.topology = p, .weights = {w_inh, w_inh}});
  net.template connect<"Pi", "Pi">({.topology = p, .weights = {w_inh, w_inh}});
}

/// A state field of every neuron drawn from the network's seed: uniform in [lo, hi), or normal.
template <class Net>
void set_initial_uniform(Net& net, std::string_view field, double lo, double hi) {
  const random_stream stream(net.seed(), 0x5eed0001u + std::uint32_t(field.size()));
  std::size_t first = 0;
  for (auto x : {net.template state<"Pe">(field), net.template state<"Pi">(field)}) {
    for (std::size_t i = 0; i < x.size(); ++i)
      x[i] = real(lo + (hi - lo) * stream.uniform(0, std::uint32_t(first + i), 0));
    first += x.size();
  }
}
template <class Net>
void set_initial_normal(Net& net, std::string_view field, double mean, double sd) {
  const random_stream stream(net.seed(), 0x5eed0101u + std::uint32_t(field.size()));
  std::size_t first = 0;
  for (auto x : {net.template state<"Pe">(field), net.template state<"Pi">(field)}) {
    for (std::size_t i = 0; i < x.size(); ++i) {
      const auto u = stream.uniform4(0, std::uint32_t(first + i), 0);
      const double r = std::sqrt(-2.0 * std::log(1.0 - double(u[0])));
      x[i] = real(mean + sd * r * std::cos(6.283185307179586 * double(u[1])));
    }
    first += x.size();
  }
}

template <class Net>
std::uint64_t n_synapses(const Net& net) {
  return net.template projection<"Pe", "Pe">().topo.n_synapses() +
         net.template projection<"Pe", "Pi">().topo.n_synapses() +
         net.template projection<"Pi", "Pe">().topo.n_synapses() +
         net.template projection<"Pi", "Pi">().topo.n_synapses();
}

/// Spikes delivered times their synapses, from the spike counts.
template <fixed_string Pre, fixed_string Post, class Net>
double delivered_by(const Net& net) {
  const auto counts = net.template spike_counts<Pre>();
  const auto rows = net.template projection<Pre, Post>().topo.row_offsets();
  double events = 0;
  for (std::size_t i = 0; i < counts.size(); ++i)
    events += double(counts[i]) * double(rows[i + 1] - rows[i]);
  return events;
}
template <class Net>
double delivered_events(const Net& net) {
  return delivered_by<"Pe", "Pe">(net) + delivered_by<"Pe", "Pi">(net) +
         delivered_by<"Pi", "Pe">(net) + delivered_by<"Pi", "Pi">(net);
}

/// The step of both benchmarks.
inline constexpr double dt_ms = 0.1;

/// A network of `Model` (cuba.hpp, coba.hpp) ready to run.
template <class Model>
typename Model::network_type build(std::uint64_t n_neurons, std::uint64_t seed,
                                   std::size_t threads) {
  typename Model::network_type net({.dt_ms = dt_ms, .seed = seed, .threads = threads},
                                   sizes_of(n_neurons).layers());
  Model::set_up(net, n_neurons);
  return net;
}

}  // namespace brette2007
