// CPU implementations of the per-step operations. Each is a plain loop over structure-of-arrays
// state calling the per-element model code; nothing here allocates or dispatches at run time.
#pragma once

#include <algorithm>
#include <cstring>
#if defined(SPIKETORCH_HAVE_OPENMP)
#include <omp.h>
#endif
#include <span>

#include "spiketorch/backend/concepts.hpp"
#include "spiketorch/network/layer.hpp"
#include "spiketorch/network/projection.hpp"

namespace spiketorch::backend {

/// Populations at least this large are updated by all OpenMP threads (when built with OpenMP).
inline constexpr std::size_t cpu_parallel_min_neurons = 32768;

/// Integrate every neuron of a population for one step, then threshold and reset.
/// Two passes: the first is branch-light and vectorisable, the second visits spiking neurons.
template <>
struct kernel<op::update_population, cpu> {
  template <class Neuron, class Synapse, class State>
  static void update_range(State& pop, std::size_t lo, std::size_t hi, step_context ctx) {
    const std::size_t n = pop.size;
    const auto nd = pop.neuron_derived;
    const auto sd = pop.synapse_derived;
    real* nbase = pop.neuron_state.data();
    real* sbase = pop.synapse_state.data();
    std::uint8_t* __restrict fired = pop.fired.data();
    SPIKETORCH_SIMD_LOOP
    for (std::size_t i = lo; i < hi; ++i) {
      const element ns{nbase + i, n};
      const element ss{sbase + i, n};
      const synaptic_drive in = Synapse::drive(ss, sd, ns[Neuron::v]);
      Neuron::integrate(ns, nd, in, ctx);
      Synapse::decay(ss, sd);
      fired[i] = Neuron::spiked(ns, nd);
    }
  }

  template <class Neuron, class Synapse, class State>
  static void run(State& pop, step_context ctx) {
    const std::size_t n = pop.size;
    const auto& nd = pop.neuron_derived;
    real* nbase = pop.neuron_state.data();
    if constexpr (neurons::HasPeriodicUpdate<Neuron>) {
      if (Neuron::periodic_due(nd, ctx))
        for (std::size_t i = 0; i < n; ++i) Neuron::periodic(element{nbase + i, n}, nd);
    }
#if defined(SPIKETORCH_HAVE_OPENMP)
    // Only very large populations amortise a parallel region per step (a few microseconds).
    if (n >= cpu_parallel_min_neurons) {
#pragma omp parallel
      {
        const std::size_t t = std::size_t(omp_get_thread_num()), nt = std::size_t(omp_get_num_threads());
        update_range<Neuron, Synapse>(pop, n * t / nt, n * (t + 1) / nt, ctx);
      }
    } else {
      update_range<Neuron, Synapse>(pop, 0, n, ctx);
    }
#else
    update_range<Neuron, Synapse>(pop, 0, n, ctx);
#endif
    std::uint8_t* __restrict fired = pop.fired.data();
    auto& spikes = pop.spikes.current;
    spikes.clear();
    // Spikes are rare: skip eight silent neurons at a time.
    for (std::size_t i0 = 0; i0 < n; i0 += 8) {
      if (i0 + 8 <= n) {
        std::uint64_t word;
        std::memcpy(&word, fired + i0, sizeof word);
        if (word == 0) continue;
      }
      for (std::size_t i = i0; i < std::min(i0 + 8, n); ++i) {
        if (!fired[i]) continue;
        Neuron::reset(element{nbase + i, n}, nd, ctx);
        spikes.push_back(static_cast<index_t>(i));
      }
    }
  }
};

/// Deliver the spikes a source emitted in this step into the target's synaptic channel, directly
/// or through the delay ring (scatter into the slots d steps ahead, then move the slot due now
/// into the channel and advance the ring).
template <>
struct kernel<op::deliver_spikes, cpu> {
  template <class P, class Proj>
  static void run(Proj& proj, std::span<const index_t> pre_spikes, real* __restrict channel) {
    using topo_t = typename P::topology_type;
    const auto& topo = proj.topo;
    const real* __restrict w = proj.topo.weights().data();
    if constexpr (P::delay_type::has_delays) {
      auto& ring = proj.ring;
      const std::size_t n_post = topo.n_post();
      const std::uint8_t* __restrict d = proj.delay_steps.data();
      const std::size_t* __restrict off = ring.offsets();
      real* __restrict buf = ring.data();
      for (index_t i : pre_spikes) {
        if constexpr (topo_t::contiguous_rows) {
          const std::size_t base = topo.row_begin(i);
          for (std::size_t j = 0; j < n_post; ++j) buf[off[d[base + j]] + j] += w[base + j];
        } else {
          topo.for_each_target(i, [&](index_t j, std::size_t k) { buf[off[d[k]] + j] += w[k]; });
        }
      }
      // Slot 0 now holds what was scheduled for this step plus this step's delay-0 synapses.
      const real* __restrict now = ring.row(0);
      for (std::size_t j = 0; j < n_post; ++j) channel[j] += now[j];
      ring.advance();
    } else {
      for (index_t i : pre_spikes) {
        if constexpr (topo_t::contiguous_rows) {
          const std::size_t base = topo.row_begin(i);
          const std::size_t n_post = topo.n_post();
          for (std::size_t j = 0; j < n_post; ++j) channel[j] += w[base + j];
        } else {
          topo.for_each_target(i, [&](index_t j, std::size_t k) { channel[j] += w[k]; });
        }
      }
    }
  }
};

/// One step of a plastic projection's learning rule.
template <>
struct kernel<op::apply_learning, cpu> {
  template <class P, class Proj>
  static void run(Proj& proj, std::span<const index_t> pre_spikes,
                  std::span<const index_t> post_spikes) {
    proj.rule.state.step(proj.rule.derived, proj.topo, proj.delay_steps, pre_spikes, post_spikes);
  }
};

/// The CPU runs a presentation as a plain loop over the network's steps.
template <>
struct runner<cpu> {
  template <class Net>
  static void run(Net& net, std::uint64_t n_steps) {
    for (std::uint64_t t = 0; t < n_steps; ++t) net.step(t);
  }
};

}  // namespace spiketorch::backend
