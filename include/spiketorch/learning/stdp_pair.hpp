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
  struct derived {
    real decay_pre, decay_post, nu_pre, nu_post, w_min, w_max;
    trace_mode mode;
  };
  struct state {
    std::vector<real> pre, post;
  };

  static derived derive(const params& p, double dt_ms) {
    p.validate();
    return {detail::decay_factor(p.tau_pre_ms, dt_ms, "stdp_pair: tau_pre_ms"),
            detail::decay_factor(p.tau_post_ms, dt_ms, "stdp_pair: tau_post_ms"),
            static_cast<real>(p.nu_pre),
            static_cast<real>(p.nu_post),
            static_cast<real>(p.w_min),
            static_cast<real>(p.w_max),
            p.mode};
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
    real* __restrict w = topo.weights().data();
    const real* __restrict x_post = s.post.data();
    const real* __restrict x_pre = s.pre.data();
    for (index_t i : pre_spikes) {
      detail::bump(s.pre[i], d.mode);
      topo.for_each_target(i, [&](index_t j, std::size_t k) {
        w[k] = std::max(d.w_min, w[k] - d.nu_pre * x_post[j]);
      });
    }
    for (index_t j : post_spikes) {
      topo.for_each_source(j, [&](index_t i, std::size_t k) {
        w[k] = std::min(d.w_max, w[k] + d.nu_post * x_pre[i]);
      });
      detail::bump(s.post[j], d.mode);
    }
  }
};

static_assert(PlasticRule<stdp_pair>);

}  // namespace spiketorch::learning
