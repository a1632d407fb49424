// Settings of the MNIST example, shared by both backends' programs (program.hpp). The command line
// that fills them, with their documentation and checks, is command_line.hpp.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include "../common/paths.hpp"
#include "spiketorch/core/errors.hpp"
#include "spiketorch/io/output_path.hpp"
#include "spiketorch/models/diehl_cook_params.hpp"

namespace mnist_example {

/// Defaults as the original eth.py; see command_line.hpp for what each one means.
struct options {
  std::string mode = "train";
  std::size_t n_neurons = 100;
  std::size_t epochs = 1;
  std::size_t n_train = 60000;
  std::size_t n_label = 0;  // 0: the whole (possibly limited) training set
  std::size_t n_test = 10000;
  double dt = 0.5;
  double time = 350.0;
  double rest = 150.0;
  double intensity = 2.0;
  std::uint64_t seed = 0;
  std::size_t update_interval = 1000;
  std::string data;  // empty: data/mnist, then ../shared/data/mnist
  std::string save, load, plot, json;
  std::size_t threads = std::max(1u, std::thread::hardware_concurrency());
  std::string device = "cpu";
  std::string synapse_decay = "exact";
  bool label_pass = true;
  bool quiet = false;

  std::size_t n_train_limit() const { return n_train; }
};

/// The network's parameters for training with these options (a checkpoint brings its own).
inline spiketorch::models::diehl_cook_params model_params(const options& o) {
  spiketorch::models::diehl_cook_params p;
  p.n_neurons = o.n_neurons;
  p.dt_ms = o.dt;
  p.time_ms = o.time;
  p.rest_ms = o.rest;
  p.intensity = o.intensity;
  p.seed = o.seed;
  if (o.synapse_decay == "euler")
    p.exc_synapses.scheme = p.inh_synapses.scheme =
        spiketorch::synapses::decay_scheme::forward_euler;
  return p;
}

using spiketorch_examples::resolve_data_dir;
inline void check_output_paths(const options& o) { spiketorch_examples::check_output_paths(o); }

}  // namespace mnist_example
