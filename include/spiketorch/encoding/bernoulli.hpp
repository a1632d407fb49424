// Bernoulli coding: input value x in [0, 1] is the probability of a spike in every step,
// scaled by `max_probability` (so the rate is x · max_probability / dt). Independent of dt
// unlike Poisson coding, which is specified in Hz.
#pragma once

#include "spiketorch/config.hpp"

#include <cmath>

#include "spiketorch/encoding/concepts.hpp"

namespace spiketorch::encoding {

class bernoulli {
 public:
  struct params {
    double max_probability = 1.0;
  };

  bernoulli() = default;
  explicit bernoulli(const params& p) : p_(p) {}
  void set_params(const params& p) { p_ = p; }

  void begin(std::span<const float> values, std::uint64_t n_steps, double, random_stream stream,
             std::uint32_t presentation) {
    require(p_.max_probability >= 0 && p_.max_probability <= 1,
            "bernoulli encoder: max_probability must be in [0, 1], got ", p_.max_probability);
    schedule_.clear(n_steps);
    for (index_t i = 0; i < values.size(); ++i) {
      require(std::isfinite(values[i]) && values[i] >= 0 && values[i] <= 1,
              "bernoulli encoder: value of input ", i, " must be in [0, 1], got ", values[i]);
      const float p = static_cast<float>(values[i] * p_.max_probability);
      if (p <= 0) continue;
      for (std::uint64_t t = 0; t < n_steps; t += 4) {
        const philox_counter w = stream.words(presentation, i, static_cast<std::uint32_t>(t / 4));
        for (std::uint64_t k = 0; k < 4 && t + k < n_steps; ++k)
          if (uniform01(w.c[k]) < p) schedule_.add(t + k, i);
      }
    }
    schedule_.finish();
  }
  std::span<const index_t> spikes_at(std::uint64_t step) const { return schedule_.at(step); }
  const spike_schedule& schedule() const { return schedule_; }

 private:
  params p_;
  spike_schedule schedule_;
};

static_assert(Encoder<bernoulli>);

}  // namespace spiketorch::encoding
