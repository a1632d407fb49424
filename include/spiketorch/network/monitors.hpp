// Recorders for spikes and state variables with a recording interval and a window, so that
// recording a long run keeps only the last `window` frames instead of exhausting memory.
// Storage is allocated when a recorder is attached; recording a step only copies into it.
#pragma once

#include "spiketorch/config.hpp"

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "spiketorch/core/array_map.hpp"
#include "spiketorch/core/errors.hpp"
#include "spiketorch/step/recorder_views.hpp"

namespace spiketorch {

/// A ring of fixed-size frames: the last `window` frames pushed, exported oldest first.
template <class T>
class frame_ring {
 public:
  frame_ring() = default;
  frame_ring(std::size_t width, std::size_t window)
      : width_(width), window_(window), data_(width * window) {
    require(window > 0, "recorder window must be > 0 frames");
  }
  /// Slot for the next frame (overwrites the oldest once the window is full).
  T* push() {
    T* slot = data_.data() + (next_ % window_) * width_;
    ++next_;
    return slot;
  }
  std::size_t frames() const { return std::min<std::size_t>(next_, window_); }
  std::uint64_t pushed() const { return next_; }
  std::size_t width() const { return width_; }
  bool enabled() const { return window_ > 0; }
  /// Copies the frames kept, oldest first, to out[frames() * width()].
  void copy_frames(T* out) const {
    const std::size_t n = frames();
    const std::uint64_t first = next_ - n;
    for (std::size_t f = 0; f < n; ++f)
      std::copy_n(data_.data() + ((first + f) % window_) * width_, width_, out + f * width_);
  }
  void clear() { next_ = 0; }

  /// The storage and position for a view: frame f of a run goes to slot (next + f) % window.
  template <class Map>
  T* storage(Map&& m) {
    return window_ > 0 ? m.state(data_) : nullptr;
  }
  std::size_t window() const { return window_; }
  /// `n` frames were written through a view.
  void pushed(std::uint64_t n) { next_ += n; }

 private:
  std::size_t width_ = 0, window_ = 0;
  std::uint64_t next_ = 0;
  std::vector<T> data_;
};

/// Spike raster of a layer: one frame per step, 1 where the neuron spiked.
class spike_recorder {
 public:
  spike_recorder() = default;
  spike_recorder(std::size_t n_neurons, std::size_t window_steps) : ring_(n_neurons, window_steps) {}
  bool enabled() const { return ring_.enabled(); }
  /// The frames: [time, neuron], oldest step first (network/recordings.hpp reads them).
  const frame_ring<std::uint8_t>& frames() const { return ring_; }
  void clear() { ring_.clear(); }

  template <class Map>
  spike_recorder_view view(Map&& m) {
    return {ring_.storage(m), ring_.width(), ring_.window(), ring_.pushed()};
  }
  void ran(std::uint64_t n_steps) {
    if (enabled()) ring_.pushed(n_steps);
  }

 private:
  frame_ring<std::uint8_t> ring_;
};

/// Spike events of a layer as (neuron, step) pairs, in the order they happened (by step, then
/// by neuron), in a buffer of fixed capacity allocated when the recorder is attached: recording
/// never allocates. Once full it keeps the first `capacity` events and counts the rest as
/// dropped. Steps are the network's step counter (network::steps_done() at the spike).
class event_recorder {
 public:
  event_recorder() = default;
  explicit event_recorder(std::size_t capacity) : neurons_(capacity), steps_(capacity) {
    require(capacity > 0, "event recorder: capacity must be >= 1 event");
  }
  bool enabled() const { return !neurons_.empty(); }
  std::size_t capacity() const { return neurons_.size(); }
  /// Events kept.
  std::size_t size() const { return static_cast<std::size_t>(count_); }
  /// Events that did not fit.
  std::uint64_t dropped() const { return dropped_; }
  std::span<const index_t> neurons() const { return {neurons_.data(), size()}; }
  std::span<const std::int64_t> steps() const { return {steps_.data(), size()}; }
  void clear() {
    count_ = 0;
    dropped_ = 0;
  }

  template <class Map>
  event_recorder_view view(Map&& m) {
    if (!enabled()) return {nullptr, nullptr, 0, nullptr, nullptr};
    return {m.state(neurons_), m.state(steps_), capacity(), m.state(count_), m.state(dropped_)};
  }

 private:
  std::vector<index_t> neurons_;
  std::vector<std::int64_t> steps_;
  std::uint64_t count_ = 0, dropped_ = 0;
};

/// One state variable of selected neurons, every `interval` steps.
class state_recorder {
 public:
  state_recorder() = default;
  state_recorder(std::size_t field, std::vector<index_t> neurons, std::size_t interval,
                 std::size_t window_frames)
      : field_(field), neurons_(std::move(neurons)), interval_(interval),
        ring_(neurons_.size(), window_frames) {
    require(interval > 0, "state recorder: interval must be >= 1 step");
    require(!neurons_.empty(), "state recorder: select at least one neuron");
  }
  bool enabled() const { return ring_.enabled(); }
  std::size_t field() const { return field_; }
  std::span<const index_t> neurons() const { return neurons_; }
  std::size_t interval() const { return interval_; }
  /// The frames: [frame, selected neuron], oldest first (network/recordings.hpp reads them).
  const frame_ring<real>& frames() const { return ring_; }
  std::uint64_t frames_recorded() const { return ring_.pushed(); }
  void clear() {
    ring_.clear();
    step_ = 0;
  }

  template <class Map>
  state_recorder_view view(Map&& m) {
    if (!enabled()) return {nullptr, nullptr, 0, 0, 0, 0, 0, 1};
    return {ring_.storage(m), m.constant(neurons_), neurons_.size(), ring_.window(),
            field_, ring_.pushed(), step_, interval_};
  }
  void ran(std::uint64_t n_steps) {
    if (!enabled()) return;
    const state_recorder_view v = view(host_map{});
    ring_.pushed(v.frames_before(step_ + n_steps) - v.frames_before(step_));
    step_ += n_steps;
  }

 private:
  std::size_t field_ = 0;
  std::vector<index_t> neurons_;
  std::size_t interval_ = 1;
  std::uint64_t step_ = 0;
  frame_ring<real> ring_;
};

}  // namespace spiketorch
