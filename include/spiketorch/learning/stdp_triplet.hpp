// The triplet-style STDP of the released Diehl & Cook (2015) code (after Pfister & Gerstner 2006).
//
//   presynaptic spike of i:   pre_i <- 1;   w_ij -= nu_pre · post1_j          for all targets j
//   postsynaptic spike of j:  post2before = post2_j (sampled before this spike resets it)
//                             w_ij += nu_post · pre_i · post2before           for all sources i
//                             post1_j <- 1;  post2_j <- 1
//   traces decay as exp(-dt / tau); weights are clipped to [w_min, w_max].
//
// Potentiation needs two postsynaptic spikes within about tau_post2: the first spike after
// silence potentiates nothing because post2 is near 0.
//
// | parameter     | unit | default | meaning                              |
// |---------------|------|---------|--------------------------------------|
// | nu_pre        | 1    | 1e-4    | depression rate                      |
// | nu_post       | 1    | 1e-2    | potentiation rate                    |
// | tau_pre_ms    | ms   | 20      | presynaptic trace                    |
// | tau_post1_ms  | ms   | 20      | postsynaptic trace used for depression |
// | tau_post2_ms  | ms   | 40      | slow postsynaptic trace used for potentiation |
// | w_min, w_max  | 1    | 0, 1    | weight bounds                        |
#pragma once

#include "spiketorch/config.hpp"

#include "spiketorch/learning/concepts.hpp"

namespace spiketorch::learning {

struct stdp_triplet {
  static constexpr bool is_plastic = true;

  struct params {
    double nu_pre = 1e-4;
    double nu_post = 1e-2;
    double tau_pre_ms = 20.0;
    double tau_post1_ms = 20.0;
    double tau_post2_ms = 40.0;
    double w_min = 0.0;
    double w_max = 1.0;
    void validate() const {
      require_finite(nu_pre, "stdp_triplet: nu_pre");
      require_finite(nu_post, "stdp_triplet: nu_post");
      require_positive(tau_pre_ms, "stdp_triplet: tau_pre_ms");
      require_positive(tau_post1_ms, "stdp_triplet: tau_post1_ms");
      require_positive(tau_post2_ms, "stdp_triplet: tau_post2_ms");
      detail::validate_bounds(w_min, w_max, "stdp_triplet");
    }
  };
  static constexpr std::size_t n_pre_traces = 1, n_post_traces = 2;  // pre; post1, post2
  struct derived {
    real pre_decay[1], post_decay[2];
    real nu_pre, nu_post, w_min, w_max;
  };

  static derived derive(const params& p, double dt_ms) {
    p.validate();
    return {{detail::decay_factor(p.tau_pre_ms, dt_ms, "stdp_triplet: tau_pre_ms")},
            {detail::decay_factor(p.tau_post1_ms, dt_ms, "stdp_triplet: tau_post1_ms"),
             detail::decay_factor(p.tau_post2_ms, dt_ms, "stdp_triplet: tau_post2_ms")},
            static_cast<real>(p.nu_pre),
            static_cast<real>(p.nu_post),
            static_cast<real>(p.w_min),
            static_cast<real>(p.w_max)};
  }

  SPIKETORCH_HD static void pre_spike(element pre, const derived&) { pre[0] = 1; }
  SPIKETORCH_HD static void post_spike(element post, const derived&) {
    post[0] = 1;
    post[1] = 1;
  }
  SPIKETORCH_HD static real depress(real w, const derived& d, element post) {
    const real x = w - d.nu_pre * post[0];
    return x < d.w_min ? d.w_min : x;
  }
  /// post[1] is post2 sampled before this spike sets it to 1 (the original's post2before).
  SPIKETORCH_HD static real potentiate(real w, const derived& d, element pre, element post) {
    const real x = w + d.nu_post * pre[0] * post[1];
    return x > d.w_max ? d.w_max : x;
  }
};

static_assert(PlasticRule<stdp_triplet>);

}  // namespace spiketorch::learning
