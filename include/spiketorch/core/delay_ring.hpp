// Ring buffer of per-target accumulators for delayed spikes: slot (t + d) mod D collects the
// weights that arrive in step t + d. `row(d)` gives the slot d steps ahead of the current one,
// so delivering through a synapse of delay d is one add into row(d)[j].
#pragma once

#include "spiketorch/config.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "spiketorch/core/array_map.hpp"

namespace spiketorch {

/// The ring as the step sees it. `offsets[d]` is where the slot d steps ahead starts; after
/// draining slot 0 the step moves the head on and the offsets with it (no division: wraps by a
/// compare).
struct delay_ring_view {
  real* data;
  std::size_t* offsets;
  std::size_t* head;  // the slot of the current step
  std::size_t slots, width;

  SPIKETORCH_HD real* row(std::size_t d) const { return data + offsets[d]; }
  SPIKETORCH_HD std::size_t next(std::size_t h) const { return h + 1 == slots ? 0 : h + 1; }
  SPIKETORCH_HD void set_offset(std::size_t head, std::size_t d) const {
    std::size_t s = head + d;
    if (s >= slots) s -= slots;
    offsets[d] = s * width;
  }
};

class delay_ring {
 public:
  delay_ring() = default;
  /// Room for delays 0..max_delay steps, for `width` targets.
  delay_ring(std::size_t max_delay, std::size_t width)
      : slots_(max_delay + 1), width_(width), data_(slots_ * width, real(0)), offsets_(slots_) {
    update_rows();
  }

  std::size_t slots() const { return slots_; }
  std::size_t width() const { return width_; }
  /// Accumulator of the step d steps after the current one.
  real* row(std::size_t d) { return data_.data() + offsets_[d]; }
  /// Offsets of the slots 0..D-1 steps ahead into data(): offsets()[d] + j addresses target j.
  /// Offsets rather than pointers keep the buffer copyable.
  const std::size_t* offsets() const { return offsets_.data(); }
  real* data() { return data_.data(); }
  void clear() { std::fill(data_.begin(), data_.end(), real(0)); }
  /// The slot of the current step, and setting it (a ring rebuilt for other targets continues
  /// where the old one was: network::set_ranks).
  std::size_t head() const { return head_; }
  void set_head(std::size_t h) {
    head_ = h;
    update_rows();
  }
  /// Moves to the next step; the slot just left is zeroed so it can collect step t + D (what
  /// the step does after draining slot 0, here for host code).
  void advance() {
    const delay_ring_view v = view(host_map{});
    std::fill_n(v.row(0), width_, real(0));
    head_ = v.next(head_);
    for (std::size_t d = 0; d < slots_; ++d) v.set_offset(head_, d);
  }

  template <class Map>
  delay_ring_view view(Map&& m) {
    return {m.state(data_), m.state(offsets_), m.state(head_), slots_, width_};
  }

 private:
  void update_rows() {
    for (std::size_t d = 0; d < slots_; ++d) {
      std::size_t s = head_ + d;
      if (s >= slots_) s -= slots_;
      offsets_[d] = s * width_;
    }
  }
  std::size_t slots_ = 0, width_ = 0, head_ = 0;
  std::vector<real> data_;
  std::vector<std::size_t> offsets_;
};

}  // namespace spiketorch
