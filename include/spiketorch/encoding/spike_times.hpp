// Given spike times: each input spikes once, in the step its value names (a whole number of
// steps from the start of the presentation), or never for a negative value. What one network
// hands another as input: the first spikes of a layer (competition/winners.hpp), after a
// competition on the host. Deterministic: no random numbers.
#pragma once

#include "spiketorch/config.hpp"

#include <cmath>
#include <cstdint>
#include <span>

#include "spiketorch/core/errors.hpp"
#include "spiketorch/encoding/concepts.hpp"

namespace spiketorch::encoding {

class spike_times {
 public:
  struct params {};

  spike_times() = default;
  explicit spike_times(const params&) {}
  void set_params(const params&) {}

  void begin(std::span<const float> values, std::uint64_t n_steps, double, random_stream,
             std::uint32_t) {
    schedule_.clear(n_steps);
    for (index_t i = 0; i < values.size(); ++i) {
      const float v = values[i];
      require(std::isfinite(v) && (v < 0 || v == std::floor(v)),
              "spike_times encoder: value of input ", i,
              " must be a whole step >= 0 or negative (never), got ", v);
      if (v >= 0 && std::uint64_t(v) < n_steps) schedule_.add(std::uint64_t(v), i);
    }
    schedule_.finish();
  }
  std::span<const index_t> spikes_at(std::uint64_t step) const { return schedule_.at(step); }
  const spike_schedule& schedule() const { return schedule_; }

 private:
  spike_schedule schedule_;
};

static_assert(Encoder<spike_times>);

}  // namespace spiketorch::encoding
