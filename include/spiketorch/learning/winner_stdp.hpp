// STDP of single-spike networks, applied after a presentation to the winners of the competition
// (competition/winners.hpp) only, as Kheradpisheh et al. 2018 and SpykeTorch (snn.STDP) define
// it, written once against the Topology visits so that it trains any projection: the shared
// kernel of a conv2d map (its inside taps: a winner per map, so each entry changes once), a
// local2d window, or a dense neuron's incoming weights.
//
// For a winner j that first fired in step t_j and each synapse (i, k) onto it:
//   dW = a_causal     · (W - w_min)(w_max - W)   if i fired in a step <= t_j,
//   dW = a_anticausal · (W - w_min)(w_max - W)   otherwise (i later or silent),
// then W is clipped to [w_min, w_max]. The multiplicative stabiliser keeps weights inside the
// bounds and drives them towards one of them. Plain STDP: a_causal = a_plus > 0,
// a_anticausal = a_minus < 0.
//
// Reward-modulated STDP (Mozafari et al. 2019): after a rewarded decision the `reward` rates
// apply as above; after a punished one the `punish` rates apply with the roles swapped
// (anti-STDP: causal pairs weaken by |a_minus|, the others strengthen by a_plus).
#pragma once

#include "spiketorch/config.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>

#include "spiketorch/competition/winners.hpp"
#include "spiketorch/core/errors.hpp"
#include "spiketorch/topology/concepts.hpp"

namespace spiketorch::learning {

struct winner_stdp_params {
  double a_plus = 0.004;
  double a_minus = -0.003;
  double w_min = 0.0;
  double w_max = 1.0;
  void validate() const {
    require(std::isfinite(a_plus) && std::isfinite(a_minus), "winner_stdp: rates must be finite");
    require(std::isfinite(w_min) && std::isfinite(w_max) && w_min < w_max,
            "winner_stdp: needs w_min < w_max, got ", w_min, " and ", w_max);
  }
};

/// Which rates a presentation's update takes.
enum class outcome { unsupervised, reward, punish };

/// Updates the weights of topology `topo` onto each winner (targets of topo) from the
/// first-spike steps of its sources and targets (competition::never: silent).
template <topology::Topology T>
void winner_stdp(T& topo, std::span<const index_t> winners, std::span<const std::int64_t> pre_first,
                 std::span<const std::int64_t> post_first, const winner_stdp_params& p,
                 outcome o = outcome::unsupervised) {
  p.validate();
  require(pre_first.size() == topo.n_pre() && post_first.size() == topo.n_post(),
          "winner_stdp: ", pre_first.size(), " and ", post_first.size(),
          " spike steps for a projection of ", topo.n_pre(), " -> ", topo.n_post());
  const bool anti = o == outcome::punish;
  const double causal = anti ? p.a_minus : p.a_plus, anticausal = anti ? p.a_plus : p.a_minus;
  auto w = topo.weights();
  for (const index_t j : winners) {
    require(j < topo.n_post(), "winner_stdp: winner ", j, " of ", topo.n_post(), " targets");
    const std::int64_t t_post = post_first[j];
    require(t_post != competition::never, "winner_stdp: winner ", j, " did not fire");
    topo.for_each_source(j, [&](index_t i, std::size_t k) {
      const std::int64_t t_pre = pre_first[i];
      const bool before = t_pre != competition::never && t_pre <= t_post;
      const double x = w[k];
      const double dw = (before ? causal : anticausal) * (x - p.w_min) * (p.w_max - x);
      w[k] = static_cast<real>(std::clamp(x + dw, p.w_min, p.w_max));
    });
  }
}

/// Kheradpisheh et al.'s schedule: a_plus doubles every `every` presentations up to `max_plus`,
/// with a_minus = ratio · a_plus.
struct rate_schedule {
  double a_plus = 0.004;
  double ratio = -0.75;
  double max_plus = 0.15;
  std::size_t every = 500;
  /// The rates after `presented` presentations.
  winner_stdp_params at(std::size_t presented, winner_stdp_params base = {}) const {
    require(every > 0, "rate_schedule: every must be > 0");
    double a = a_plus;
    for (std::size_t n = every; n <= presented && a < max_plus; n += every)
      a = std::min(2 * a, max_plus);
    base.a_plus = a;
    base.a_minus = ratio * a;
    return base;
  }
};

}  // namespace spiketorch::learning
