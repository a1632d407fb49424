// The Encoder concept: turns one input vector (pixel intensities, rates) into the spike trains
// of an input layer for one presentation.
//
// `begin(values, n_steps, dt_ms, stream, presentation)` prepares the whole presentation at once
// (so the per-step work is a lookup), drawing from the counter-based stream with coordinates
// (presentation, input, draw) so results do not depend on threads or call order;
// `spikes_at(step)` returns the indices of the inputs that spike in that step (0-based within
// the presentation), and `schedule()` the whole presentation as a CSR over steps, which the step
// reads through its view on every backend. Buffers are reused between presentations: no
// allocation once warmed up.
#pragma once

#include "spiketorch/config.hpp"

#include <concepts>
#include <cstdint>
#include <span>
#include <vector>

#include "spiketorch/core/errors.hpp"
#include "spiketorch/core/random.hpp"

namespace spiketorch::encoding {

template <class E>
concept Encoder = requires(E e, const E ce, std::span<const float> values, random_stream s) {
  typename E::params;
  e.begin(values, std::uint64_t{}, 0.5, s, std::uint32_t{});
  { ce.spikes_at(std::uint64_t{}) } -> std::convertible_to<std::span<const index_t>>;
  ce.schedule().offsets();
};

/// Spike events of one presentation grouped by step (a CSR over steps), built by counting sort.
class spike_schedule {
 public:
  void clear(std::uint64_t n_steps) {
    n_steps_ = n_steps;
    steps_.clear();
    inputs_.clear();
  }
  void add(std::uint64_t step, index_t input) {
    steps_.push_back(static_cast<std::uint32_t>(step));
    inputs_.push_back(input);
  }
  void finish() {
    offsets_.assign(n_steps_ + 1, 0);
    for (auto s : steps_) ++offsets_[s + 1];
    for (std::uint64_t t = 0; t < n_steps_; ++t) offsets_[t + 1] += offsets_[t];
    sorted_.resize(inputs_.size());
    fill_.assign(offsets_.begin(), offsets_.end() - 1);
    // Stable: inputs of one step stay in increasing index order.
    for (std::size_t e = 0; e < inputs_.size(); ++e) sorted_[fill_[steps_[e]]++] = inputs_[e];
  }
  std::span<const index_t> at(std::uint64_t step) const {
    if (step >= n_steps_) return {};
    return {sorted_.data() + offsets_[step], offsets_[step + 1] - offsets_[step]};
  }
  std::size_t n_events() const { return sorted_.size(); }
  /// Step t's events are events()[offsets()[t] .. offsets()[t + 1]).
  const std::vector<std::uint32_t>& offsets() const { return offsets_; }
  const std::vector<index_t>& events() const { return sorted_; }

 private:
  std::uint64_t n_steps_ = 0;
  std::vector<std::uint32_t> steps_;
  std::vector<index_t> inputs_, sorted_;
  std::vector<std::uint32_t> offsets_, fill_;
};

}  // namespace spiketorch::encoding
