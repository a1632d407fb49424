// Latency (time-to-first-spike) coding: each input with value x in (threshold, 1] spikes once, at
// t = (1 - x) · window_ms after the start of the presentation, so stronger inputs fire earlier
// and the order of first spikes is the rank order of the values. Inputs at or below `threshold`
// stay silent. Deterministic: no random numbers.
#pragma once

#include "spiketorch/config.hpp"

#include <cmath>

#include "spiketorch/encoding/concepts.hpp"

namespace spiketorch::encoding {

class latency {
 public:
  struct params {
    double window_ms = 50.0;
    double threshold = 0.0;
  };

  latency() = default;
  explicit latency(const params& p) : p_(p) {}
  void set_params(const params& p) { p_ = p; }

  void begin(std::span<const float> values, std::uint64_t n_steps, double dt_ms, random_stream,
             std::uint32_t) {
    require_positive(p_.window_ms, "latency encoder: window_ms");
    schedule_.clear(n_steps);
    for (index_t i = 0; i < values.size(); ++i) {
      require(std::isfinite(values[i]) && values[i] >= 0 && values[i] <= 1,
              "latency encoder: value of input ", i, " must be in [0, 1], got ", values[i]);
      if (values[i] <= p_.threshold) continue;
      const auto step = static_cast<std::uint64_t>(std::floor((1.0 - values[i]) * p_.window_ms / dt_ms));
      if (step < n_steps) schedule_.add(step, i);
    }
    schedule_.finish();
  }
  std::span<const index_t> spikes_at(std::uint64_t step) const { return schedule_.at(step); }
  const spike_schedule& schedule() const { return schedule_; }

 private:
  params p_;
  spike_schedule schedule_;
};

static_assert(Encoder<latency>);

}  // namespace spiketorch::encoding
