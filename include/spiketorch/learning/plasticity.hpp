// The CPU learning pass of a plastic projection: trace bookkeeping, delays and the step order of
// learning/concepts.hpp, around the rule's per-synapse functions.
//
// Timing with axonal delays (as Brian 1's STDP on a DelayConnection, which the original Diehl &
// Cook code used): a presynaptic spike emitted at step t_e reaches synapse (i, j) at t_e + d_ij.
//   - The presynaptic trace is updated when the spike is emitted; the trace seen by synapse
//     (i, j) is the neuron's trace d_ij steps in the past (a history ring keeps the last
//     max_delay + 1 steps), so a postsynaptic spike only potentiates inputs that have arrived.
//   - Depression uses the postsynaptic traces at the arrival step t_e + d_ij. It is applied
//     max_delay steps after emission, when all arrivals are in the past, reading a history ring
//     of the postsynaptic traces (the original executes its delayed code the same way).
// Without delays both reduce to the plain per-step order.
//
// Sparse postsynaptic activity: a target neuron whose last spike is older than `window` steps
// has postsynaptic traces below 1e-6 (window = ln(1e-6) / ln(slowest decay)); its traces are set
// to zero and depression skips it. The neglected depression is below nu_pre · 1e-6 per event.
// This turns depression from O(targets) into O(recently active targets) per presynaptic spike.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "spiketorch/core/soa.hpp"
#include "spiketorch/learning/concepts.hpp"
#include "spiketorch/topology/concepts.hpp"
#include "spiketorch/topology/delays.hpp"

namespace spiketorch::backend {
template <class B>
struct runner;
}  // namespace spiketorch::backend

namespace spiketorch::learning {

/// Traces below this are treated as zero (see the header comment).
inline constexpr double negligible_trace = 1e-6;

/// The traces of one plastic projection (structure-of-arrays) and their recent history.
template <class R>
class trace_state {
 public:
  trace_state() = default;
  trace_state(std::size_t n_pre, std::size_t n_post, std::size_t max_delay,
              const typename R::derived& d)
      : pre_(R::n_pre_traces, n_pre), post_(R::n_post_traces, n_post), slots_(max_delay + 1),
        n_pre_(n_pre), n_post_(n_post) {
    pre_hist_.assign(slots_ * R::n_pre_traces * n_pre, real(0));
    post_hist_.assign(slots_ * R::n_post_traces * n_post, real(0));
    spike_ring_.resize(slots_);
    for (auto& v : spike_ring_) v.reserve(n_pre);
    last_post_.assign(n_post, 0);
    in_active_.assign(n_post, 0);
    active_.reserve(n_post);
    double slowest = 0;
    for (std::size_t k = 0; k < R::n_post_traces; ++k) slowest = std::max<double>(slowest, d.post_decay[k]);
    window_ = slowest <= 0 ? 1
              : slowest >= 1 ? std::uint64_t(-1) / 2
                             : std::uint64_t(std::ceil(std::log(negligible_trace) / std::log(slowest)));
  }

  void reset() {
    std::fill_n(pre_.data(), pre_.fields() * pre_.size(), real(0));
    std::fill_n(post_.data(), post_.fields() * post_.size(), real(0));
    std::fill(pre_hist_.begin(), pre_hist_.end(), real(0));
    std::fill(post_hist_.begin(), post_hist_.end(), real(0));
    for (auto& v : spike_ring_) v.clear();
    std::fill(in_active_.begin(), in_active_.end(), 0);
    active_.clear();
    t_ = 0;
  }

  soa_block& pre() { return pre_; }
  soa_block& post() { return post_; }
  std::span<const index_t> active() const { return active_; }
  std::uint64_t window() const { return window_; }

  /// One step of learning (see the header comment for the timing).
  template <topology::Topology T>
  void step(const typename R::derived& d, T& topo, std::span<const delays::steps_t> delay_steps,
            std::span<const index_t> pre_spikes, std::span<const index_t> post_spikes) {
    const std::size_t max_delay = slots_ - 1;
    real* w = topo.weights().data();
    const std::size_t now = t_ % slots_;
    retire_inactive();

    // 1. decay (postsynaptic traces only where they are not negligible)
    for (std::size_t f = 0; f < R::n_pre_traces; ++f) detail::decay_all(pre_.field_span(f), d.pre_decay[f]);
    real* post = post_.data();
    for (std::size_t f = 0; f < R::n_post_traces; ++f)
      for (index_t j : active_) post[f * n_post_ + j] *= d.post_decay[f];

    // 2. presynaptic spikes of this step update their traces; record both histories
    real* pre = pre_.data();
    for (index_t i : pre_spikes) R::pre_spike(element{pre + i, n_pre_}, d);
    if (max_delay > 0) {
      std::copy_n(pre, R::n_pre_traces * n_pre_, pre_hist_.data() + now * R::n_pre_traces * n_pre_);
      real* ph = post_hist_.data() + now * R::n_post_traces * n_post_;
      for (std::size_t f = 0; f < R::n_post_traces; ++f)
        for (index_t j : active_) ph[f * n_post_ + j] = post[f * n_post_ + j];
    }

    // 3. depression for the spikes emitted max_delay steps ago (now all arrived)
    auto& due = spike_ring_[(t_ + 1) % slots_];  // emitted at t - max_delay
    if (max_delay == 0) due.assign(pre_spikes.begin(), pre_spikes.end());
    if (!active_.empty()) {
      for (index_t i : due) {
        for (index_t j : active_) {
          const std::size_t k = topo.find(i, j);
          if (k == topology::no_synapse) continue;
          const std::size_t dk = max_delay > 0 ? delay_steps[k] : 0;
          // Arrival step t - max_delay + dk: its slot in the post history ring.
          const real* src = max_delay > 0
                                ? post_hist_.data() + ((t_ + 1 + dk) % slots_) * R::n_post_traces * n_post_
                                : post;
          w[k] = R::depress(w[k], d, element{const_cast<real*>(src) + j, n_post_});
        }
      }
    }
    if (max_delay > 0) spike_ring_[now].assign(pre_spikes.begin(), pre_spikes.end());

    // 4. potentiation by this step's postsynaptic spikes, with each synapse's delayed pre trace
    for (index_t j : post_spikes) {
      const element post_j{post + j, n_post_};
      if (max_delay == 0) {
        topo.for_each_source(j, [&](index_t i, std::size_t k) {
          w[k] = R::potentiate(w[k], d, element{pre + i, n_pre_}, post_j);
        });
      } else {
        real* hist = pre_hist_.data();
        const std::size_t block = R::n_pre_traces * n_pre_;
        topo.for_each_source(j, [&](index_t i, std::size_t k) {
          const std::size_t slot = (t_ + slots_ - delay_steps[k]) % slots_;
          w[k] = R::potentiate(w[k], d, element{hist + slot * block + i, n_pre_}, post_j);
        });
      }
      R::post_spike(post_j, d);
      activate(j);
    }
    ++t_;
  }

 private:
  // A device backend's runner mirrors this whole state (histories, active set, step) on the
  // device and writes it back after a run.
  template <class B>
  friend struct backend::runner;

  void activate(index_t j) {
    last_post_[j] = t_;
    if (in_active_[j]) return;
    in_active_[j] = 1;
    active_.push_back(j);
    // Its history entries are stale from an earlier active period: the traces were zero since.
    for (std::size_t s = 0; s < slots_; ++s)
      for (std::size_t f = 0; f < R::n_post_traces; ++f)
        post_hist_[(s * R::n_post_traces + f) * n_post_ + j] = 0;
  }
  void retire_inactive() {
    std::size_t kept = 0;
    for (index_t j : active_) {
      // Kept until its traces are negligible and no arrival can still read its history.
      if (t_ - last_post_[j] <= window_ + slots_) {
        active_[kept++] = j;
      } else {
        in_active_[j] = 0;
        for (std::size_t f = 0; f < R::n_post_traces; ++f) post_.field(f)[j] = 0;
      }
    }
    active_.resize(kept);
  }

  soa_block pre_, post_;
  std::size_t slots_ = 1, n_pre_ = 0, n_post_ = 0;
  std::vector<real> pre_hist_, post_hist_;        // [slot][trace][neuron]
  std::vector<std::vector<index_t>> spike_ring_;  // presynaptic spikes of the last slots steps
  std::vector<std::uint64_t> last_post_;
  std::vector<std::uint8_t> in_active_;
  std::vector<index_t> active_;                   // targets with non-negligible traces
  std::uint64_t window_ = 0, t_ = 0;
};

}  // namespace spiketorch::learning
