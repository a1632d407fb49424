// Command line of the MNIST example, in the spirit of the original eth.py.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "spiketorch/core/errors.hpp"
#include "spiketorch/io/checkpoint.hpp"

namespace mnist_example {

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

inline const char* usage_text =
    R"(spiketorch_mnist: Diehl & Cook (2015) unsupervised STDP network on MNIST.

Trains the network without labels, labels each excitatory neuron from its responses to the
training set with learning frozen, then classifies the test digits.

usage: spiketorch_mnist [options]

  --mode train|test       train (then label and test), or test a checkpoint given by --load [train]
  --n_neurons N           excitatory (and inhibitory) neurons [100]
  --epochs E              passes over the training examples [1]
  --n_train N             training examples used, from the start of the set (max 60000) [60000]
  --n_label N             training examples in the frozen labelling pass (0: as --n_train) [0];
                          with --mode test: label the checkpoint's neurons anew from the
                          first N training examples instead of using its labels
  --no-label-pass         label neurons from the training responses of the last update interval
  --n_test N              test examples (max 10000; 0: skip testing) [10000]
  --dt MS                 simulation time step in ms [0.5]
  --time MS               presentation time per example in ms [350]
  --rest MS               input-free rest after each presentation in ms [150]
  --intensity I           input rate = pixel / 8 * I Hz; +1 per retry when < 5 spikes [2]
  --seed S                seed of every random stream (weights, delays, input spikes) [0]
  --update_interval K     examples per online accuracy window during training [1000]
  --data DIR              MNIST folder (IDX files, raw or .gz) [data/mnist, ../shared/data/mnist]
  --save DIR              write a checkpoint directory after training (weights, theta, labels)
  --load DIR              checkpoint to evaluate with --mode test
  --threads T             CPU threads for labelling and testing (training is sequential; the
                          results do not depend on T) [all cores]
  --plot DIR              write figures (PNG) and their data (.npy) to DIR during the run
  --json FILE             write parameters, timings and accuracies as JSON
  --synapse_decay exact|euler
                          conductance decay per step: exp(-dt/tau), or Brian's forward Euler
                          1 - dt/tau as the original code integrated it (about 8 points lower
                          accuracy at N = 100; see benchmarks/peers/README.md) [exact]
  --device cpu|cuda       backend: cuda trains on the GPU and labels/tests in batches of
                          examples (needs a build with nvcc and an NVIDIA GPU) [cpu]
  --quiet                 no progress bars
  --help                  this text
)";

namespace detail {
inline std::size_t to_size(std::string_view opt, const std::string& v) {
  char* end = nullptr;
  errno = 0;
  const long long x = std::strtoll(v.c_str(), &end, 10);
  spiketorch::require(!v.empty() && end && *end == '\0' && errno == 0 && x >= 0, "option ", opt,
                      " needs a non-negative integer, got '", v, "'");
  return static_cast<std::size_t>(x);
}
inline double to_double(std::string_view opt, const std::string& v) {
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  spiketorch::require(!v.empty() && end && *end == '\0' && std::isfinite(x), "option ", opt,
                      " needs a number, got '", v, "'");
  return x;
}
}  // namespace detail

/// Parsed options, or nullopt after printing --help. Throws invalid_argument on bad input.
inline std::optional<options> parse_options(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    if (arg == "--help" || arg == "-h") {
      std::fputs(usage_text, stdout);
      return std::nullopt;
    }
    if (arg == "--no-label-pass") {
      o.label_pass = false;
      continue;
    }
    if (arg == "--quiet") {
      o.quiet = true;
      continue;
    }
    if (const auto eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else {
      spiketorch::require(i + 1 < argc, "option ", arg, " needs a value (see --help)");
      value = argv[++i];
    }
    using namespace detail;
    if (arg == "--mode") o.mode = value;
    else if (arg == "--n_neurons") o.n_neurons = to_size(arg, value);
    else if (arg == "--epochs") o.epochs = to_size(arg, value);
    else if (arg == "--n_train") o.n_train = to_size(arg, value);
    else if (arg == "--n_label") o.n_label = to_size(arg, value);
    else if (arg == "--n_test") o.n_test = to_size(arg, value);
    else if (arg == "--dt") o.dt = to_double(arg, value);
    else if (arg == "--time") o.time = to_double(arg, value);
    else if (arg == "--rest") o.rest = to_double(arg, value);
    else if (arg == "--intensity") o.intensity = to_double(arg, value);
    else if (arg == "--seed") o.seed = to_size(arg, value);
    else if (arg == "--update_interval") o.update_interval = to_size(arg, value);
    else if (arg == "--data") o.data = value;
    else if (arg == "--save") o.save = value;
    else if (arg == "--load") o.load = value;
    else if (arg == "--plot") o.plot = value;
    else if (arg == "--json") o.json = value;
    else if (arg == "--threads") o.threads = to_size(arg, value);
    else if (arg == "--device") o.device = value;
    else if (arg == "--synapse_decay") o.synapse_decay = value;
    else throw spiketorch::invalid_argument("unknown option '" + arg + "' (see --help)");
  }
  using spiketorch::require;
  require(o.mode == "train" || o.mode == "test", "--mode must be train or test, got '", o.mode, "'");
  require(o.mode != "test" || !o.load.empty(), "--mode test needs --load DIR (a checkpoint from --save)");
  require(o.n_neurons >= 2, "--n_neurons must be at least 2");
  require(o.mode != "train" || o.epochs >= 1, "--epochs must be at least 1");
  require(o.mode != "train" || (o.n_train >= 1 && o.n_train <= 60000), "--n_train must be in 1..60000");
  require(o.n_test <= 10000, "--n_test must be at most 10000");
  require(o.n_label <= 60000, "--n_label must be at most 60000");
  require(o.dt > 0, "--dt must be > 0 ms, got ", o.dt);
  require(o.time > 0, "--time must be > 0 ms, got ", o.time);
  require(o.rest >= 0, "--rest must be >= 0 ms, got ", o.rest);
  require(o.intensity > 0, "--intensity must be > 0, got ", o.intensity);
  require(o.update_interval >= 1, "--update_interval must be at least 1");
  require(o.threads >= 1, "--threads must be at least 1");
  require(o.device == "cpu" || o.device == "cuda", "--device must be cpu or cuda, got '", o.device, "'");
  require(o.synapse_decay == "exact" || o.synapse_decay == "euler",
          "--synapse_decay must be exact or euler, got '", o.synapse_decay, "'");
  require(o.mode == "train" || o.synapse_decay == "exact",
          "--synapse_decay applies to training (a checkpoint is evaluated with exact decay)");
  return o;
}

/// The MNIST folder: --data if given, else data/mnist, else ../shared/data/mnist.
inline std::filesystem::path resolve_data_dir(const std::string& given) {
  namespace fs = std::filesystem;
  if (!given.empty()) {
    spiketorch::require(fs::is_directory(given), "--data ", given,
                        " is not a directory (fetch MNIST with data/get_mnist.sh)");
    return given;
  }
  for (const char* candidate : {"data/mnist", "../shared/data/mnist"})
    if (fs::is_directory(candidate)) return candidate;
  throw spiketorch::invalid_argument(
      "no MNIST data found in data/mnist or ../shared/data/mnist: run data/get_mnist.sh "
      "(or pass --data DIR)");
}

}  // namespace mnist_example
