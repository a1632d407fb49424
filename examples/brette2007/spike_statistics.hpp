// Firing statistics of a run from its spike events, gathered chunk by chunk so that a long run
// needs no buffer for all of its spikes: mean rate, and the coefficient of variation of the
// inter-spike intervals (CV = std / mean of one neuron's intervals, averaged over the neurons
// with at least two intervals; the standard deviation is the population one, numpy's default).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "spiketorch/config.hpp"

namespace brette2007 {

class spike_statistics {
 public:
  explicit spike_statistics(std::size_t n_neurons)
      : last_(n_neurons, -1),
        intervals_(n_neurons, 0),
        sum_(n_neurons, 0),
        sum_sq_(n_neurons, 0),
        spikes_of_(n_neurons, 0) {}

  /// Events in time order (neuron `first + neurons[e]` spiked in step steps[e]).
  void add(std::span<const spiketorch::index_t> neurons, std::span<const std::int64_t> steps,
           std::size_t first = 0) {
    for (std::size_t e = 0; e < neurons.size(); ++e) {
      const std::size_t i = first + neurons[e];
      if (last_[i] >= 0) {
        // Whole steps: the sums stay exact (an interval is below 2^40 steps, its square below
        // 2^80 only for runs far longer than any --duration allows: 1e8 steps at most).
        const auto isi = static_cast<std::uint64_t>(steps[e] - last_[i]);
        ++intervals_[i];
        sum_[i] += isi;
        sum_sq_[i] += isi * isi;
      }
      last_[i] = steps[e];
      ++spikes_of_[i];
      ++spikes_;
    }
  }

  std::uint64_t spikes() const { return spikes_; }
  double mean_rate_hz(double duration_ms) const {
    return double(spikes_) / double(last_.size()) / (duration_ms / 1000.0);
  }
  /// Of the neurons [first, first + n).
  double mean_rate_hz(double duration_ms, std::size_t first, std::size_t n) const {
    std::uint64_t spikes = 0;
    for (std::size_t i = first; i < first + n; ++i) spikes += spikes_of_[i];
    return double(spikes) / double(n) / (duration_ms / 1000.0);
  }
  /// NaN when no neuron fired three times.
  double cv_isi() const {
    double total = 0;
    std::size_t counted = 0;
    for (std::size_t i = 0; i < last_.size(); ++i) {
      if (intervals_[i] < 2) continue;
      const long double n = intervals_[i];
      const long double mean = sum_[i] / n;
      const long double var = sum_sq_[i] / n - mean * mean;
      total += double(std::sqrt(std::max(var, 0.0L)) / mean);
      ++counted;
    }
    return counted ? total / double(counted) : std::nan("");
  }

 private:
  std::vector<std::int64_t> last_;  // step of each neuron's last spike, -1 before its first
  std::vector<std::uint64_t> intervals_, sum_, sum_sq_, spikes_of_;
  std::uint64_t spikes_ = 0;
};

}  // namespace brette2007
