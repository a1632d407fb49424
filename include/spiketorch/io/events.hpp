// Spike events (network/monitors.hpp: event_recorder) as .npy files that numpy reads:
//   save_events("run/exc", rec)  ->  run/exc_neurons.npy  [n] uint32, neuron of each event
//                                    run/exc_steps.npy    [n] int64, its step
// in the order recorded (by step, then neuron). Spike times in ms are steps · dt.
#pragma once

#include "spiketorch/config.hpp"

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include <xtensor/xadapt.hpp>

#include "spiketorch/io/npy.hpp"
#include "spiketorch/network/monitors.hpp"

namespace spiketorch {

/// Writes the events kept by `rec` as `<prefix>_neurons.npy` and `<prefix>_steps.npy` (each
/// atomically, io/npy.hpp). Events dropped by a full recorder are not in the files: check
/// rec.dropped().
inline void save_events(const std::filesystem::path& prefix, const event_recorder& rec) {
  const std::span<const index_t> n = rec.neurons();
  const std::span<const std::int64_t> s = rec.steps();
  const std::array<std::size_t, 1> shape{n.size()};
  std::filesystem::path neurons_path = prefix, steps_path = prefix;
  neurons_path += "_neurons.npy";
  steps_path += "_steps.npy";
  save_npy(neurons_path, xt::adapt(n.data(), n.size(), xt::no_ownership(), shape));
  save_npy(steps_path, xt::adapt(s.data(), s.size(), xt::no_ownership(), shape));
}

}  // namespace spiketorch
