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
  struct derived {
    real decay_pre, decay_post, eta_pre, eta_post, x_tar, mu, w_min, w_max;
  };
  struct state {
    std::vector<real> pre, post;
  };

  static derived derive(const params& p, double dt_ms) {
    p.validate();
    return {detail::decay_factor(p.tau_pre_ms, dt_ms, "stdp_weight_dependent: tau_pre_ms"),
            detail::decay_factor(p.tau_post_ms, dt_ms, "stdp_weight_dependent: tau_post_ms"),
            static_cast<real>(p.eta_pre),
            static_cast<real>(p.eta_post),
            static_cast<real>(p.x_tar),
            static_cast<real>(p.mu),
            static_cast<real>(p.w_min),
            static_cast<real>(p.w_max)};
  }
  static state make_state(std::size_t n_pre, std::size_t n_post) {
    return {std::vector<real>(n_pre, 0), std::vector<real>(n_post, 0)};
  }
  static void reset(state& s) {
    std::fill(s.pre.begin(), s.pre.end(), real(0));
    std::fill(s.post.begin(), s.post.end(), real(0));
  }

  template <topology::Topology T>
  static void apply(state& s, const derived& d, T& topo, std::span<const index_t> pre_spikes,
                    std::span<const index_t> post_spikes) {
    detail::decay_all(s.pre, d.decay_pre);
    detail::decay_all(s.post, d.decay_post);
    real* w = topo.weights().data();
    for (index_t i : pre_spikes) {
      s.pre[i] = 1;
      topo.for_each_target(i, [&](index_t j, std::size_t k) {
        const real dw = d.eta_pre * s.post[j] * std::pow(w[k], d.mu);
        w[k] = std::max(d.w_min, w[k] - dw);
      });
    }
    for (index_t j : post_spikes) {
      topo.for_each_source(j, [&](index_t i, std::size_t k) {
        const real dw = d.eta_post * (s.pre[i] - d.x_tar) * std::pow(d.w_max - w[k], d.mu);
        w[k] = std::clamp(w[k] + dw, d.w_min, d.w_max);
      });
      s.post[j] = 1;
    }
  }
};

static_assert(PlasticRule<stdp_weight_dependent>);

}  // namespace spiketorch::learning
