// Command line shared by the Brette et al. (2007) benchmark programs (spiketorch_cuba,
// spiketorch_coba): the same options, defaults and checks for both networks.
#pragma once

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include "../common/cli_checks.hpp"
#include "options.hpp"

namespace brette2007 {

using spiketorch_examples::command_line_error;

/// Parsed options, or nullopt after printing --help. Throws command_line_error on bad input.
inline std::optional<options> parse_options(int argc, const char* const* argv, const char* name,
                                            const char* description) {
  using namespace spiketorch_examples;
  options o;
  CLI::App app(description, name);
  app.get_formatter()->column_width(30);
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--duration", o.duration_ms, "simulated time")
      ->check(finite_number())
      ->type_name("MS")
      ->capture_default_str();
  app.add_option("--n_neurons", o.n_neurons,
                 "neurons (4:1 excitatory:inhibitory; connection probability 80 / n_neurons, so "
                 "every neuron keeps 80 inputs on average)")
      ->transform(non_negative_integer())
      ->type_name("N")
      ->capture_default_str();
  app.add_option("--seed", o.seed, "seed of the connectivity and the initial values")
      ->transform(non_negative_integer())
      ->type_name("N")
      ->capture_default_str();
  app.add_option("--threads", o.threads, "threads that step the network (needs an OpenMP build)")
      ->transform(non_negative_integer())
      ->type_name("N")
      ->capture_default_str();
  app.add_option("--record", o.record,
                 "write the spikes as PREFIX_neurons.npy (uint32) and PREFIX_steps.npy (int64; "
                 "times are steps x 0.1 ms)")
      ->type_name("PREFIX");
  app.add_option("--json", o.json, "write the summary as JSON to FILE")->type_name("FILE");
  app.add_flag("--quiet", o.quiet, "no progress bar");
  if (!parse_or_help(app, argc, argv)) return std::nullopt;
  check(o.duration_ms > 0, "--duration must be > 0 ms, got ", o.duration_ms);
  check(std::round(o.duration_ms / dt_ms) >= 1, "--duration must be at least one step (", dt_ms,
        " ms), got ", o.duration_ms);
  check(o.duration_ms <= 1e7, "--duration must be at most 1e7 ms (about 3 hours simulated), got ",
        o.duration_ms);
  check(o.n_neurons >= 100,
        "--n_neurons must be at least 100 (80 inputs per neuron on average), got ", o.n_neurons);
  check(o.n_neurons <= max_neurons, "--n_neurons must be at most ", max_neurons, ", got ",
        o.n_neurons);
  check(o.threads >= 1 && o.threads <= max_threads, "--threads must be between 1 and ", max_threads,
        ", got ", o.threads);
  return o;
}

}  // namespace brette2007
