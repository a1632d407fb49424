// Quickstart: 100 Poisson inputs drive 20 LIF neurons with exponential synaptic currents through
// plastic all-to-all synapses; the neurons inhibit each other. Prints spike counts per neuron.
#include <cstdio>
#include <vector>

// Only what the network uses: the network itself parses no linear-algebra or N-d array library
// (spiketorch/spiketorch.hpp includes everything).
#include "spiketorch/encoding/poisson.hpp"
#include "spiketorch/learning/stdp_pair.hpp"
#include "spiketorch/network/network.hpp"
#include "spiketorch/neurons/lif.hpp"
#include "spiketorch/synapses/exp_current.hpp"
#include "spiketorch/topology/all_but_self.hpp"
#include "spiketorch/topology/delays.hpp"
#include "spiketorch/topology/dense.hpp"

using namespace spiketorch;

using net_t = network<
    layers<input<"in", encoding::poisson>,
           population<"exc", neurons::lif, synapses::exp_current>>,
    projections<projection<"in", "exc", topology::dense, learning::stdp_pair, delays::uniform>,
                projection<"exc", "exc", topology::all_but_self, learning::none, delays::none,
                           receptor::inhibitory>>>;

int main() {
  net_t net({.dt_ms = 0.5, .seed = 42}, {100, 20});
  net.set_params<"exc">({.tau_m_ms = 20, .v_rest_mv = -65, .v_reset_mv = -65, .v_thresh_mv = -55,
                         .refractory_ms = 2, .v_init_mv = -65});
  net.connect<"in", "exc">({.weights = {0.5, 2.5},
                           .rule = {.nu_pre = 2e-3, .nu_post = 1e-2, .w_max = 3.0},
                           .delays = {.min_ms = 0, .max_ms = 5}});
  net.connect<"exc", "exc">({.weights = {2.0, 2.0}});

  std::vector<float> rates(100);
  for (std::size_t i = 0; i < rates.size(); ++i) rates[i] = 5.0f + 0.5f * float(i);  // 5..55 Hz
  net.run(rates, 1000.0);  // one second of simulated time, learning on

  std::printf("input spikes: %llu, output spikes: %llu\n", (unsigned long long)net.total_spikes<"in">(),
              (unsigned long long)net.total_spikes<"exc">());
  const auto counts = net.spike_counts<"exc">();
  for (std::size_t j = 0; j < counts.size(); ++j) std::printf("neuron %2zu: %3u spikes\n", j, counts[j]);
  const auto w = net.weights<"in", "exc">();  // row-major, 100 x 20
  auto mean_of_rows = [&](std::size_t first, std::size_t n) {
    double sum = 0;
    for (std::size_t k = first * 20; k < (first + n) * 20; ++k) sum += w[k];
    return sum / double(n * 20);
  };
  std::printf("mean weight from the 10 slowest inputs %.3f, from the 10 fastest %.3f\n",
              mean_of_rows(0, 10), mean_of_rows(90, 10));
}
