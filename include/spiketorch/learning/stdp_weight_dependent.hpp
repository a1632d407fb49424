// Weight-dependent STDP with a presynaptic target trace, the "pre-and-post" rule of Diehl &
// Cook (2015), Section 2.3 (power-law weight dependence after Querlioz et al. 2013):
//
//   presynaptic spike of i:   x_pre_i <- 1;   w_ij -= eta_pre · x_post_j · w_ij^mu
//   postsynaptic spike of j:  w_ij += eta_post · (x_pre_i - x_tar) · (w_max - w_ij)^mu;  x_post_j <- 1
//
// x_tar makes inputs that rarely precede a postsynaptic spike lose weight on every post spike;
// the power law slows changes near the bounds. Defaults are the values declared (but unused) in
// the released code: x_tar = STDP_offset = 0.4, mu = exp_ee_pre = exp_ee_post = 0.2.
//
// | parameter    | unit | default | meaning                              |
// |--------------|------|---------|--------------------------------------|
// | eta_pre      | 1    | 1e-4    | depression rate                      |
// | eta_post     | 1    | 1e-2    | potentiation rate                    |
// | x_tar        | 1    | 0.4     | target presynaptic trace             |
// | mu           | 1    | 0.2     | weight-dependence exponent           |
// | tau_pre_ms   | ms   | 20      | presynaptic trace                    |
// | tau_post_ms  | ms   | 20      | postsynaptic trace                   |
// | w_min, w_max | 1    | 0, 1    | weight bounds                        |
#pragma once

#include "spiketorch/config.hpp"

#include "spiketorch/learning/concepts.hpp"

namespace spiketorch::learning {

struct stdp_weight_dependent {
  static constexpr bool is_plastic = true;

  struct params {
    double eta_pre = 1e-4;
    double eta_post = 1e-2;
    double x_tar = 0.4;
    double mu = 0.2;
    double tau_pre_ms = 20.0;
    double tau_post_ms = 20.0;
    double w_min = 0.0;
    double w_max = 1.0;
    void validate() const {
      require_finite(eta_pre, "stdp_weight_dependent: eta_pre");
      require_finite(eta_post, "stdp_weight_dependent: eta_post");
      require_finite(x_tar, "stdp_weight_dependent: x_tar");
      require_non_negative(mu, "stdp_weight_dependent: mu");
      require_positive(tau_pre_ms, "stdp_weight_dependent: tau_pre_ms");
      require_positive(tau_post_ms, "stdp_weight_dependent: tau_post_ms");
      detail::validate_bounds(w_min, w_max, "stdp_weight_dependent");
      require(w_min >= 0, "stdp_weight_dependent: w_min must be >= 0 (w^mu is taken)");
    }
  };
  static constexpr std::size_t n_pre_traces = 1, n_post_traces = 1;
  struct derived {
    real pre_decay[1], post_decay[1];
    real eta_pre, eta_post, x_tar, mu, w_min, w_max;
  };

  static derived derive(const params& p, double dt_ms) {
    p.validate();
    return {{detail::decay_factor(p.tau_pre_ms, dt_ms, "stdp_weight_dependent: tau_pre_ms")},
            {detail::decay_factor(p.tau_post_ms, dt_ms, "stdp_weight_dependent: tau_post_ms")},
            static_cast<real>(p.eta_pre),
            static_cast<real>(p.eta_post),
            static_cast<real>(p.x_tar),
            static_cast<real>(p.mu),
            static_cast<real>(p.w_min),
            static_cast<real>(p.w_max)};
  }

  SPIKETORCH_HD static void pre_spike(element pre, const derived&) { pre[0] = 1; }
  SPIKETORCH_HD static void post_spike(element post, const derived&) { post[0] = 1; }
  SPIKETORCH_HD static real depress(real w, const derived& d, element post) {
    const real x = w - d.eta_pre * post[0] * std::pow(w, d.mu);
    return x < d.w_min ? d.w_min : x;
  }
  SPIKETORCH_HD static real potentiate(real w, const derived& d, element pre, element) {
    const real x = w + d.eta_post * (pre[0] - d.x_tar) * std::pow(d.w_max - w, d.mu);
    return x < d.w_min ? d.w_min : (x > d.w_max ? d.w_max : x);
  }
};

static_assert(PlasticRule<stdp_weight_dependent>);

}  // namespace spiketorch::learning
