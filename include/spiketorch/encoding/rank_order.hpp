// Rank-order (intensity-to-latency) coding with a given number of time steps, as SpykeTorch's
// Intensity2Latency: the inputs with a value > 0 are sorted by decreasing value and cut into
// `time_steps` bins of equal size, n_nonzero / time_steps (at least 1); the inputs of bin b spike
// once, in step b·steps_per_bin of the presentation. The weakest n_nonzero mod time_steps inputs
// fall past the last bin and stay silent, as in SpykeTorch. Equal values keep index order (the
// lower index spikes no later). Deterministic: no random numbers.
//
// Unlike encoding::latency (spike time proportional to 1 - value), only the order of the values
// matters: any increasing transform of the input gives the same spikes.
#pragma once

#include "spiketorch/config.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "spiketorch/core/errors.hpp"
#include "spiketorch/encoding/concepts.hpp"

namespace spiketorch::encoding {

class rank_order {
 public:
  struct params {
    std::size_t time_steps = 15;    // bins of the rank order
    std::size_t steps_per_bin = 1;  // simulation steps between two bins
  };

  rank_order() = default;
  explicit rank_order(const params& p) : p_(p) {}
  void set_params(const params& p) { p_ = p; }

  void begin(std::span<const float> values, std::uint64_t n_steps, double, random_stream,
             std::uint32_t) {
    require(p_.time_steps > 0, "rank_order encoder: time_steps must be > 0");
    require(p_.steps_per_bin > 0, "rank_order encoder: steps_per_bin must be > 0");
    order_.clear();
    for (index_t i = 0; i < values.size(); ++i) {
      require(std::isfinite(values[i]) && values[i] >= 0, "rank_order encoder: value of input ", i,
              " must be finite and >= 0, got ", values[i]);
      if (values[i] > 0) order_.push_back(i);
    }
    std::stable_sort(order_.begin(), order_.end(),
                     [&](index_t a, index_t b) { return values[a] > values[b]; });
    const std::size_t bin = std::max<std::size_t>(1, order_.size() / p_.time_steps);
    schedule_.clear(n_steps);
    for (std::size_t r = 0; r < order_.size(); ++r) {
      const std::size_t b = r / bin;
      if (b >= p_.time_steps) break;
      const std::uint64_t step = std::uint64_t(b) * p_.steps_per_bin;
      if (step < n_steps) schedule_.add(step, order_[r]);
    }
    schedule_.finish();
  }
  std::span<const index_t> spikes_at(std::uint64_t step) const { return schedule_.at(step); }
  const spike_schedule& schedule() const { return schedule_; }

 private:
  params p_;
  std::vector<index_t> order_;
  spike_schedule schedule_;
};

static_assert(Encoder<rank_order>);

}  // namespace spiketorch::encoding
