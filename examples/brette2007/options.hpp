// The settings of a benchmark run, as the command line (command_line.hpp) gives them.
#pragma once

#include <cstdint>
#include <string>

namespace brette2007 {

/// The step of both benchmarks, ms.
inline constexpr double dt_ms = 0.1;

struct options {
  double duration_ms = 1000.0;
  std::uint64_t n_neurons = 4000;
  std::uint64_t seed = 1;
  std::uint64_t threads = 1;
  std::string record;  // prefix of the spike event files, empty: none
  std::string json;    // summary file, empty: none
  bool quiet = false;
};

/// Sizes of the benchmark: 4:1 excitatory to inhibitory, 80 inputs per neuron on average
/// (2% of 4,000), whatever the number of neurons.
inline constexpr double inputs_per_neuron = 80.0;
/// More neurons than 2^31 would overflow the 32-bit neuron indices of the event files.
inline constexpr std::uint64_t max_neurons = std::uint64_t(1) << 31;
/// More threads than any machine of ours has cores.
inline constexpr std::uint64_t max_threads = 1024;

}  // namespace brette2007
