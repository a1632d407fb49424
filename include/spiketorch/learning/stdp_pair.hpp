// Pair-based STDP with one presynaptic and one postsynaptic trace (BindsNET's PostPre).
//
//   presynaptic spike of i:   x_pre_i <- 1 (or += 1);   w_ij -= nu_pre  · x_post_j   for all targets j
//   postsynaptic spike of j:  w_ij += nu_post · x_pre_i  for all sources i;   x_post_j <- 1 (or += 1)
//   traces decay as exp(-dt / tau); weights are clipped to [w_min, w_max].
//
// For a single pair with the post spike Δt after the pre spike (Δt > 0) the change is
// +nu_post·exp(-Δt/tau_pre); with the pre spike after the post spike, -nu_pre·exp(-Δt/tau_post).
//
// | parameter   | unit | default | meaning                          |
// |-------------|------|---------|----------------------------------|
// | nu_pre      | 1    | 1e-4    | depression rate (on pre spikes)  |
// | nu_post     | 1    | 1e-2    | potentiation rate (on post spikes) |
// | tau_pre_ms  | ms   | 20      | presynaptic trace time constant  |
// | tau_post_ms | ms   | 20      | postsynaptic trace time constant |
// | w_min, w_max| 1    | 0, 1    | weight bounds                    |
// | mode        |      | set_to_one | trace reaction to a spike     |
#pragma once

#include "spiketorch/config.hpp"

#include "spiketorch/learning/concepts.hpp"

namespace spiketorch::learning {

struct stdp_pair {
  static constexpr bool is_plastic = true;

  struct params {
    double nu_pre = 1e-4;
    double nu_post = 1e-2;
    double tau_pre_ms = 20.0;
    double tau_post_ms = 20.0;
    double w_min = 0.0;
    double w_max = 1.0;
    trace_mode mode = trace_mode::set_to_one;
    void validate() const {
      require_finite(nu_pre, "stdp_pair: nu_pre");
      require_finite(nu_post, "stdp_pair: nu_post");
      require_positive(tau_pre_ms, "stdp_pair: tau_pre_ms");
      require_positive(tau_post_ms, "stdp_pair: tau_post_ms");
      detail::validate_bounds(w_min, w_max, "stdp_pair");
    }
  };
  static constexpr std::size_t n_pre_traces = 1, n_post_traces = 1;
  struct derived {
    real pre_decay[1], post_decay[1];
    real nu_pre, nu_post, w_min, w_max;
    trace_mode mode;
  };

  static derived derive(const params& p, double dt_ms) {
    p.validate();
    return {{detail::decay_factor(p.tau_pre_ms, dt_ms, "stdp_pair: tau_pre_ms")},
            {detail::decay_factor(p.tau_post_ms, dt_ms, "stdp_pair: tau_post_ms")},
            static_cast<real>(p.nu_pre),
            static_cast<real>(p.nu_post),
            static_cast<real>(p.w_min),
            static_cast<real>(p.w_max),
            p.mode};
  }

  SPIKETORCH_HD static void pre_spike(element pre, const derived& d) { pre[0] = detail::bump(pre[0], d.mode); }
  SPIKETORCH_HD static void post_spike(element post, const derived& d) {
    post[0] = detail::bump(post[0], d.mode);
  }
  SPIKETORCH_HD static real depress(real w, const derived& d, element post) {
    const real x = w - d.nu_pre * post[0];
    return x < d.w_min ? d.w_min : x;
  }
  SPIKETORCH_HD static real potentiate(real w, const derived& d, element pre, element) {
    const real x = w + d.nu_post * pre[0];
    return x > d.w_max ? d.w_max : x;
  }
};

static_assert(PlasticRule<stdp_pair>);

}  // namespace spiketorch::learning
