// The simulation step, written once for every backend: `run_steps(policy, view, n_steps)` runs
// the steps of one presentation over a network's view (step/views.hpp) with an execution policy
// (the CPU's: backend/cpu/execution.hpp; CUDA's: backend/cuda/execution.cuh).
//
// The order of operations inside one step, fixed for every network and backend.
// Step t (covering simulated time [t·dt, (t+1)·dt)):
//   1. inputs    each input layer takes the spikes its encoder scheduled for step t;
//   2. update    each population, in declaration order: the synapse kernel's drive is computed
//                from its state at the start of the step and V; the neuron integrates (or sits
//                out its refractory period); the synaptic state decays by one step; neurons
//                above threshold spike and are reset (adaptive thresholds rise, when learning);
//   3. deliver   each projection, in declaration order, adds the weights of the spikes its
//                source emitted in step t to the target's receptor channel (after d steps for
//                a synapse with delay d), where they first act in step t + d + 1;
//   4. learn     when learning is on, each plastic projection runs its rule for step t
//                (learning/concepts.hpp gives the order inside a rule);
//   5. record    spike counts, spike rasters, event recorders and state recorders take step t
//                (events are stamped with the network's step counter, steps_done() at the time).
// A subgroup (network/layer.hpp) has no stage of its own: its parent updates and records its
// neurons; projections from it take the parent's spikes in its range, renumbered, and
// projections into it add into the parent's receptor channel from its first neuron on.
// So every connection has an effective latency of one step, as in Brian's update order
// (state update, threshold, propagate) that the Diehl & Cook code ran on; input -> excitatory
// -> inhibitory -> excitatory takes three steps plus delays.
// Over MPI ranks (distributed/distributed_execution.hpp) the ranks learn each other's spikes
// once per exchange interval (network::exchange_interval): stages 3-5 of the spikes of the
// steps since the last exchange then run one step after the other, the delay rings drain every
// step and the state recorders take every step, which gives the same sums in the same order.
#pragma once

#include "spiketorch/config.hpp"

#include <cstdint>

#include "spiketorch/core/device_tuple.hpp"
#include "spiketorch/step/stages.hpp"
#include "spiketorch/step/views.hpp"

namespace spiketorch {

/// The stages of a step, in order (documentation and tests refer to them).
enum class step_stage { inputs, update, deliver, learn, record };

/// Whether every thread of the policy updates, resets and receives into the same share of each
/// population: a partitioning team (backend/cpu/team_execution.hpp) where no projection adds
/// into a subgroup (whose share of targets is not that share of its parent). A neuron's work then
/// stays on one thread from its delivery to its next update, and the threads meet only where one
/// reads what others wrote: the spike lists (the compaction's and the post-update barrier), the
/// weights and traces when learning, and the neurons a state recorder reads (stages::record).
/// Two barriers a step instead of four or more: on a CPU a barrier costs about as much as
/// updating a thousand neurons.
template <class Policy, class Desc>
inline constexpr bool owner_computes = Policy::partitions_targets && !Desc::projects_into_subgroup;

/// Whether one thread of the policy's team runs a step's learning while the others go on
/// (backend/cpu/team_execution.hpp): spikes are sparse, so a step's rule touches few synapses,
/// and splitting it costs more meetings than the work it shares. The thread's next update and
/// the barriers after it order the weights it wrote before the next delivery reads them; the
/// other stages do not read the rules' state.
template <class Policy>
concept learns_alone = requires(const Policy& p) {
  requires Policy::learns_alone;
  p.alone();
};

namespace detail {

/// 2. update: each population, in declaration order.
SPIKETORCH_EXEC_CHECK_DISABLE
template <class Policy, class Desc>
SPIKETORCH_HD void update_all(const Policy& pol, const network_view<Desc>& v, step_context ctx) {
  static_for<Desc::n_layers>([&](auto ic) {
    constexpr std::size_t I = decltype(ic)::value;
    using layer = typename Desc::template layer_t<I>;
    if constexpr (!layer::is_input && !layer::is_subgroup)
      stages::update_population(pol, tuple_at<I>(v.layers), ctx);
  });
}

/// f(projection view, its source layer's view, the receptor channel it adds into), for each
/// projection in declaration order.
template <class Desc, class F>
SPIKETORCH_HD void for_each_projection(const network_view<Desc>& v, F&& f) {
  static_for<Desc::n_projections>([&](auto ic) {
    constexpr std::size_t I = decltype(ic)::value;
    using P = typename Desc::template projection_t<I>;
    using post_layer = typename Desc::template layer_t<P::post_index>;
    const auto& post = tuple_at<P::post_index>(v.layers);
    real* channel = post.channel(post_layer::synapse_type::channel_field(P::target_receptor));
    f(ic, tuple_at<I>(v.projections), tuple_at<P::pre_index>(v.layers), channel);
  });
}

/// 4. learn: each plastic projection's rule for step t, in declaration order; over MPI ranks the
/// rule of the synapses a rank stores.
SPIKETORCH_EXEC_CHECK_DISABLE
template <class Policy, class Desc>
SPIKETORCH_HD void learn_all(const Policy& pol, const network_view<Desc>& v, std::uint64_t t) {
  static_for<Desc::n_projections>([&](auto ic) {
    constexpr std::size_t I = decltype(ic)::value;
    using P = typename Desc::template projection_t<I>;
    if constexpr (P::rule_type::is_plastic) {
      const auto& proj = tuple_at<I>(v.projections);
      const spike_list pre = tuple_at<P::pre_index>(v.layers).emitted(t);
      const spike_list post = tuple_at<P::post_index>(v.layers).emitted(t);
      if constexpr (stages::distributed_policy<Policy>)
        stages::learn_stored(pol, proj, pre, post, t);
      else
        stages::learn(pol, proj, pre, post, t);
    }
  });
}

/// The steps over MPI ranks (distributed/distributed_execution.hpp): each rank updates its own
/// neurons every step, and every `pol.steps_per_exchange()` steps (and at the end of the run)
/// the ranks exchange the spikes of those steps. Then each rank delivers them, step after step,
/// into the targets whose synapses it stores, learns and records their spikes; the delay rings
/// drain every step. With an interval of one step this is the order of run_steps.
template <class Policy, class Desc>
void run_steps_exchanging(const Policy& pol, const network_view<Desc>& v,
                          std::uint64_t n_steps) {
  const std::uint64_t interval = pol.steps_per_exchange();
  std::uint64_t first = 0;  // the first step whose spikes the ranks have not exchanged
  for (std::uint64_t t = 0; t < n_steps; ++t) {
    update_all(pol, v, step_context{v.step0 + t, v.learning});
    if (t + 1 - first == interval || t + 1 == n_steps) {
      pol.exchange_spikes();
      for (std::uint64_t e = first; e <= t; ++e) {
        pol.unpack_step(static_cast<std::size_t>(e - first));
        for_each_projection(v, [&](auto, const auto& proj, const auto& pre, real* channel) {
          if (interval == 1)
            stages::deliver_stored(pol, proj, pre.emitted(e), channel);
          else
            stages::scatter_stored(proj, pre.emitted(e), static_cast<std::size_t>(t - e));
        });
        // network::exchange_interval is one step while a plastic projection learns.
        if (v.learning) learn_all(pol, v, e);
        static_for<Desc::n_layers>([&](auto ic) {
          constexpr std::size_t I = decltype(ic)::value;
          if constexpr (!Desc::template layer_t<I>::is_subgroup)
            stages::record_spikes(pol, tuple_at<I>(v.layers), e, v.step0 + e);
        });
      }
      first = t + 1;
    }
    if (interval > 1)
      for_each_projection(v, [&](auto ic, const auto& proj, const auto&, real* channel) {
        using P = typename Desc::template projection_t<decltype(ic)::value>;
        if constexpr (P::delay_type::has_delays) stages::drain_stored(proj, channel);
      });
    static_for<Desc::n_layers>([&](auto ic) {
      constexpr std::size_t I = decltype(ic)::value;
      if constexpr (!Desc::template layer_t<I>::is_subgroup)
        stages::record_state(pol, tuple_at<I>(v.layers), t);
    });
  }
}

}  // namespace detail

SPIKETORCH_EXEC_CHECK_DISABLE
template <class Policy, class Desc>
SPIKETORCH_HD void run_steps(const Policy& pol, const network_view<Desc>& v, std::uint64_t n_steps) {
  if constexpr (stages::distributed_policy<Policy>) {
    detail::run_steps_exchanging(pol, v, n_steps);
  } else {
    for (std::uint64_t t = 0; t < n_steps; ++t) {
      const step_context ctx{v.step0 + t, v.learning};
      // 1. inputs: input layers read their schedule through emitted(t).
      // 2. update
      detail::update_all(pol, v, ctx);
      pol.barrier();
      // 3. deliver
      detail::for_each_projection(v, [&](auto, const auto& proj, const auto& pre, real* channel) {
        stages::deliver(pol, proj, pre.emitted(t), channel);
        if constexpr (!owner_computes<Policy, Desc>) pol.barrier();
      });
      // 4. learn
      if (v.learning) {
        if constexpr (owner_computes<Policy, Desc> && Desc::has_plastic_projection)
          pol.barrier();  // the rules read and write any weight
        if constexpr (learns_alone<Policy>)
          pol.single([&] { detail::learn_all(pol.alone(), v, t); });
        else
          detail::learn_all(pol, v, t);
      }
      // 5. record (a subgroup's spikes are counted and recorded by its parent)
      static_for<Desc::n_layers>([&](auto ic) {
        constexpr std::size_t I = decltype(ic)::value;
        if constexpr (!Desc::template layer_t<I>::is_subgroup)
          stages::record(pol, tuple_at<I>(v.layers), t, v.step0 + t);
      });
      if constexpr (!owner_computes<Policy, Desc>) pol.barrier();
    }
  }
}

}  // namespace spiketorch
