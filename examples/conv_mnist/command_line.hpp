// Command line of the convolutional MNIST example (CLI11): the options, their --help text and
// the checks of their values.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <utility>

#include "../common/cli_checks.hpp"
#include "options.hpp"

namespace conv_mnist {

using spiketorch_examples::command_line_error;

/// Parsed options, or nullopt after printing --help. Throws command_line_error on bad input.
inline std::optional<options> parse_options(int argc, const char* const* argv) {
  options o;
  CLI::App app(
      "spiketorch_conv_mnist: the deep convolutional STDP network of Kheradpisheh et al. (2018)\n"
      "on MNIST, as SpykeTorch configures it.\n\n"
      "Trains two convolutional layers with STDP, one after the other and without labels, then\n"
      "a linear SVM on the pooled spikes of the second, and classifies the test digits.\n",
      "spiketorch_conv_mnist");
  app.get_formatter()->column_width(30);
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  const auto count = [&](const char* name, auto& value, const char* what) {
    return app.add_option(name, value, what)
        ->transform(spiketorch_examples::non_negative_integer())
        ->type_name("N")
        ->capture_default_str();
  };
  const auto text = [&](const char* name, std::string& value, const char* meta, const char* what) {
    return app.add_option(name, value, what)->type_name(meta);
  };
  text("--mode", o.mode, "MODE",
       "train (STDP, readout, test; --load continues from a\ncheckpoint), or test a checkpoint "
       "given by --load")
      ->check(CLI::IsMember({"train", "test"}))
      ->capture_default_str();
  count("--epochs1", o.epochs1, "STDP passes over --n_stdp images for layer 1");
  count("--epochs2", o.epochs2, "STDP passes over --n_stdp images for layer 2");
  count("--n_stdp", o.n_stdp, "training images per STDP pass, from the start (max 60000)");
  count("--n_train", o.n_train,
        "training images of the readout (max 60000); with --mode test\nonly if the checkpoint "
        "has no readout");
  count("--n_test", o.n_test, "test images (max 10000; 0: skip testing)");
  app.add_option("--C", o.C, "cost of the linear SVM readout")
      ->check(spiketorch_examples::finite_number())
      ->capture_default_str();
  count("--seed", o.seed, "seed of the initial kernels (the rest is deterministic)");
  text("--data", o.data, "DIR",
       "MNIST folder (IDX files, raw or .gz); without it data/mnist,\nelse ../shared/data/mnist");
  text("--save", o.save, "DIR", "write a checkpoint (kernels, readout) at the end");
  text("--load", o.load, "DIR", "start from a checkpoint (--mode test: evaluate it)");
  count("--threads", o.threads,
        "CPU threads for the feature passes, 1..4096 (STDP training is\nsequential; the results "
        "do not depend on T)")
      ->type_name("T")
      ->default_str("all cores");
  text("--plot", o.plot, "DIR", "write the learned features of both layers as PNG grids");
  text("--json", o.json, "FILE", "write timings and accuracy as JSON");
  text("--device", o.device, "DEVICE",
       "backend: cuda steps the networks on the GPU (needs a build with\nnvcc and an NVIDIA GPU; "
       "one copy, --threads does not apply)")
      ->check(CLI::IsMember({"cpu", "cuda"}))
      ->capture_default_str();
  app.add_flag("--quiet", o.quiet, "no progress bars");
  if (!spiketorch_examples::parse_or_help(app, argc, argv)) return std::nullopt;

  using spiketorch_examples::check;
  check(o.mode != "test" || !o.load.empty(),
        "--mode test needs --load DIR (a checkpoint from --save)");
  check(o.n_stdp >= 1 && o.n_stdp <= 60000, "--n_stdp must be in 1..60000");
  check(o.n_train >= 1 && o.n_train <= 60000, "--n_train must be in 1..60000");
  check(o.n_test <= 10000, "--n_test must be at most 10000");
  check(o.C > 0, "--C must be > 0, got ", o.C);
  check(o.threads >= 1 && o.threads <= 4096, "--threads must be in 1..4096, got ", o.threads);
  if (o.mode == "test")
    for (const char* name : {"--epochs1", "--epochs2", "--n_stdp", "--seed", "--save"})
      check(app.count(name) == 0, name,
            " does not apply to --mode test (the checkpoint brings its own network)");
  for (const auto& [name, path] :
       {std::pair{"--data", &o.data}, std::pair{"--save", &o.save}, std::pair{"--load", &o.load},
        std::pair{"--plot", &o.plot}, std::pair{"--json", &o.json}})
    check(app.count(name) == 0 || !path->empty(), name, " needs a path, got an empty one");
  return o;
}

}  // namespace conv_mnist
