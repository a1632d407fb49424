// The stages of one simulation step (step/step.hpp gives their order), written once for every
// backend against the views of step/views.hpp and an execution policy (backend/cpu/
// execution.hpp describes the interface; the CPU runs it with one thread, CUDA with the threads
// of a block). Each stage leaves its results visible to the next only after a barrier, which
// the step places; inside a stage, work is split so that no two iterations write one location.
//
// Floating-point order: every sum into one location happens in the same order on every backend
// (a target's input adds the spikes in increasing source index, whether the policy scatters
// rows spike by spike or gathers target by target), so backends that round alike give the same
// bits (backend/cuda/runner.cuh says how the CUDA build makes sure of that).
#pragma once

#include "spiketorch/config.hpp"

#include <cstdint>
#include <type_traits>

#include "spiketorch/core/soa.hpp"
#include "spiketorch/neurons/concepts.hpp"
#include "spiketorch/step/delayed_rows.hpp"
#include "spiketorch/step/views.hpp"
#include "spiketorch/topology/concepts.hpp"

namespace spiketorch::stages {

/// A policy whose processes hold copies of the state rather than sharing it (MPI ranks:
/// distributed/distributed_execution.hpp): loops over a population's own neurons run on each
/// rank's share only (for_each_owned), every other loop runs whole on every rank.
template <class Policy>
concept distributed_policy = requires { requires Policy::distributed; };

/// f(i) for the neurons of a population of n whose state this process keeps current: all of
/// them, split among the threads of a team as for_each splits any loop; a rank's share of
/// them under a distributed policy.
SPIKETORCH_EXEC_CHECK_DISABLE
template <class Policy, class F>
SPIKETORCH_HD void for_each_owned(const Policy& pol, std::size_t n, F&& f) {
  if constexpr (distributed_policy<Policy>)
    pol.for_each_owned(n, f);
  else
    pol.for_each(n, f);
}

/// Update: drive, integrate, decay the synaptic state, threshold; then the spike list in
/// increasing index order, and the reset of the neurons on it. The per-neuron pass has no
/// branch on the spike, so the CPU compiler vectorises it. `nd_of(i)` gives neuron i's derived
/// constants: the population's one set, or each neuron's own (population_view::nd_each), chosen
/// once per step by update_population so that the uniform loop stays as it was.
SPIKETORCH_EXEC_CHECK_DISABLE
template <class Policy, class Neuron, class Synapse, class DerivedOf>
SPIKETORCH_HD void update_neurons(const Policy& pol, const population_view<Neuron, Synapse>& v,
                                  step_context ctx, DerivedOf nd_of) {
  const std::size_t n = v.size;
  const auto sd = v.sd;
  real* nbase = v.neuron_state;
  real* sbase = v.synapse_state;
  std::uint8_t* __restrict fired = v.fired;
  if constexpr (neurons::HasPeriodicUpdate<Neuron>) {
    if (Neuron::periodic_due(v.nd, ctx))
      for_each_owned(pol, n,
                     [=](std::size_t i) { Neuron::periodic(element{nbase + i, n}, nd_of(i)); });
  }
  // Captures by value: the per-neuron loop then sees its pointers and constants as values the
  // vectoriser can hoist.
  for_each_owned(pol, n, [=](std::size_t i) {
    const element ns{nbase + i, n};
    const element ss{sbase + i, n};
    const synaptic_drive in = Synapse::drive(ss, sd, ns[Neuron::v]);
    Neuron::integrate(ns, nd_of(i), in, ctx);
    Synapse::decay(ss, sd);
    fired[i] = Neuron::spiked(ns, nd_of(i));
  });
  const auto reset = [&](std::size_t i) { Neuron::reset(element{nbase + i, n}, nd_of(i), ctx); };
  if constexpr (distributed_policy<Policy>) {
    // Each rank lists the spikes of its share; the ranks exchange the lists of every population
    // at once when the update stage ends (exchange_spikes).
    pol.list_spikes(fired, static_cast<std::uint32_t>(n), v.spikes, v.n_spikes, reset);
  } else {
    // A partitioning team (backend/cpu/team_execution.hpp) compacts in each thread the flags
    // that thread has just written; the others read every flag.
    if constexpr (!Policy::partitions_targets) pol.barrier();
    const std::uint32_t count =
        pol.compact_flags(fired, static_cast<std::uint32_t>(n), v.spikes, reset);
    pol.single([&] { *v.n_spikes = count; });
  }
}


/// The population's derived constants, the same for every neuron.
template <class Derived>
struct uniform_derived {
  Derived d;
  SPIKETORCH_HD const Derived& operator()(std::size_t) const { return d; }
};
/// Each neuron's own derived constants (per-neuron parameters).
template <class Derived>
struct each_derived {
  const Derived* d;
  SPIKETORCH_HD const Derived& operator()(std::size_t i) const { return d[i]; }
};

SPIKETORCH_EXEC_CHECK_DISABLE
template <class Policy, class Neuron, class Synapse>
SPIKETORCH_HD void update_population(const Policy& pol, const population_view<Neuron, Synapse>& v,
                                     step_context ctx) {
  using derived = typename Neuron::derived;
  if (v.nd_each == nullptr)
    update_neurons(pol, v, ctx, uniform_derived<derived>{v.nd});
  else
    update_neurons(pol, v, ctx, each_derived<derived>{v.nd_each});
}

/// Topology views that visit a row's targets in a range without walking the whole row.
struct ignore_target {
  SPIKETORCH_HD void operator()(index_t, std::size_t) const {}
};
template <class View>
concept has_target_range = requires(const View& v, index_t i, std::size_t n) {
  v.for_each_target_between(i, n, n, ignore_target{});
};

/// f(j, k) for the synapses of source i whose targets j lie in [lo, hi) (a thread's share of the
/// targets: backend/cpu/team_execution.hpp), in increasing j: a slice of a dense row, a binary
/// search into a sparse one, otherwise the row filtered.
SPIKETORCH_EXEC_CHECK_DISABLE
template <class View, class F>
SPIKETORCH_HD void for_each_target_in(const View& topo, index_t i, std::size_t lo, std::size_t hi,
                                      F&& f) {
  if constexpr (View::contiguous_rows) {
    const std::size_t base = topo.row_begin(i);
    for (std::size_t j = lo; j < hi; ++j) f(index_t(j), base + j);
  } else if constexpr (has_target_range<View>) {
    topo.for_each_target_between(i, lo, hi, f);
  } else {
    topo.for_each_target(i, [&](index_t j, std::size_t k) {
      if (j >= lo && j < hi) f(j, k);
    });
  }
}

/// Topologies whose spikes reach few targets of a block quickly (topology/window2d.hpp): a
/// device thread per block of targets scatters every spike into its block, instead of a thread
/// per target asking each spike for its synapse (find). Each target still adds in spike order.
template <class View>
concept scatters_in_blocks =
    has_target_range<View> && requires { requires View::scatters_in_blocks; };

/// f(lo, hi) for the blocks of `block_targets` consecutive targets of [0, n), over the policy's
/// threads.
SPIKETORCH_EXEC_CHECK_DISABLE
template <class Policy, class View, class F>
SPIKETORCH_HD void for_each_target_block(const Policy& pol, const View&, std::size_t n, F&& f) {
  constexpr std::size_t block = View::block_targets;
  pol.for_each((n + block - 1) / block, [&](std::size_t b) {
    const std::size_t lo = b * block, hi = lo + block < n ? lo + block : n;
    f(lo, hi);
  });
}

/// Deliver: the weights of this step's presynaptic spikes go into the target's receptor
/// channel, directly or through the delay ring (into the slot d steps ahead; then the slot due
/// now is drained into the channel and the ring moves on).
SPIKETORCH_EXEC_CHECK_DISABLE
template <class Policy, class Topology, class Rule, class Delays>
SPIKETORCH_HD void deliver(const Policy& pol, const projection_view<Topology, Rule, Delays>& p,
                           spike_list pre, real* channel) {
  using topo_t = typename Topology::view_type;
  const topo_t& topo = p.topo;
  const std::size_t n_post = topo.n_post;
  const real* __restrict w = topo.w;
  // Spikes that never meet at a target can be spread over threads as they are.
  constexpr bool disjoint = topo_t::one_source_per_target;
  if constexpr (Delays::has_delays) {
    const delay_ring_view ring = p.ring;
    const std::size_t head = *ring.head;  // read by all before the barrier below moves it
    const delays::steps_t* __restrict d = p.delays;
    const std::size_t* __restrict off = ring.offsets;
    real* __restrict buf = ring.data;
    auto scatter = [&](index_t i) {
      if constexpr (topo_t::contiguous_rows) {
        const std::size_t base = topo.row_begin(i);
        for (std::size_t j = 0; j < n_post; ++j) buf[off[d[base + j]] + j] += w[base + j];
      } else {
        topo.for_each_target(i, [&](index_t j, std::size_t k) { buf[off[d[k]] + j] += w[k]; });
      }
    };
    if constexpr (topo_t::contiguous_rows && (Policy::partitions_targets || !Policy::gathers)) {
      std::size_t lo = 0, hi = n_post;
      if constexpr (Policy::partitions_targets) {
        const auto share = pol.target_share(n_post);
        lo = share.first;
        hi = share.second;
      }
      scatter_rows_delayed(topo, pre, d, w, ring, lo, hi);
    } else if constexpr (Policy::partitions_targets) {
      const auto share = pol.target_share(n_post);
      for (index_t i : pre)
        for_each_target_in(topo, i, share.first, share.second,
                           [&](index_t j, std::size_t k) { buf[off[d[k]] + j] += w[k]; });
    } else if constexpr (!Policy::gathers) {
      for (index_t i : pre) scatter(i);
    } else if constexpr (disjoint) {
      pol.for_each(pre.size, [&](std::size_t s) { scatter(pre[s]); });
      pol.barrier();
    } else if constexpr (scatters_in_blocks<topo_t>) {
      for_each_target_block(pol, topo, n_post, [&](std::size_t lo, std::size_t hi) {
        for (index_t i : pre)
          topo.for_each_target_between(i, lo, hi,
                                       [&](index_t j, std::size_t k) { buf[off[d[k]] + j] += w[k]; });
      });
      pol.barrier();  // slot 0 is drained below by each target's own thread
    } else {
      pol.for_each(n_post, [&](std::size_t j) {
        for (index_t i : pre) {
          const std::size_t k = topo.find(i, index_t(j));
          if (k != topology::no_synapse) buf[off[d[k]] + j] += w[k];
        }
      });
    }
    // Slot 0 now holds what was scheduled for this step plus this step's delay-0 synapses.
    real* __restrict now = ring.row(0);
    for_each_owned(pol, n_post, [&](std::size_t j) {
      channel[j] += now[j];
      now[j] = 0;
    });
    pol.barrier();
    const std::size_t next = ring.next(head);
    pol.for_each(ring.slots, [&](std::size_t s) { ring.set_offset(next, s); });
    pol.single([&] { *ring.head = next; });
  } else {
    auto scatter = [&](index_t i) {
      if constexpr (topo_t::contiguous_rows) {
        const std::size_t base = topo.row_begin(i);
        for (std::size_t j = 0; j < n_post; ++j) channel[j] += w[base + j];
      } else {
        topo.for_each_target(i, [&](index_t j, std::size_t k) { channel[j] += w[k]; });
      }
    };
    if constexpr (Policy::partitions_targets) {
      const auto share = pol.target_share(n_post);
      for (index_t i : pre)
        for_each_target_in(topo, i, share.first, share.second,
                           [&](index_t j, std::size_t k) { channel[j] += w[k]; });
    } else if constexpr (!Policy::gathers) {
      for (index_t i : pre) scatter(i);
    } else if constexpr (disjoint) {
      pol.for_each(pre.size, [&](std::size_t s) { scatter(pre[s]); });
    } else if constexpr (scatters_in_blocks<topo_t>) {
      for_each_target_block(pol, topo, n_post, [&](std::size_t lo, std::size_t hi) {
        for (index_t i : pre)
          topo.for_each_target_between(i, lo, hi,
                                       [&](index_t j, std::size_t k) { channel[j] += w[k]; });
      });
      pol.barrier();  // the next deliveries and the update take the targets by thread
    } else {
      pol.for_each(n_post, [&](std::size_t j) {
        real acc = channel[j];
        for (index_t i : pre) {
          const std::size_t k = topo.find(i, index_t(j));
          if (k != topology::no_synapse) acc += w[k];
        }
        channel[j] = acc;
      });
    }
  }
}

/// Deliver under a distributed policy: a rank stores the synapses into its own targets only
/// (projection_view::first_target on), and delivers every spike of the step into them.
template <class Policy, class Projection>
void deliver_stored(const Policy& pol, const Projection& p, spike_list pre, real* channel) {
  deliver(pol.local(), p, pre, channel + p.first_target);
}

/// Learn: one step of a plastic projection's rule, in the order of learning/concepts.hpp, with
/// the timing under axonal delays of learning/trace_state.hpp:
///   A. targets silent for longer than the window leave the active set (their traces drop to
///      zero); the others' traces decay and are kept in the history slot of this step;
///   B. this step's presynaptic spikes update their traces;
///   C. depression by the spikes emitted max_delay steps ago (all arrived now), for active
///      targets, with the post traces of each synapse's arrival step;
///   D. potentiation by this step's postsynaptic spikes, with each synapse's delayed pre trace
///      and the post traces before this spike;
///   E. the post traces of the spiking targets, which join the active set.
/// Every synapse changes at most once per part, so splitting a part over threads by target
/// (or by spike) gives the same weights as one thread.
SPIKETORCH_EXEC_CHECK_DISABLE
template <class Policy, class R, class Topology, class Delays>
SPIKETORCH_HD void learn(const Policy& pol, const projection_view<Topology, R, Delays>& p,
                         spike_list pre, spike_list post, std::uint64_t t_local) {
  constexpr std::size_t n_pre_f = R::n_pre_traces, n_post_f = R::n_post_traces;
  const learning::trace_view<R>& r = p.rule;
  const auto& topo = p.topo;
  const auto& d = r.d;
  const std::uint64_t t = r.t0 + t_local;
  const std::size_t slots = r.slots, max_delay = slots - 1, n_post = r.n_post;
  const std::size_t now = static_cast<std::size_t>(t % slots);
  const std::size_t post_block = n_post_f * n_post;
  real* w = topo.w;
  real* post_tr = r.post;
  const delays::steps_t* delay = p.delays;
  index_t* active = r.active;

  // A. (one pass: the compaction keeps an active target after decaying its traces)
  auto retire_or_decay = [&](std::size_t s) {
    const index_t j = active[s];
    if (t - r.last_post[j] > r.window + slots) {
      r.in_active[j] = 0;
      for (std::size_t f = 0; f < n_post_f; ++f) post_tr[f * n_post + j] = 0;
      return false;
    }
    for (std::size_t f = 0; f < n_post_f; ++f) post_tr[f * n_post + j] *= d.post_decay[f];
    if (max_delay > 0)
      for (std::size_t f = 0; f < n_post_f; ++f)
        r.post_hist[now * post_block + f * n_post + j] = post_tr[f * n_post + j];
    return true;
  };
  const std::uint32_t n_active =
      pol.compact(*r.n_active, retire_or_decay, [&](std::size_t s) { return active[s]; }, active);
  // B.
  pol.for_each(pre.size, [&](std::size_t s) {
    const index_t i = pre[s];
    real x[n_pre_f];
    r.pre_at(i, t, x);
    R::pre_spike(element{x, 1}, d);
    r.push_pre(i, t, x);
  });
  pol.barrier();
  // C.
  spike_list due = pre;
  if (max_delay > 0) {
    const std::size_t slot = static_cast<std::size_t>((t + 1) % slots);
    due = {r.recent + slot * r.n_pre, r.n_recent[slot]};
  }
  pol.for_each(n_active, [&](std::size_t s) {
    const index_t j = active[s];
    for (index_t i : due) {
      const std::size_t k = topo.find(i, j);
      if (k == topology::no_synapse) continue;
      // Arrival step t - max_delay + d_k: its slot in the post history ring.
      real* src =
          max_delay > 0 ? r.post_hist + ((t + 1 + delay[k]) % slots) * post_block : post_tr;
      w[k] = R::depress(w[k], d, element{src + j, n_post});
    }
  });
  if (max_delay > 0) {
    index_t* recent_now = r.recent + now * r.n_pre;
    pol.for_each(pre.size, [&](std::size_t s) { recent_now[s] = pre[s]; });
    pol.single([&] { r.n_recent[now] = pre.size; });
  }
  pol.barrier();
  // D.
  for (index_t j : post) {
    const element post_j{post_tr + j, n_post};
    pol.for_each(topo.n_sources(j), [&](std::size_t q) {
      const topology::synapse_ref src = topo.source(j, q);
      real x[n_pre_f];
      const std::uint64_t dk = max_delay > 0 ? delay[src.k] : 0;
      if (dk > t) {  // the synapse's view starts before the first step: nothing arrived
        for (std::size_t f = 0; f < n_pre_f; ++f) x[f] = 0;
      } else {
        r.pre_at(src.pre, t - dk, x);
      }
      w[src.k] = R::potentiate(w[src.k], d, element{x, 1}, post_j);
    });
  }
  pol.barrier();
  // E. (the compaction appends the targets that were not active)
  auto spike_and_join = [&](std::size_t s) {
    const index_t j = post[s];
    R::post_spike(element{post_tr + j, n_post}, d);
    r.last_post[j] = t;
    if (r.in_active[j]) return false;
    r.in_active[j] = 1;
    // Its history entries are stale from an earlier active period: the traces were zero since.
    for (std::size_t x = 0; x < slots * n_post_f; ++x) r.post_hist[x * n_post + j] = 0;
    return true;
  };
  const std::uint32_t n_new = pol.compact(post.size, spike_and_join,
                                          [&](std::size_t s) { return post[s]; }, active + n_active);
  pol.single([&] { *r.n_active = n_active + n_new; });
  pol.barrier();
}

/// Deliver under a distributed policy, by parts: the spikes of a step `age` steps back, which a
/// rank learns of only now (its exchange interval: network::exchange_interval), into the slots
/// of the ring that many steps nearer than their delays (every delay is longer than the age);
/// a rank adds them in the order of their steps, as one process does.
template <class Projection>
void scatter_stored(const Projection& p, spike_list pre, std::size_t age) {
  const auto& topo = p.topo;
  const real* __restrict w = topo.w;
  const delays::steps_t* __restrict d = p.delays;
  const std::size_t* __restrict off = p.ring.offsets;
  real* __restrict buf = p.ring.data;
  for (index_t i : pre)
    topo.for_each_target(i, [&](index_t j, std::size_t k) { buf[off[d[k] - age] + j] += w[k]; });
}
/// ... and at every step, the slot due now into the targets' receptor channel.
template <class Projection>
void drain_stored(const Projection& p, real* channel) {
  const delay_ring_view ring = p.ring;
  real* __restrict now = ring.row(0);
  real* __restrict c = channel + p.first_target;
  for (std::size_t j = 0; j < ring.width; ++j) {
    c[j] += now[j];
    now[j] = 0;
  }
  const std::size_t next = ring.next(*ring.head);
  for (std::size_t s = 0; s < ring.slots; ++s) ring.set_offset(next, s);
  *ring.head = next;
}

/// Learn under a distributed policy: the rule of the synapses a rank stores, with the spikes of
/// its own targets among the postsynaptic ones.
template <class Policy, class Projection>
void learn_stored(const Policy& pol, const Projection& p, spike_list pre, spike_list post,
                  std::uint64_t t_local) {
  learn(pol.local(), p, pre, post.between(p.first_target, p.first_target + p.topo.n_post),
        t_local);
}

/// Spike q of this step into the event recorder after its first `base` events, if there is room
/// (a full buffer keeps what it has; count_events counts the rest as dropped).
SPIKETORCH_HD inline void record_event(const event_recorder_view& e, spike_list s,
                                       std::uint64_t base, std::size_t q, std::uint64_t step) {
  if (q < e.capacity - base) {
    e.neurons[base + q] = s[q];
    e.steps[base + q] = static_cast<std::int64_t>(step);
  }
}
/// Moves the recorder's count past this step's n spikes, as many as fitted.
SPIKETORCH_HD inline void count_events(const event_recorder_view& e, std::uint64_t base,
                                       std::uint64_t n) {
  const std::uint64_t room = e.capacity - base;
  const std::uint64_t kept = n < room ? n : room;
  *e.count = base + kept;
  *e.dropped += n - kept;
}

/// The state recorder's part of record.
SPIKETORCH_EXEC_CHECK_DISABLE
template <class Policy, class View>
SPIKETORCH_HD void record_state(const Policy& pol, const View& v, std::uint64_t t) {
  if constexpr (!View::is_input) {
    if (v.rec.data) {
      if (real* frame = v.rec.frame(t)) {
        // A partitioning team reads other threads' neurons here: after their deliveries, and
        // before they update them in the next step (step/step.hpp, owner_computes).
        if constexpr (Policy::partitions_targets) pol.barrier();
        const real* values = v.field(v.rec.field);
        if constexpr (distributed_policy<Policy>) {
          // The owner's value, zero bits from the others: gather_owned_state merges the frames
          // with a bitwise or after the run.
          // Not a structured binding: clang before 16 cannot capture one in the lambda below.
          const auto share = pol.target_share(v.size);
          const std::size_t lo = share.first, hi = share.second;
          pol.for_each(v.rec.k, [&](std::size_t q) {
            const index_t i = v.rec.neurons[q];
            frame[q] = i >= lo && i < hi ? values[i] : real(0);
          });
        } else {
          pol.for_each(v.rec.k, [&](std::size_t q) { frame[q] = values[v.rec.neurons[q]]; });
        }
        if constexpr (Policy::partitions_targets) pol.barrier();
      }
    }
  }
}

/// Record, the spikes' part: spike counts, the spike raster and the event recorder of a layer.
/// `t` is the step of the run, `step` the network's step counter (what events are stamped with).
SPIKETORCH_EXEC_CHECK_DISABLE
template <class Policy, class View>
SPIKETORCH_HD void record_spikes(const Policy& pol, const View& v, std::uint64_t t,
                                 std::uint64_t step) {
  const spike_list s = v.emitted(t);
  pol.for_each(s.size, [&](std::size_t q) { ++v.counts[s[q]]; });
  pol.single([&] { *v.total += s.size; });
  if (v.raster.data) {
    std::uint8_t* frame = v.raster.frame(t);
    pol.for_each(v.size, [&](std::size_t i) { frame[i] = 0; });
    pol.barrier();
    pol.for_each(s.size, [&](std::size_t q) { frame[s[q]] = 1; });
  }
  if (v.event_rec.neurons) {
    const event_recorder_view e = v.event_rec;
    if constexpr (Policy::partitions_targets) {
      // One thread of a CPU team writes them all (a step has few spikes), so that no meeting is
      // needed between the others' reading the count and its moving on.
      pol.single([&] {
        const std::uint64_t base = *e.count;
        for (std::size_t q = 0; q < s.size; ++q) record_event(e, s, base, q, step);
        count_events(e, base, s.size);
      });
    } else {
      // Every thread reads the count before anyone moves it on (the barrier).
      const std::uint64_t base = *e.count;
      pol.for_each(s.size, [&](std::size_t q) { record_event(e, s, base, q, step); });
      pol.barrier();
      pol.single([&] { count_events(e, base, s.size); });
    }
  }
}

/// Record: the spikes' part and the state recorder of a layer.
SPIKETORCH_EXEC_CHECK_DISABLE
template <class Policy, class View>
SPIKETORCH_HD void record(const Policy& pol, const View& v, std::uint64_t t, std::uint64_t step) {
  record_spikes(pol, v, t, step);
  record_state(pol, v, t);
}

}  // namespace spiketorch::stages
