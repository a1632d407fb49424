// The networks of test_network.py written directly in C++, the reference for the networks
// described in Python: test_network.py compiles this file with the package's recorded compiler
// and flags against its installed headers, runs it and compares every array bitwise.
//
//   described_networks quickstart|recurrent OUT_DIR
//
// writes each array as raw little-endian values to OUT_DIR/<name>.bin (the names are those the
// test reads).
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "spiketorch/encoding/bernoulli.hpp"
#include "spiketorch/encoding/poisson.hpp"
#include "spiketorch/learning/stdp_pair.hpp"
#include "spiketorch/learning/stdp_triplet.hpp"
#include "spiketorch/network/network.hpp"
#include "spiketorch/neurons/adaptive_lif.hpp"
#include "spiketorch/neurons/lif.hpp"
#include "spiketorch/synapses/exp_conductance.hpp"
#include "spiketorch/synapses/exp_current.hpp"
#include "spiketorch/topology/all_but_self.hpp"
#include "spiketorch/topology/delays.hpp"
#include "spiketorch/topology/dense.hpp"
#include "spiketorch/topology/one_to_one.hpp"
#include "spiketorch/topology/sparse.hpp"

using namespace spiketorch;

namespace {

std::string out_dir;

template <class T>
void write(const std::string& name, std::span<const T> values) {
  std::ofstream f(out_dir + "/" + name + ".bin", std::ios::binary);
  f.write(reinterpret_cast<const char*>(values.data()),
          static_cast<std::streamsize>(values.size() * sizeof(T)));
}
template <class T>
void write_frames(const std::string& name, const frame_ring<T>& ring) {
  std::vector<T> frames(ring.frames() * ring.width());
  ring.copy_frames(frames.data());
  write<T>(name, frames);
}

// examples/quickstart/main.cpp.
void quickstart() {
  using net_t = network<
      layers<input<"in", encoding::poisson>,
             population<"exc", neurons::lif, synapses::exp_current>>,
      projections<projection<"in", "exc", topology::dense, learning::stdp_pair, delays::uniform>,
                  projection<"exc", "exc", topology::all_but_self, learning::none, delays::none,
                             receptor::inhibitory>>>;
  net_t net({.dt_ms = 0.5, .seed = 42}, {100, 20});
  net.set_params<"exc">({.tau_m_ms = 20,
                         .v_rest_mv = -65,
                         .v_reset_mv = -65,
                         .v_thresh_mv = -55,
                         .refractory_ms = 2,
                         .v_init_mv = -65});
  net.connect<"in", "exc">({.weights = {0.5, 2.5},
                            .rule = {.nu_pre = 2e-3, .nu_post = 1e-2, .w_max = 3.0},
                            .delays = {.min_ms = 0, .max_ms = 5}});
  net.connect<"exc", "exc">({.weights = {2.0, 2.0}});
  std::vector<float> rates(100);
  for (std::size_t i = 0; i < rates.size(); ++i) rates[i] = 5.0f + 0.5f * float(i);
  net.run(rates, 1000.0);

  write<std::uint32_t>("counts_in", net.spike_counts<"in">());
  write<std::uint32_t>("counts_exc", net.spike_counts<"exc">());
  write<real>("w_in_exc", net.weights<"in", "exc">());
  write<real>("w_exc_exc", net.weights<"exc", "exc">());
  write<real>("v_exc", net.state<"exc", "v">());
  write<real>("i_exc_exc", net.state<"exc", "i_exc">());
  write<delays::steps_t>("d_in_exc", net.delay_steps<"in", "exc">());
}

// Two inputs, an adaptive excitatory and an inhibitory population, recurrent plastic sparse
// synapses with delays; learning on, then frozen with other inputs.
void recurrent() {
  using net_t = network<
      layers<input<"X", encoding::poisson>, input<"Y", encoding::bernoulli>,
             population<"E", neurons::adaptive_lif, synapses::exp_conductance>,
             population<"I", neurons::lif, synapses::exp_conductance>>,
      projections<projection<"X", "E", topology::dense, learning::stdp_triplet, delays::uniform>,
                  projection<"Y", "E", topology::sparse, learning::none, delays::fixed>,
                  projection<"E", "I", topology::one_to_one, learning::none, delays::fixed>,
                  projection<"I", "E", topology::all_but_self, learning::none, delays::none,
                             receptor::inhibitory>,
                  projection<"E", "E", topology::sparse, learning::stdp_pair, delays::uniform>>>;
  net_t net({.dt_ms = 0.5, .seed = 7}, {64, 16, 24, 24});
  neurons::adaptive_lif::params e{};
  e.v_init_mv = -65;
  e.theta_plus_mv = 0.2;
  e.tau_theta_ms = 1e4;
  synapses::exp_conductance::params es{};
  es.e_inh_mv = -100;
  net.set_params<"E">(e, es);
  neurons::lif::params i{};
  i.tau_m_ms = 10;
  synapses::exp_conductance::params is{};
  is.e_inh_mv = -85;
  net.set_params<"I">(i, is);
  net.set_encoder_params<"X">({.sampler = encoding::poisson::method::per_step_bernoulli});
  net.set_encoder_params<"Y">({.max_probability = 0.2});
  net.connect<"X", "E">({.weights = {0.3, 1.0},
                         .rule = {.nu_pre = 1e-3, .nu_post = 5e-3, .w_max = 1.0},
                         .delays = {.min_ms = 0, .max_ms = 8}});
  net.connect<"Y", "E">(
      {.topology = {.probability = 0.3}, .weights = {0.1, 0.4}, .delays = {.delay_ms = 2}});
  net.connect<"E", "I">({.weights = {10.4, 10.4}, .delays = {.delay_ms = 1}});
  net.connect<"I", "E">({.weights = {3.0, 3.0}});
  net.connect<"E", "E">({.topology = {.probability = 0.2, .allow_self = false},
                         .weights = {0.0, 0.2},
                         .rule = {.nu_pre = 1e-3,
                                  .nu_post = 1e-2,
                                  .w_max = 0.5,
                                  .mode = learning::trace_mode::additive},
                         .delays = {.min_ms = 1, .max_ms = 6}});
  net.record_spikes<"E">(300);
  net.record_state<"E">("v", {0, 3, 5}, 2, 50);

  std::vector<float> x(64), x_rev(64), y(16);
  // As numpy's linspace(0, 60, 64) and linspace(0, 1, 16) in float32.
  for (std::size_t k = 0; k < 64; ++k) x[k] = static_cast<float>(60.0 * double(k) / 63.0);
  for (std::size_t k = 0; k < 16; ++k) y[k] = static_cast<float>(double(k) / 15.0);
  for (std::size_t k = 0; k < 64; ++k) x_rev[k] = x[63 - k];
  net.set_input<"X">(x);
  net.set_input<"Y">(y);
  net.run(200.0);
  net.set_learning(false);
  net.set_input<"X">(x_rev);
  net.run(100.0);

  write<std::uint32_t>("counts_X", net.spike_counts<"X">());
  write<std::uint32_t>("counts_Y", net.spike_counts<"Y">());
  write<std::uint32_t>("counts_E", net.spike_counts<"E">());
  write<std::uint32_t>("counts_I", net.spike_counts<"I">());
  write<real>("w_X_E", net.weights<"X", "E">());
  write<real>("w_Y_E", net.weights<"Y", "E">());
  write<real>("w_E_I", net.weights<"E", "I">());
  write<real>("w_I_E", net.weights<"I", "E">());
  write<real>("w_E_E", net.weights<"E", "E">());
  write<delays::steps_t>("d_X_E", net.delay_steps<"X", "E">());
  write<delays::steps_t>("d_E_E", net.delay_steps<"E", "E">());
  write<real>("v_E", net.state<"E", "v">());
  write<real>("theta_E", net.state<"E", "theta">());
  write<real>("g_inh_E", net.state<"E", "g_inh">());
  write_frames("raster_E", net.layer<"E">().spikes.recorder.frames());
  write_frames("trace_E", net.layer<"E">().state_rec.frames());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s quickstart|recurrent OUT_DIR\n", argv[0]);
    return 2;
  }
  out_dir = argv[2];
  const std::string which = argv[1];
  if (which == "quickstart")
    quickstart();
  else if (which == "recurrent")
    recurrent();
  else
    return 2;
  return 0;
}
