// Ring buffer of per-target accumulators for delayed spikes: slot (t + d) mod D collects the
// weights that arrive in step t + d. `row(d)` gives the slot d steps ahead of the current one,
// so delivering through a synapse of delay d is one add into row(d)[j].
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "spiketorch/config.hpp"

namespace spiketorch {

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
  /// Moves to the next step; the slot just left is zeroed so it can collect step t + D.
  void advance() {
    std::fill_n(row(0), width_, real(0));
    head_ = head_ + 1 == slots_ ? 0 : head_ + 1;
    update_rows();
  }
  void clear() { std::fill(data_.begin(), data_.end(), real(0)); }

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
