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
  struct derived {
    real decay_pre, decay_post1, decay_post2, nu_pre, nu_post, w_min, w_max;
  };
  struct state {
    std::vector<real> pre, post1, post2;
  };

  static derived derive(const params& p, double dt_ms) {
    p.validate();
    return {detail::decay_factor(p.tau_pre_ms, dt_ms, "stdp_triplet: tau_pre_ms"),
            detail::decay_factor(p.tau_post1_ms, dt_ms, "stdp_triplet: tau_post1_ms"),
            detail::decay_factor(p.tau_post2_ms, dt_ms, "stdp_triplet: tau_post2_ms"),
            static_cast<real>(p.nu_pre),
            static_cast<real>(p.nu_post),
            static_cast<real>(p.w_min),
            static_cast<real>(p.w_max)};
  }
  static state make_state(std::size_t n_pre, std::size_t n_post) {
    return {std::vector<real>(n_pre, 0), std::vector<real>(n_post, 0),
            std::vector<real>(n_post, 0)};
  }
  static void reset(state& s) {
    for (auto* v : {&s.pre, &s.post1, &s.post2}) std::fill(v->begin(), v->end(), real(0));
  }

  template <topology::Topology T>
  static void apply(state& s, const derived& d, T& topo, std::span<const index_t> pre_spikes,
                    std::span<const index_t> post_spikes) {
    detail::decay_all(s.pre, d.decay_pre);
    detail::decay_all(s.post1, d.decay_post1);
    detail::decay_all(s.post2, d.decay_post2);
    real* __restrict w = topo.weights().data();
    const real* __restrict post1 = s.post1.data();
    const real* __restrict pre = s.pre.data();
    for (index_t i : pre_spikes) {
      s.pre[i] = 1;
      topo.for_each_target(i, [&](index_t j, std::size_t k) {
        w[k] = std::max(d.w_min, w[k] - d.nu_pre * post1[j]);
      });
    }
    for (index_t j : post_spikes) {
      const real gain = d.nu_post * s.post2[j];
      topo.for_each_source(j, [&](index_t i, std::size_t k) {
        w[k] = std::min(d.w_max, w[k] + gain * pre[i]);
      });
      s.post1[j] = 1;
      s.post2[j] = 1;
    }
  }
};

static_assert(PlasticRule<stdp_triplet>);

}  // namespace spiketorch::learning
