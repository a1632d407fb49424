// Command line of the MNIST example (CLI11), in the spirit of the original eth.py: the options,
// their documentation for --help and the checks of their values. Only main.cpp includes it, so
// nvcc (main_cuda.cu) never has to compile CLI11.
#pragma once

#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "../common/cli_checks.hpp"
#include "options.hpp"
#include "spiketorch/core/errors.hpp"

namespace mnist_example {

using spiketorch_examples::command_line_error;

namespace detail {

using spiketorch_examples::check;
using spiketorch_examples::finite_number;
using spiketorch_examples::non_negative_integer;

// The options that set a field of the model's parameters, for diehl_cook_params::validate's
// messages (the others keep their field names).
inline std::string option_of(std::string_view field) {
  for (const auto& [f, option] : {std::pair{"n_neurons", "--n_neurons"}, std::pair{"dt_ms", "--dt"},
                                  std::pair{"time_ms", "--time"}, std::pair{"rest_ms", "--rest"},
                                  std::pair{"intensity", "--intensity"},
                                  std::pair{"improvements.inhibition_start", "--inhibition_start"},
                                  std::pair{"improvements.homeostasis_mv", "--homeostasis"},
                                  std::pair{"improvements.theta_floor_mv", "--theta_floor"},
                                  std::pair{"improvements.eval_repeats", "--eval_repeats"}})
    if (field == f) return option;
  return std::string(field);
}

// A training run: the model's parameters in their ranges (the one check the model and the
// checkpoint loader use too, models/diehl_cook_params.hpp), and what the run multiplies them by.
inline void check_training(const options& o) {
  const auto p = model_params(o);
  try {
    p.validate(option_of);
  } catch (const spiketorch::models::invalid_parameter& e) {
    throw command_line_error(e.what());
  }
  // Labelling and testing run one copy of the network per thread besides the trained one.
  const double copies = double(o.threads) + 1;
  const double gib = 1073741824.0, memory = spiketorch::models::physical_memory_bytes();
  check(p.synapse_bytes() * copies <= memory, "--n_neurons ", o.n_neurons, " needs ",
        p.synapse_bytes() / gib, " GiB per copy of the network, and --threads ", o.threads,
        " evaluate with ", copies, " copies: more than the ", memory / gib,
        " GiB of memory of this machine (lower --threads or --n_neurons)");
  // Every presentation and rest of training is numbered (it addresses its input spikes) below
  // 2^31, where the numbers of evaluation's presentations start (models/diehl_cook_2015.hpp).
  const std::uint64_t runs_per_example = 2 * std::uint64_t(p.max_presentations);
  const std::uint64_t max_examples = (std::uint64_t(1) << 31) / runs_per_example;
  check(o.epochs <= max_examples / o.n_train, "--epochs ", o.epochs, " x --n_train ", o.n_train,
        " must be at most ", max_examples, " training examples (", runs_per_example,
        " numbered presentations and rests each, at most, below 2^31), so --epochs at most ",
        max_examples / o.n_train);
}

}  // namespace detail

/// More threads than any machine of ours has cores only multiplies copies of the network.
inline constexpr std::size_t max_threads = 4096;

/// Parsed options, or nullopt after printing --help. Throws command_line_error on bad input.
inline std::optional<options> parse_options(int argc, const char* const* argv) {
  options o;
  CLI::App app(
      "spiketorch_mnist: Diehl & Cook (2015) unsupervised STDP network on MNIST.\n\n"
      "Trains the network without labels, labels each excitatory neuron from its responses to "
      "the\ntraining set with learning frozen, then classifies the test digits.\n",
      "spiketorch_mnist");
  app.get_formatter()->column_width(34);
  // A later value replaces an earlier one, so wrapper scripts can pass defaults before "$@".
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);

  const auto count = [&](const char* name, auto& value, const char* what) {
    return app.add_option(name, value, what)
        ->transform(detail::non_negative_integer())
        ->type_name("N")
        ->capture_default_str();
  };
  const auto number = [&](const char* name, double& value, const char* unit, const char* what) {
    return app.add_option(name, value, what)
        ->check(detail::finite_number())
        ->type_name(unit)
        ->capture_default_str();
  };
  const auto text = [&](const char* name, std::string& value, const char* meta, const char* what) {
    return app.add_option(name, value, what)->type_name(meta);
  };

  text("--mode", o.mode, "MODE",
       "train (then label and test), or test a checkpoint given by --load")
      ->check(CLI::IsMember({"train", "test"}))
      ->capture_default_str();
  count("--n_neurons", o.n_neurons,
        "excitatory (and inhibitory) neurons, >= 2; their synapses, about\n"
        "4 N (N + 980) bytes per copy (one per thread when evaluating),\n"
        "must fit in memory");
  count("--epochs", o.epochs,
        "passes over the training examples; --epochs x --n_train at most\n"
        "26843545 (training presentations are numbered below 2^31)");
  count("--n_train", o.n_train, "training examples used, from the start of the set (max 60000)");
  count("--n_label", o.n_label,
        "training examples in the frozen labelling pass (0: as --n_train);\n"
        "with --mode test: label the checkpoint's neurons anew from the\n"
        "first N training examples instead of using its labels");
  app.add_flag_callback(
      "--no-label-pass", [&] { o.label_pass = false; },
      "label neurons from the training responses of the last update\ninterval");
  count("--n_test", o.n_test, "test examples (max 10000; 0: skip testing)");
  number("--dt", o.dt, "MS",
         "simulation time step in ms, 10/255..10 (10 ms of input delay\n"
         "must fit in 255 steps); below 1 with --synapse_decay euler");
  number("--time", o.time, "MS",
         "presentation time per example in ms: 1 to 10^5 whole steps of\n"
         "--dt");
  number("--rest", o.rest, "MS",
         "input-free rest after each presentation in ms: 0 to 10^5 whole\n"
         "steps of --dt");
  number("--intensity", o.intensity, "I",
         "input rate = pixel / 8 * I Hz; +1 per retry when < 5 spikes;\n"
         "> 0 and at most one spike per step, I <= 8000 / (255 dt), i.e.\n"
         "62.7 at dt = 0.5 ms (retries above it saturate at that rate)");
  count("--seed", o.seed, "seed of every random stream (weights, delays, input spikes)");
  count("--update_interval", o.update_interval,
        "examples per online accuracy window during training");
  text("--data", o.data, "DIR",
       "MNIST folder (IDX files, raw or .gz); without it data/mnist, else\n"
       "../shared/data/mnist");
  text("--save", o.save, "DIR",
       "write a checkpoint directory after training (weights, theta,\nlabels)");
  text("--load", o.load, "DIR", "checkpoint to evaluate with --mode test");
  count("--threads", o.threads,
        "CPU threads for labelling and testing, 1..4096 (training: see\n"
        "--train_threads); the results do not depend on T")
      ->type_name("T")
      ->default_str("all cores, shared by the MPI ranks on a machine");
  count("--train_threads", o.train_threads,
        "CPU threads that share each training step (population update,\n"
        "delivery, learning), 1..4096; results bitwise as on one thread.\n"
        "On this 2-core machine they gain little even at 6400 neurons\n"
        "(benchmarks/README.md); not with MPI ranks")
      ->type_name("T");
  text("--plot", o.plot, "DIR", "write figures (PNG) and their data (.npy) to DIR during the\n"
       "run (created if needed; checked before the run starts)");
  text("--json", o.json, "FILE",
       "write parameters, timings and accuracies as JSON (into an\n"
       "existing writable directory; checked before the run starts)");
  text("--synapse_decay", o.synapse_decay, "SCHEME",
       "conductance decay per step: exp(-dt/tau), or Brian's forward\n"
       "Euler 1 - dt/tau as the original code integrated it (about 8\n"
       "points lower accuracy at N = 100; see benchmarks/peers/README.md);\n"
       "training only: a checkpoint is evaluated with exact decay")
      ->check(CLI::IsMember({"exact", "euler"}))
      ->capture_default_str();
  text("--device", o.device, "DEVICE",
       "backend: cuda trains on the GPU and labels/tests in batches of\n"
       "examples (needs a build with nvcc and an NVIDIA GPU)")
      ->check(CLI::IsMember({"cpu", "cuda"}))
      ->capture_default_str();
  app.add_flag("--quiet", o.quiet, "no progress bars");
  text("--variant", o.variant, "NAME",
       "faithful: the paper's network; improved: with the changes past\n"
       "the paper that measured best (README.md, \"Past the paper\"); the\n"
       "options below override single settings of either")
      ->check(CLI::IsMember({"faithful", "improved"}))
      ->capture_default_str();
  // A setting of the improvements overrides the variant's value only when given.
  std::vector<std::function<void()>> take_settings;
  const auto setting = [&](const char* name, auto& slot, const char* meta, const char* what) {
    using T = typename std::remove_reference_t<decltype(slot)>::value_type;
    auto value = std::make_shared<T>();
    auto* option = app.add_option(name, *value, what)->type_name(meta);
    if constexpr (std::is_floating_point_v<T>)
      option->check(detail::finite_number());
    else
      option->transform(detail::non_negative_integer());
    take_settings.push_back([option, value, &slot] {
      if (option->count() > 0) slot = *value;
    });
  };
  setting("--inhibition_start", o.inhibition_start, "S",
          "increasing inhibition (Hazan et al. 2018): inhibition between\n"
          "grid neighbours starts at this fraction of the full 17, ramped\n"
          "up by distance and over --inhibition_ramp examples; 1: off");
  setting("--inhibition_ramp", o.inhibition_ramp, "N",
          "training examples over which the inhibition reaches its full\n"
          "strength everywhere (0: off)");
  setting("--homeostasis", o.homeostasis, "MV",
          "mV by which the threshold of each neuron that did not fire in a\n"
          "training example drops (0: off), down to --theta_floor");
  setting("--theta_floor", o.theta_floor, "MV",
          "lowest effective threshold change of --homeostasis, mV (<= 0)");
  setting("--recruit_window", o.recruit_window, "N",
          "every N training examples, each neuron that fired in none of them\n"
          "takes the next image as its weights (0: off)");
  setting("--eval_repeats", o.eval_repeats, "K",
          "labelling and testing present each digit K times (own input\n"
          "spikes each) and sum the counts, 1..64 (1: the paper's one)");
  count("--ngram", o.ngram,
        "n of the n-gram vote reported beside all-activity and proportion\n"
        "weighting, 1..3 (0: none; CPU, one process)");

  number("--readout_c", o.readout_c, "C",
         "C of the linear readout reported beside the votes: logistic\n"
         "regression on each neuron's share of a digit's spikes, fitted to\n"
         "the labelling pass (liblinear; 0: none); --save keeps it, and\n"
         "--mode test uses a checkpoint's own unless --n_label labels anew");

  if (!spiketorch_examples::parse_or_help(app, argc, argv)) return std::nullopt;
  for (const auto& take : take_settings) take();

  // Ranks started by mpirun on one machine share its cores, unless --threads says otherwise.
  if (app.count("--threads") == 0) {
    for (const char* v : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"}) {
      if (const char* n = std::getenv(v); n != nullptr && std::atoi(n) > 1) {
        o.threads = std::max<std::size_t>(1, o.threads / static_cast<std::size_t>(std::atoi(n)));
        break;
      }
    }
  }
  using detail::check;
  check(o.mode != "test" || !o.load.empty(),
        "--mode test needs --load DIR (a checkpoint from --save)");
  check(o.mode != "train" || o.epochs >= 1, "--epochs must be at least 1");
  check(o.mode != "train" || (o.n_train >= 1 && o.n_train <= 60000),
        "--n_train must be in 1..60000");
  check(o.n_test <= 10000, "--n_test must be at most 10000");
  check(o.n_label <= 60000, "--n_label must be at most 60000");
  check(o.update_interval >= 1, "--update_interval must be at least 1");
  check(o.ngram <= 3, "--ngram must be in 0..3, got ", o.ngram);
  check(o.readout_c >= 0, "--readout_c must be >= 0, got ", o.readout_c);
  // Checked here too for --mode test, which takes it for the checkpoint's evaluation.
  check(!o.eval_repeats || (*o.eval_repeats >= 1 && *o.eval_repeats <= 64),
        "--eval_repeats must be in 1..64, got ", o.eval_repeats.value_or(0));
  check(o.threads >= 1, "--threads must be at least 1");
  check(o.threads <= max_threads, "--threads must be at most ", max_threads, ", got ", o.threads);
  check(o.train_threads >= 1 && o.train_threads <= max_threads, "--train_threads must be in 1..",
        max_threads, ", got ", o.train_threads);
#if !defined(SPIKETORCH_USE_OPENMP)
  check(o.train_threads <= 1, "--train_threads ", o.train_threads,
        " needs a build with OpenMP; this one steps a network on one thread");
#endif
  check(o.mode == "train" || o.synapse_decay == "exact",
        "--synapse_decay applies to training (a checkpoint is evaluated with exact decay)");
  // An option the mode would ignore is refused rather than silently dropped: a checkpoint
  // brings its own network and protocol, and training starts from a new network.
  if (o.mode == "test") {
    for (const char* name : {"--n_neurons", "--epochs", "--n_train", "--no-label-pass", "--dt",
                             "--time", "--rest", "--intensity", "--seed", "--update_interval",
                             "--save", "--train_threads", "--variant", "--inhibition_start",
                             "--inhibition_ramp", "--homeostasis", "--theta_floor",
                             "--recruit_window"})
      check(app.count(name) == 0, name,
            " does not apply to --mode test (the checkpoint brings its own network and protocol)");
  } else {
    check(app.count("--load") == 0, "--load applies to --mode test only (training starts from a "
                                    "new network; to evaluate a checkpoint use --mode test)");
  }
  for (const auto& [name, path] : {std::pair{"--data", &o.data}, std::pair{"--save", &o.save},
                                   std::pair{"--load", &o.load}, std::pair{"--plot", &o.plot},
                                   std::pair{"--json", &o.json}})
    check(app.count(name) == 0 || !path->empty(), name, " needs a path, got an empty one");
  if (o.mode == "train") detail::check_training(o);
  return o;
}

}  // namespace mnist_example
