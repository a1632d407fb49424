// Projection declarations (part of the network type) and their run-time state.
//
//   projection<"X", "Ae", topology::dense, learning::stdp_triplet, delays::uniform>
//   projection<"Ai", "Ae", topology::all_but_self, learning::none, delays::none, receptor::inhibitory>
//
// A synapse is three orthogonal choices (connectivity, learning rule, delays) plus the receptor
// channel of the target's synapse kernel it feeds; the postsynaptic shape belongs to the target
// population.
#pragma once

#include "spiketorch/config.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "spiketorch/core/fixed_string.hpp"
#include "spiketorch/core/delay_ring.hpp"
#include "spiketorch/core/random.hpp"
#include "spiketorch/learning/concepts.hpp"
#include "spiketorch/learning/trace_state.hpp"
#include "spiketorch/step/views.hpp"
#include "spiketorch/synapses/concepts.hpp"
#include "spiketorch/topology/concepts.hpp"
#include "spiketorch/topology/delays.hpp"

namespace spiketorch {

template <fixed_string Pre, fixed_string Post, topology::Topology Topo,
          learning::LearningRule Rule = learning::none, class Delays = delays::none,
          receptor Receptor = receptor::excitatory>
struct projection {
  static constexpr auto pre = Pre;
  static constexpr auto post = Post;
  static constexpr receptor target_receptor = Receptor;
  using topology_type = Topo;
  using rule_type = Rule;
  using delay_type = Delays;
};

template <class... P>
struct projections {};

/// Initial weights.
///   uniform  in [low, high), or the constant `low` when high == low;
///   normal   mean + sd·N(0, 1), clipped to the rule's [w_min, w_max] when the rule has bounds,
///            else at 0 from below when the target's synapse kernel refuses negative weights
///            (conductances); `low` and `high` are not used.
/// Negative weights are accepted where the target's kernel is current-based (delta_current,
/// exp_current: a negative weight on an excitatory projection acts as inhibition, the currents
/// add linearly) and refused with an error for conductance kernels.
enum class weight_distribution { uniform, normal };
struct weight_init {
  double low = 0.0;
  double high = 1.0;
  weight_distribution distribution = weight_distribution::uniform;
  double mean = 0.0;  // normal
  double sd = 0.0;    // normal
};

/// Everything `network::connect` needs for one projection (designated initialisers welcome).
template <class P>
struct connection_options {
  typename P::topology_type::params topology{};
  weight_init weights{};
  typename P::rule_type::params rule{};
  typename P::delay_type::params delays{};
};

namespace detail {
struct no_rule_state {};
template <class Rule, bool = Rule::is_plastic>
struct rule_storage {
  no_rule_state state;
};
template <class Rule>
struct rule_storage<Rule, true> {
  typename Rule::params params{};
  typename Rule::derived derived{};
  learning::trace_state<Rule> state{};
};

template <class T>
T make_topology(std::size_t n_pre, std::size_t n_post, const typename T::params& p,
                random_stream stream) {
  if constexpr (std::is_constructible_v<T, std::size_t, std::size_t, const typename T::params&,
                                        random_stream>)
    return T(n_pre, n_post, p, stream);
  else
    return T(n_pre, n_post, p);
}
}  // namespace detail

template <class P>
struct projection_state {
  using topology_type = typename P::topology_type;
  using rule_type = typename P::rule_type;
  using delay_type = typename P::delay_type;

  bool connected = false;
  topology_type topo{};
  std::vector<delays::steps_t> delay_steps;  // per synapse, empty without delays
  delay_ring ring;                           // spikes in flight, one slot per step of delay
  detail::rule_storage<rule_type> rule;
  std::vector<double> scratch;               // normalisation sums, reused

  /// `signed_weights`: whether the target's synapse kernel takes negative weights.
  void connect(std::size_t n_pre, std::size_t n_post, const connection_options<P>& o,
               double dt_ms, random_stream stream, bool signed_weights) {
    const weight_init& wi = o.weights;
    if (wi.distribution == weight_distribution::uniform) {
      require(std::isfinite(wi.low) && std::isfinite(wi.high) && wi.low <= wi.high, "connect ",
              P::pre.view(), " -> ", P::post.view(),
              ": weight_init needs finite low <= high, got [", wi.low, ", ", wi.high, ")");
      require(signed_weights || wi.low >= 0, "connect ", P::pre.view(), " -> ", P::post.view(),
              ": weights must be >= 0 for this synapse kernel (conductances), got low = ", wi.low,
              "; inhibition goes through a projection with receptor::inhibitory");
    } else {
      require(wi.distribution == weight_distribution::normal, "connect ", P::pre.view(), " -> ",
              P::post.view(), ": unknown weight distribution");
      require(std::isfinite(wi.mean) && std::isfinite(wi.sd) && wi.sd >= 0, "connect ",
              P::pre.view(), " -> ", P::post.view(),
              ": normal weights need a finite mean and a finite sd >= 0, got mean ", wi.mean,
              ", sd ", wi.sd);
    }
    // Where normal draws are clipped (checked before anything changes).
    double lo = signed_weights ? -HUGE_VAL : 0.0, hi = HUGE_VAL;
    if constexpr (requires { o.rule.w_min + o.rule.w_max; }) {
      if (wi.distribution == weight_distribution::normal) {
        lo = o.rule.w_min;
        hi = o.rule.w_max;
        require(signed_weights || lo >= 0, "connect ", P::pre.view(), " -> ", P::post.view(),
                ": the rule's w_min (", lo, ") must be >= 0 for this synapse kernel");
      }
    }
    topo = detail::make_topology<topology_type>(n_pre, n_post, o.topology, stream);
    auto w = topo.weights();
    if (wi.distribution == weight_distribution::uniform) {
      sequential_uniforms u(stream, 0, 0);
      const double span = wi.high - wi.low;
      for (auto& x : w) x = static_cast<real>(wi.low + (span > 0 ? span * u.next() : 0.0));
    } else {
      // Box-Muller from coordinates (0, 1): uniform weights keep their own draws (0, 0).
      sequential_uniforms u(stream, 0, 1);
      for (auto& x : w) {
        const double u1 = 1.0 - double(u.next()), u2 = u.next();  // u1 in (0, 1]
        const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
        x = static_cast<real>(std::clamp(wi.mean + wi.sd * z, lo, hi));
      }
    }
    if constexpr (delay_type::has_delays) {
      delay_steps = delay_type::draw(topo.n_synapses(), o.delays, dt_ms, stream);
      std::size_t max_d = 0;
      for (auto d : delay_steps) max_d = std::max<std::size_t>(max_d, d);
      ring = delay_ring(max_d, n_post);
    }
    if constexpr (rule_type::is_plastic) {
      rule.params = o.rule;
      rule.derived = rule_type::derive(o.rule, dt_ms);
      std::size_t max_delay = 0;
      for (auto d : delay_steps) max_delay = std::max<std::size_t>(max_delay, d);
      rule.state = learning::trace_state<rule_type>(n_pre, n_post, max_delay, rule.derived);
    } else {
      o.rule.validate();
    }
    connected = true;
  }

  void reset_state() {
    ring.clear();
    if constexpr (rule_type::is_plastic) rule.state.reset();
  }

  /// The view for a run; the learning state is part of it only while learning is on.
  template <class Map>
  projection_view<topology_type, rule_type, delay_type> view(Map&& m, bool learning) {
    projection_view<topology_type, rule_type, delay_type> v{};
    v.topo = topo.view(m, learning && rule_type::is_plastic);
    if constexpr (delay_type::has_delays) {
      v.delays = m.constant(delay_steps);
      v.ring = ring.view(m);
    }
    if constexpr (rule_type::is_plastic)
      if (learning) v.rule = rule.state.view(m);
    return v;
  }
  /// After a run of n steps through view().
  void ran(std::uint64_t n_steps, bool learning) {
    if constexpr (rule_type::is_plastic)
      if (learning) rule.state.ran(n_steps);
  }
};

}  // namespace spiketorch
