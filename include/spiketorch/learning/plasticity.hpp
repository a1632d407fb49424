// The CPU learning pass of a plastic projection: trace bookkeeping, delays and the step order of
// learning/concepts.hpp, around the rule's per-synapse functions.
//
// Timing with axonal delays (as Brian 1's STDP on a DelayConnection, which the original Diehl &
// Cook code used): a presynaptic spike emitted at step t_e reaches synapse (i, j) at t_e + d_ij.
//   - The presynaptic trace is updated when the spike is emitted; the trace seen by synapse
//     (i, j) is the neuron's trace d_ij steps in the past (kept lazily, see trace_state), so a
//     postsynaptic spike only potentiates inputs whose spikes have arrived.
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
#include <array>
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

namespace detail {
/// The lookup behind lazy presynaptic traces, shared by the CPU and GPU backends: walks the ring
/// of source i's last spikes (`depth` entries from `head`, newest first) back to the last one at
/// or before step s and writes its trace values decayed by power(f, age) to x (zeros if none).
template <std::size_t NF, class Power>
SPIKETORCH_HD inline void lazy_trace_at(const std::uint64_t* steps, const real* values,
                                        std::size_t head, std::size_t depth, std::size_t i,
                                        std::uint64_t s, Power&& power, real* x) {
  constexpr std::uint64_t never = ~std::uint64_t(0);
  std::size_t h = head;
  for (std::size_t n = 0; n < depth; ++n) {
    const std::size_t slot = i * depth + h;
    const std::uint64_t step = steps[slot];
    if (step == never) break;
    if (step <= s) {
      for (std::size_t f = 0; f < NF; ++f) x[f] = values[slot * NF + f] * power(f, s - step);
      return;
    }
    h = h == 0 ? depth - 1 : h - 1;
  }
  for (std::size_t f = 0; f < NF; ++f) x[f] = 0;
}
}  // namespace detail

/// The traces of one plastic projection and their recent history.
///
/// Presynaptic traces are kept lazily: each source remembers its last spikes (step and trace
/// values just after the spike), and a trace at step s is value · decay^(s - step) of the last
/// spike at or before s. Nothing is done for silent inputs, and reading a trace d steps in the
/// past is as cheap as reading it now. The history holds max_delay + 2 spikes per source, enough
/// for any step within the delay window (at most one spike per step).
/// Postsynaptic traces are stored per target and decayed every step, for active targets only.
template <class R>
class trace_state {
  static constexpr std::size_t n_pre_f = R::n_pre_traces, n_post_f = R::n_post_traces;
  static constexpr std::size_t max_power_table = std::size_t(1) << 16;

 public:
  trace_state() = default;
  trace_state(std::size_t n_pre, std::size_t n_post, std::size_t max_delay,
              const typename R::derived& d)
      : post_(n_post_f, n_post), slots_(max_delay + 1), depth_(max_delay + 2), n_pre_(n_pre),
        n_post_(n_post) {
    hist_step_.assign(depth_ * n_pre, never);
    hist_value_.assign(depth_ * n_pre * n_pre_f, real(0));
    hist_head_.assign(n_pre, 0);
    post_hist_.assign(slots_ * n_post_f * n_post, real(0));
    spike_ring_.resize(slots_);
    for (auto& v : spike_ring_) v.reserve(n_pre);
    last_post_.assign(n_post, 0);
    in_active_.assign(n_post, 0);
    active_.reserve(n_post);
    // decay^k up to the age where it drops below 1e-30 (zero for float purposes; beyond the
    // table only very slow traces need std::pow).
    for (std::size_t f = 0; f < n_pre_f; ++f) {
      pre_decay_[f] = d.pre_decay[f];
      const double decay = d.pre_decay[f];
      std::size_t size = max_power_table;
      if (decay <= 0) size = 1;
      else if (decay < 1) size = std::min<std::size_t>(max_power_table, std::size_t(std::ceil(std::log(1e-30) / std::log(decay))) + 1);
      powers_[f].resize(size);
      for (std::size_t k = 0; k < size; ++k) powers_[f][k] = static_cast<real>(std::pow(decay, double(k)));
      power_tail_zero_[f] = decay < 1 && size < max_power_table;
    }
    double slowest = 0;
    for (std::size_t k = 0; k < n_post_f; ++k) slowest = std::max<double>(slowest, d.post_decay[k]);
    window_ = slowest <= 0 ? 1
              : slowest >= 1 ? std::uint64_t(-1) / 4
                             : std::uint64_t(std::ceil(std::log(negligible_trace) / std::log(slowest)));
  }

  void reset() {
    std::fill(hist_step_.begin(), hist_step_.end(), never);
    std::fill(hist_value_.begin(), hist_value_.end(), real(0));
    std::fill_n(post_.data(), post_.fields() * post_.size(), real(0));
    std::fill(post_hist_.begin(), post_hist_.end(), real(0));
    for (auto& v : spike_ring_) v.clear();
    std::fill(in_active_.begin(), in_active_.end(), 0);
    active_.clear();
    t_ = 0;
  }

  /// Presynaptic trace f of source i as of the current step.
  real pre_value(index_t i, std::size_t f = 0) const {
    real x[n_pre_f];
    pre_at(i, t_ == 0 ? 0 : t_ - 1, x);
    return x[f];
  }
  /// Postsynaptic traces (structure-of-arrays, one field per trace).
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

    // 1. decay the postsynaptic traces where they are not negligible
    real* post = post_.data();
    for (std::size_t f = 0; f < n_post_f; ++f)
      for (index_t j : active_) post[f * n_post_ + j] *= d.post_decay[f];

    // 2. presynaptic spikes of this step update their traces; record the post history
    for (index_t i : pre_spikes) {
      real x[n_pre_f];
      pre_at(i, t_, x);
      R::pre_spike(element{x, 1}, d);
      push_pre(i, x);
    }
    if (max_delay > 0) {
      real* ph = post_hist_.data() + now * n_post_f * n_post_;
      for (std::size_t f = 0; f < n_post_f; ++f)
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
          real* src = max_delay > 0 ? post_hist_.data() + ((t_ + 1 + dk) % slots_) * n_post_f * n_post_
                                    : post;
          w[k] = R::depress(w[k], d, element{src + j, n_post_});
        }
      }
    }
    if (max_delay > 0) spike_ring_[now].assign(pre_spikes.begin(), pre_spikes.end());

    // 4. potentiation by this step's postsynaptic spikes, with each synapse's delayed pre trace
    for (index_t j : post_spikes) {
      const element post_j{post + j, n_post_};
      topo.for_each_source(j, [&](index_t i, std::size_t k) {
        real x[n_pre_f];
        const std::uint64_t dk = max_delay > 0 ? delay_steps[k] : 0;
        if (dk > t_) {  // the synapse's view starts before the first step: nothing arrived
          for (std::size_t f = 0; f < n_pre_f; ++f) x[f] = 0;
        } else {
          pre_at(i, t_ - dk, x);
        }
        w[k] = R::potentiate(w[k], d, element{x, 1}, post_j);
      });
      R::post_spike(post_j, d);
      activate(j);
    }
    ++t_;
  }

 private:
  // A device backend's runner mirrors this whole state (histories, active set, step counter) on
  // the device and writes it back after a run (backend/cuda/runner.cuh).
  template <class B>
  friend struct backend::runner;

  static constexpr std::uint64_t never = ~std::uint64_t(0);

  /// Traces of source i at step s (s <= current step), from its spike history.
  void pre_at(index_t i, std::uint64_t s, real* x) const {
    detail::lazy_trace_at<n_pre_f>(
        hist_step_.data(), hist_value_.data(), hist_head_[i], depth_, i, s,
        [&](std::size_t f, std::uint64_t age) {
          const auto& table = powers_[f];
          return age < table.size() ? table[age]
                 : power_tail_zero_[f]
                     ? real(0)
                     : static_cast<real>(std::pow(double(pre_decay_[f]), double(age)));
        },
        x);
  }
  void push_pre(index_t i, const real* x) {
    std::size_t& h = hist_head_[i];
    if (hist_step_[std::size_t(i) * depth_ + h] != never) h = h + 1 == depth_ ? 0 : h + 1;
    const std::size_t slot = std::size_t(i) * depth_ + h;
    hist_step_[slot] = t_;
    for (std::size_t f = 0; f < n_pre_f; ++f) hist_value_[slot * n_pre_f + f] = x[f];
  }
  void activate(index_t j) {
    last_post_[j] = t_;
    if (in_active_[j]) return;
    in_active_[j] = 1;
    active_.push_back(j);
    // Its history entries are stale from an earlier active period: the traces were zero since.
    for (std::size_t s = 0; s < slots_; ++s)
      for (std::size_t f = 0; f < n_post_f; ++f) post_hist_[(s * n_post_f + f) * n_post_ + j] = 0;
  }
  void retire_inactive() {
    std::size_t kept = 0;
    for (index_t j : active_) {
      // Kept until its traces are negligible and no arrival can still read its history.
      if (t_ - last_post_[j] <= window_ + slots_) {
        active_[kept++] = j;
      } else {
        in_active_[j] = 0;
        for (std::size_t f = 0; f < n_post_f; ++f) post_.field(f)[j] = 0;
      }
    }
    active_.resize(kept);
  }

  soa_block post_;
  std::size_t slots_ = 1, depth_ = 2, n_pre_ = 0, n_post_ = 0;
  std::vector<std::uint64_t> hist_step_;          // [source][depth]: steps of the last spikes
  std::vector<real> hist_value_;                  // [source][depth][trace]: traces after them
  std::vector<std::size_t> hist_head_;            // newest entry per source
  real pre_decay_[n_pre_f]{};
  std::array<std::vector<real>, n_pre_f> powers_; // decay^k while it exceeds 1e-30
  bool power_tail_zero_[n_pre_f]{};
  std::vector<real> post_hist_;                   // [slot][trace][target]
  std::vector<std::vector<index_t>> spike_ring_;  // presynaptic spikes of the last slots steps
  std::vector<std::uint64_t> last_post_;
  std::vector<std::uint8_t> in_active_;
  std::vector<index_t> active_;                   // targets with non-negligible traces
  std::uint64_t window_ = 0, t_ = 0;
};

}  // namespace spiketorch::learning
