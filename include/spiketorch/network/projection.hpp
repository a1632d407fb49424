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
#include <cstring>
#include <span>
#include <string_view>
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
  static_assert(!(Rule::is_plastic && topology::shares_weights_v<Topo>),
                "a per-synapse learning rule cannot train shared weights (conv2d, pool2d): each "
                "kernel entry would take the updates of every position at once");
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
                random_stream stream, topology::column_range columns) {
  if (columns.first == 0 && columns.count == n_post) {
    if constexpr (std::is_constructible_v<T, std::size_t, std::size_t, const typename T::params&,
                                          random_stream>)
      return T(n_pre, n_post, p, stream);
    else
      return T(n_pre, n_post, p);
  } else {
    return T(n_pre, n_post, p, stream, columns);
  }
}
/// Where each source's stored synapses start, here and in the whole projection: the synapses of
/// one source in a share are consecutive in both (topology::column_range), so stored synapse k
/// of the run starting at (local, global) is synapse global + k - local of the projection. Two
/// numbers per source instead of one per synapse.
struct row_runs {
  std::vector<std::size_t> local;
  std::vector<std::uint64_t> global_first;
  row_runs() = default;
  template <class Topo>
  explicit row_runs(const Topo& topo) {
    bool any = false;
    index_t source = 0;
    topo.for_each_synapse([&](index_t i, index_t, std::size_t k) {
      if (!any || i != source) {
        local.push_back(k);
        global_first.push_back(topo.global_synapse(i, k));
        any = true;
        source = i;
      }
    });
  }
  /// The index in the whole projection of stored synapse k, for k increasing from one call to
  /// the next (`at` keeps the run).
  std::uint64_t global(std::size_t k, std::size_t& at) const {
    while (at + 1 < local.size() && local[at + 1] <= k) ++at;
    return global_first[at] + (k - local[at]);
  }
};
}  // namespace detail

template <class P>
struct projection_state {
  using topology_type = typename P::topology_type;
  using rule_type = typename P::rule_type;
  using delay_type = typename P::delay_type;
  static constexpr std::string_view pre_name() { return P::pre.view(); }
  static constexpr std::string_view post_name() { return P::post.view(); }

  bool connected = false;
  topology_type topo{};
  std::vector<delays::steps_t> delay_steps;  // per synapse, empty without delays
  delay_ring ring;                           // spikes in flight, one slot per step of delay
  detail::rule_storage<rule_type> rule;
  std::vector<double> scratch;               // normalisation sums, reused

  // What the synapses were built from: a new share of the targets is built alike (reshare).
  connection_options<P> options{};
  random_stream stream{};
  double dt_ms = 0;
  bool signed_weights = false;
  std::size_t n_pre = 0, n_post = 0;     // of the whole projection
  std::size_t min_delay = 0;             // the whole projection's shortest, in steps
  topology::column_range columns{};      // the targets whose synapses are stored here

  /// All synapses (one process).
  void connect(std::size_t n_pre_, std::size_t n_post_, const connection_options<P>& o,
               double dt_ms_, random_stream stream_, bool signed_weights_) {
    connect(n_pre_, n_post_, o, dt_ms_, stream_, signed_weights_, {0, n_post_});
  }
  /// `signed_weights`: whether the target's synapse kernel takes negative weights. `columns`:
  /// the targets this process stores the synapses of (all of them but over MPI ranks), with
  /// the weights and delays the whole projection gives them.
  void connect(std::size_t n_pre_, std::size_t n_post_, const connection_options<P>& o,
               double dt_ms_, random_stream stream_, bool signed_weights_,
               topology::column_range columns_) {
    // The arguments under the members' names (which take them at the end).
    const std::size_t n_pre = n_pre_, n_post = n_post_;
    const double dt_ms = dt_ms_;
    const random_stream stream = stream_;
    const bool signed_weights = signed_weights_;
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
    topo = detail::make_topology<topology_type>(n_pre, n_post, o.topology, stream, columns_);
    // Each stored synapse takes the draws of its index in the whole projection (one process
    // stores them in that order). A topology whose weights are not each a synapse's own
    // (topology/window2d.hpp) names the whole projection's index of each stored weight itself.
    constexpr bool names_weights =
        requires(const topology_type& t) { t.global_weight(std::size_t(0)); };
    const bool whole = columns_.first == 0 && columns_.count == n_post;
    const detail::row_runs runs =
        whole || names_weights ? detail::row_runs{} : detail::row_runs(topo);
    // Each pass over the stored synapses (in increasing k) takes a fresh one.
    const auto global_index = [&] {
      return [&, at = std::size_t(0)](std::size_t k) mutable -> std::uint64_t {
        if constexpr (names_weights)
          return topo.global_weight(k);
        else
          return whole ? k : runs.global(k, at);
      };
    };
    auto global = global_index();
    auto w = topo.weights();
    if (wi.distribution == weight_distribution::uniform) {
      indexed_uniforms u(stream, 0, 0);
      const double span = wi.high - wi.low;
      for (std::size_t k = 0; k < w.size(); ++k)
        w[k] = static_cast<real>(wi.low + (span > 0 ? span * u.at(global(k)) : 0.0));
    } else {
      // Box-Muller from coordinates (0, 1): uniform weights keep their own draws (0, 0).
      indexed_uniforms u(stream, 0, 1);
      for (std::size_t k = 0; k < w.size(); ++k) {
        const double u1 = 1.0 - double(u.at(2 * global(k))), u2 = u.at(2 * global(k) + 1);
        const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
        w[k] = static_cast<real>(std::clamp(wi.mean + wi.sd * z, lo, hi));  // u1 in (0, 1]
      }
    }
    // The longest delay of the whole projection, so that every share's ring and traces have the
    // same depth as one process's (the history of the learning rule depends on it), and the
    // shortest (network::exchange_interval).
    std::size_t max_delay = 0;
    min_delay = 0;
    if constexpr (delay_type::has_delays) {
      delay_steps = delay_type::draw(topo.n_synapses(), o.delays, dt_ms, stream, global_index());
      min_delay = delays::max_steps;
      for (auto d : delay_steps) {
        max_delay = std::max<std::size_t>(max_delay, d);
        min_delay = std::min<std::size_t>(min_delay, d);
      }
      if (!whole) {
        // A share draws the others' delays too, a block at a time, for their maximum.
        const std::uint64_t all = topo.whole_synapses(), block = 1 << 16;
        for (std::uint64_t g0 = 0; g0 < all; g0 += block) {
          const auto n = static_cast<std::size_t>(std::min(block, all - g0));
          for (auto d : delay_type::draw(n, o.delays, dt_ms, stream,
                                         [&](std::size_t k) { return g0 + k; })) {
            max_delay = std::max<std::size_t>(max_delay, d);
            min_delay = std::min<std::size_t>(min_delay, d);
          }
        }
      }
      ring = delay_ring(max_delay, columns_.count);
    }
    if constexpr (rule_type::is_plastic) {
      rule.params = o.rule;
      rule.derived = rule_type::derive(o.rule, dt_ms);
      rule.state =
          learning::trace_state<rule_type>(n_pre, columns_.count, max_delay, rule.derived);
    } else {
      o.rule.validate();
    }
    options = o;
    this->stream = stream;
    this->dt_ms = dt_ms;
    this->signed_weights = signed_weights;
    this->n_pre = n_pre;
    this->n_post = n_post;
    columns = columns_;
    connected = true;
  }

  /// Whether this process stores every synapse of the projection.
  bool stores_all() const { return columns.first == 0 && columns.count == n_post; }

  /// The weights of the whole projection, in the order one process stores them: this process's
  /// at their places, zero bits elsewhere, then `merge(data, bytes)`, which ors into them
  /// those of the processes that store the other targets (a collective over them, which every
  /// one calls, whatever it stores; or nothing).
  template <class Merge>
  std::vector<real> whole_weights(Merge&& merge) const {
    std::vector<real> all(topo.whole_synapses(), real(0));
    const auto w = topo.weights();
    topo.for_each_synapse(
        [&](index_t i, index_t, std::size_t k) { all[topo.global_synapse(i, k)] = w[k]; });
    merge(static_cast<void*>(all.data()), all.size() * sizeof(real));
    return all;
  }
  /// Sets the stored weights from those of the whole projection.
  void set_whole_weights(std::span<const real> all) {
    auto w = topo.weights();
    topo.for_each_synapse(
        [&](index_t i, index_t, std::size_t k) { w[k] = all[topo.global_synapse(i, k)]; });
  }

  /// Stores the synapses into targets `to` instead, with their weights, the spikes in flight to
  /// them and their learning state as they are now: every process that stores a share calls
  /// this with its new share, and `merge` (see whole_weights) brings the others' values.
  template <class Merge>
  void reshare(topology::column_range to, Merge&& merge) {
    const std::vector<real> all = whole_weights(merge);
    // Each table with a column per target, whole: ours at our columns, then the others'.
    const auto whole_table = [&](const void* data, std::size_t bytes, std::size_t rows) {
      std::vector<unsigned char> t(rows * n_post * bytes, 0);
      if (columns.count > 0)  // (an empty share's arrays may have no storage at all)
        for (std::size_t r = 0; r < rows; ++r)
          std::memcpy(t.data() + (r * n_post + columns.first) * bytes,
                      static_cast<const unsigned char*>(data) + r * columns.count * bytes,
                      columns.count * bytes);
      merge(static_cast<void*>(t.data()), t.size());
      return t;
    };
    const auto cut_table = [&](const std::vector<unsigned char>& t, void* data, std::size_t bytes,
                               std::size_t rows) {
      if (to.count > 0)
        for (std::size_t r = 0; r < rows; ++r)
          std::memcpy(static_cast<unsigned char*>(data) + r * to.count * bytes,
                      t.data() + (r * n_post + to.first) * bytes, to.count * bytes);
    };
    std::vector<unsigned char> ring_all;
    const std::size_t head = ring.head();
    if constexpr (delay_type::has_delays)
      ring_all = whole_table(ring.data(), sizeof(real), ring.slots());
    std::vector<std::vector<unsigned char>> traces_all;
    auto old_rule = std::move(rule);
    if constexpr (rule_type::is_plastic)
      old_rule.state.for_each_target_table([&](void* d, std::size_t bytes, std::size_t rows) {
        traces_all.push_back(whole_table(d, bytes, rows));
      });
    connect(n_pre, n_post, options, dt_ms, stream, signed_weights, to);
    set_whole_weights(all);
    if constexpr (delay_type::has_delays) {
      cut_table(ring_all, ring.data(), sizeof(real), ring.slots());
      ring.set_head(head);
    }
    if constexpr (rule_type::is_plastic) {
      std::size_t t = 0;
      rule.state.for_each_target_table([&](void* d, std::size_t bytes, std::size_t rows) {
        cut_table(traces_all[t++], d, bytes, rows);
      });
      rule.state.continue_from(old_rule.state);
    }
  }

  void reset_state() {
    ring.clear();
    if constexpr (rule_type::is_plastic) rule.state.reset();
  }

  /// The view for a run; the learning state is part of it only while learning is on.
  template <class Map>
  projection_view<topology_type, rule_type, delay_type> view(Map&& m, bool learning) {
    projection_view<topology_type, rule_type, delay_type> v{};
    v.first_target = columns.first;
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
