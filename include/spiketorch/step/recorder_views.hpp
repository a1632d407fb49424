// The recorders of a layer (network/monitors.hpp) as the step sees them: a ring of frames that
// the record stage writes (step/stages.hpp), one per step or every `interval` steps.
#pragma once

#include "spiketorch/config.hpp"

#include <cstddef>
#include <cstdint>

namespace spiketorch {

/// A spike recorder as the step sees it (data is nullptr when nothing is recorded).
struct spike_recorder_view {
  std::uint8_t* data;
  std::size_t width, window;
  std::uint64_t next0;
  /// The frame of local step t of the run.
  SPIKETORCH_HD std::uint8_t* frame(std::uint64_t t) const {
    return data + static_cast<std::size_t>((next0 + t) % window) * width;
  }
};

/// A state recorder as the step sees it (data is nullptr when nothing is recorded).
struct state_recorder_view {
  real* data;
  const index_t* neurons;
  std::size_t k, window, field;
  std::uint64_t next0, step0, interval;
  /// The frame of local step t, or nullptr when the interval skips that step.
  SPIKETORCH_HD real* frame(std::uint64_t t) const {
    const std::uint64_t s = step0 + t;
    if (s % interval != 0) return nullptr;
    const std::uint64_t before = frames_before(s) - frames_before(step0);
    return data + static_cast<std::size_t>((next0 + before) % window) * k;
  }
  /// Recorded steps among 0 .. s - 1.
  SPIKETORCH_HD std::uint64_t frames_before(std::uint64_t s) const {
    return (s + interval - 1) / interval;
  }
};

/// An event recorder as the step sees it (neurons is nullptr when nothing is recorded): the
/// (neuron, step) pairs of the spikes so far, in [0, *count); spikes past `capacity` are only
/// counted in *dropped.
struct event_recorder_view {
  index_t* neurons;
  std::int64_t* steps;
  std::uint64_t capacity;
  std::uint64_t* count;
  std::uint64_t* dropped;
};

}  // namespace spiketorch
