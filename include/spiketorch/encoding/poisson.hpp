// Poisson rate coding: input i fires as a Poisson process of rate values[i] Hz, discretised to
// at most one spike per step, i.e. a Bernoulli trial with p = rate · dt in every step.
//
// Two exact samplers of that process:
//   - geometric_skip (default): the number of steps to the next spike is drawn from the
//     geometric distribution, k = 1 + floor(ln U / ln(1 - p)); one draw per spike instead of one
//     per step (the discrete form of exponential inter-spike times);
//   - per_step_bernoulli: one uniform per input per step, spike when U < p (as Brian's
//     PoissonGroup).
// Both give mean rate p/dt and Fano factor 1 - p; they use different draws, so their spike
// trains differ for the same seed. Rates must lie in [0, 1000/dt_ms] Hz.
#pragma once

#include "spiketorch/config.hpp"

#include <cmath>

#include "spiketorch/encoding/concepts.hpp"

namespace spiketorch::encoding {

class poisson {
 public:
  enum class method { geometric_skip, per_step_bernoulli };
  struct params {
    method sampler = method::geometric_skip;
  };

  poisson() = default;
  explicit poisson(const params& p) : p_(p) {}
  void set_params(const params& p) { p_ = p; }

  /// values: rates in Hz.
  void begin(std::span<const float> rates_hz, std::uint64_t n_steps, double dt_ms,
             random_stream stream, std::uint32_t presentation) {
    schedule_.clear(n_steps);
    for (index_t i = 0; i < rates_hz.size(); ++i) {
      const double rate = rates_hz[i];
      require(std::isfinite(rate) && rate >= 0.0, "poisson encoder: rate of input ", i,
              " must be finite and >= 0 Hz, got ", rate);
      const double p = rate * dt_ms * 1e-3;
      require(p <= 1.0, "poisson encoder: rate of input ", i, " (", rate,
              " Hz) exceeds one spike per step (", 1000.0 / dt_ms, " Hz at dt = ", dt_ms, " ms)");
      if (p <= 0.0) continue;
      if (p_.sampler == method::geometric_skip)
        add_geometric(i, p, n_steps, stream, presentation);
      else
        add_bernoulli(i, static_cast<float>(p), n_steps, stream, presentation);
    }
    schedule_.finish();
  }

  std::span<const index_t> spikes_at(std::uint64_t step) const { return schedule_.at(step); }
  const spike_schedule& schedule() const { return schedule_; }
  std::size_t n_spikes() const { return schedule_.n_events(); }

 private:
  void add_geometric(index_t i, double p, std::uint64_t n_steps, random_stream stream,
                     std::uint32_t presentation) {
    if (p >= 1.0) {
      for (std::uint64_t t = 0; t < n_steps; ++t) schedule_.add(t, i);
      return;
    }
    const double inv_log_q = 1.0 / std::log1p(-p);
    std::uint32_t draw = 0;
    philox_counter block{};
    // First spike: the first success of Bernoulli trials starting at step 0.
    std::uint64_t t = 0;
    for (;;) {
      if (draw % 4 == 0) block = stream.words(presentation, i, draw / 4);
      const double u = uniform01_open_low(block.c[draw % 4]);
      ++draw;
      const double skip = std::floor(std::log(u) * inv_log_q);
      if (skip >= static_cast<double>(n_steps)) break;
      t += static_cast<std::uint64_t>(skip);
      if (t >= n_steps) break;
      schedule_.add(t, i);
      ++t;
    }
  }
  void add_bernoulli(index_t i, float p, std::uint64_t n_steps, random_stream stream,
                     std::uint32_t presentation) {
    for (std::uint64_t t = 0; t < n_steps; t += 4) {
      const philox_counter w = stream.words(presentation, i, static_cast<std::uint32_t>(t / 4));
      for (std::uint64_t k = 0; k < 4 && t + k < n_steps; ++k)
        if (uniform01(w.c[k]) < p) schedule_.add(t + k, i);
    }
  }

  params p_;
  spike_schedule schedule_;
};

static_assert(Encoder<poisson>);

}  // namespace spiketorch::encoding
