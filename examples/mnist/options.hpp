// Settings of the MNIST example, shared by both backends' programs (program.hpp). The command line
// that fills them, with their documentation and checks, is command_line.hpp.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include "../common/paths.hpp"
#include "spiketorch/core/errors.hpp"
#include "spiketorch/io/output_path.hpp"
#include "spiketorch/models/diehl_cook_params.hpp"

namespace mnist_example {

/// --eval_repeats as the parameter's type; values past its range stay past it (the parameter's
/// check names the option).
inline std::uint32_t eval_repeats_of(std::uint64_t k) {
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(k, std::uint64_t(1) << 30));
}

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
  std::size_t train_threads = 1;
  std::string device = "cpu";
  std::string synapse_decay = "exact";
  bool label_pass = true;
  bool quiet = false;
  // Past the paper (models/diehl_cook_params.hpp, diehl_cook_improvements); unset: the
  // variant's value.
  std::string variant = "faithful";
  std::optional<double> inhibition_start, homeostasis, theta_floor;
  std::optional<std::uint64_t> inhibition_ramp, recruit_window, eval_repeats;
  std::size_t ngram = 2;  // n of n-gram voting (0: off)
  double readout_c = 10;  // C of the linear readout (0: off)

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
  if (o.variant == "improved") p.improvements = spiketorch::models::improved_settings(p);
  auto& imp = p.improvements;
  if (o.inhibition_start) imp.inhibition_start = *o.inhibition_start;
  if (o.inhibition_ramp) imp.inhibition_ramp_examples = *o.inhibition_ramp;
  if (o.homeostasis) imp.homeostasis_mv = *o.homeostasis;
  if (o.theta_floor) imp.theta_floor_mv = *o.theta_floor;
  if (o.recruit_window) imp.recruit_window = *o.recruit_window;
  if (o.eval_repeats) imp.eval_repeats = eval_repeats_of(*o.eval_repeats);
  if (o.synapse_decay == "euler")
    p.exc_synapses.scheme = p.inh_synapses.scheme =
        spiketorch::synapses::decay_scheme::forward_euler;
  return p;
}

/// The threads that step the network in training (--train_threads): one under MPI ranks (each
/// rank steps its share on one thread).
inline std::size_t train_threads_for(const options& o, bool distributed) {
  return distributed ? 1 : o.train_threads;
}

using spiketorch_examples::resolve_data_dir;
inline void check_output_paths(const options& o) { spiketorch_examples::check_output_paths(o); }

}  // namespace mnist_example
