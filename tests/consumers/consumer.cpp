// A program of another project that uses the installed (or subproject) library: the quickstart's
// network, whose spike counts it prints; the three ways of building it (tests/consumers/
// run_consumers.sh) must print the same. Eigen's maps (network/weight_matrix.hpp) are included so
// that -Wall -Wextra -Werror checks that Eigen arrives as a system include directory.
#include <cstdio>
#include <vector>

#include <spiketorch/encoding/poisson.hpp>
#include <spiketorch/learning/stdp_pair.hpp>
#include <spiketorch/network/network.hpp>
#include <spiketorch/network/weight_matrix.hpp>
#include <spiketorch/neurons/lif.hpp>
#include <spiketorch/synapses/exp_current.hpp>
#include <spiketorch/topology/delays.hpp>
#include <spiketorch/topology/dense.hpp>

using namespace spiketorch;

using net_t = network<layers<input<"in", encoding::poisson>,
                             population<"exc", neurons::lif, synapses::exp_current>>,
                      projections<projection<"in", "exc", topology::dense, learning::stdp_pair,
                                             delays::uniform>>>;

int main() {
  net_t net({.dt_ms = 0.5, .seed = 7}, {50, 10});
  net.set_params<"exc">({.tau_m_ms = 20, .v_rest_mv = -65, .v_reset_mv = -65, .v_thresh_mv = -55,
                         .refractory_ms = 2, .v_init_mv = -65});
  net.connect<"in", "exc">({.weights = {0.5, 2.5}, .delays = {.min_ms = 0, .max_ms = 5}});
  std::vector<float> rates(50, 40.0f);
  net.run(rates, 500.0);
  unsigned long long total = 0;
  for (auto c : net.spike_counts<"exc">()) total += c;
  std::printf("consumer: %llu input spikes, %llu output spikes\n",
              (unsigned long long)net.total_spikes<"in">(), total);
  return net.total_spikes<"in">() > 0 ? 0 : 1;
}
