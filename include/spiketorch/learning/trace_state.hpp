// The traces of a plastic projection and their recent history: the state that the learning
// stage of the step (step/stages.hpp, `learn`) reads and writes, on any backend, through
// `trace_view`.
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

#include "spiketorch/config.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "spiketorch/core/array_map.hpp"
#include "spiketorch/core/soa.hpp"
#include "spiketorch/learning/concepts.hpp"

namespace spiketorch::learning {

/// Traces below this are treated as zero (see the header comment).
inline constexpr double negligible_trace = 1e-6;

/// The learning state of one plastic projection as the step sees it: plain pointers into the
/// arrays of a trace_state (host or device copies) and its constants.
template <class R>
struct trace_view {
  static constexpr std::size_t n_pre_f = R::n_pre_traces, n_post_f = R::n_post_traces;
  static constexpr std::uint64_t never = ~std::uint64_t(0);

  typename R::derived d;
  std::uint64_t* hist_step;  // [source][depth]: steps of the last spikes, `never` when unused
  real* hist_value;          // [source][depth][trace]: traces just after them
  std::size_t* hist_head;    // [source]: newest entry
  const real* powers;        // decay^k of trace f at powers[power_offset[f] + k]
  std::size_t power_offset[n_pre_f];
  std::size_t power_size[n_pre_f];
  bool power_tail_zero[n_pre_f];  // beyond the table the power is 0 (else pow())
  real* post;                // [trace][target]
  real* post_hist;           // [slot][trace][target]
  index_t* recent;           // presynaptic spikes of the last `slots` steps: [slot][source]
  std::uint32_t* n_recent;   // [slot]
  std::uint64_t* last_post;  // [target]: step of its last spike
  std::uint8_t* in_active;   // [target]: its traces are not negligible
  index_t* active;           // the active targets, in activation order: [target]
  std::uint32_t* n_active;
  std::uint64_t t0;          // the state's step counter at step 0 of the run
  std::uint64_t window;      // steps after which a silent target's traces are negligible
  std::size_t slots, depth;  // max_delay + 1, max_delay + 2
  std::size_t n_pre, n_post;

  /// Traces of source i at step s (s <= the current step), from its spike history: the last
  /// spike at or before s, decayed by its age (zeros if there is none).
  SPIKETORCH_HD void pre_at(index_t i, std::uint64_t s, real* x) const {
    std::size_t h = hist_head[i];
    for (std::size_t n = 0; n < depth; ++n) {
      const std::size_t slot = std::size_t(i) * depth + h;
      const std::uint64_t step = hist_step[slot];
      if (step == never) break;
      if (step <= s) {
        for (std::size_t f = 0; f < n_pre_f; ++f)
          x[f] = hist_value[slot * n_pre_f + f] * power(f, s - step);
        return;
      }
      h = h == 0 ? depth - 1 : h - 1;
    }
    for (std::size_t f = 0; f < n_pre_f; ++f) x[f] = 0;
  }
  SPIKETORCH_HD real power(std::size_t f, std::uint64_t age) const {
    if (age < power_size[f]) return powers[power_offset[f] + age];
    if (power_tail_zero[f]) return real(0);
    return static_cast<real>(::pow(double(d.pre_decay[f]), double(age)));
  }
  /// Records a spike of source i at step t with traces x.
  SPIKETORCH_HD void push_pre(index_t i, std::uint64_t t, const real* x) const {
    std::size_t& h = hist_head[i];
    if (hist_step[std::size_t(i) * depth + h] != never) h = h + 1 == depth ? 0 : h + 1;
    const std::size_t slot = std::size_t(i) * depth + h;
    hist_step[slot] = t;
    for (std::size_t f = 0; f < n_pre_f; ++f) hist_value[slot * n_pre_f + f] = x[f];
  }
};

/// The traces of one plastic projection and their recent history (host storage).
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
  static constexpr std::uint64_t never = ~std::uint64_t(0);

 public:
  trace_state() = default;
  trace_state(std::size_t n_pre, std::size_t n_post, std::size_t max_delay,
              const typename R::derived& d)
      : d_(d), post_(n_post_f, n_post), slots_(max_delay + 1), depth_(max_delay + 2),
        n_pre_(n_pre), n_post_(n_post) {
    hist_step_.assign(depth_ * n_pre, never);
    hist_value_.assign(depth_ * n_pre * n_pre_f, real(0));
    hist_head_.assign(n_pre, 0);
    post_hist_.assign(slots_ * n_post_f * n_post, real(0));
    recent_.assign(slots_ * n_pre, 0);
    n_recent_.assign(slots_, 0);
    last_post_.assign(n_post, 0);
    in_active_.assign(n_post, 0);
    active_.assign(n_post, 0);
    // decay^k up to the age where it drops below 1e-30 (zero for float purposes; beyond the
    // table only very slow traces need pow).
    for (std::size_t f = 0; f < n_pre_f; ++f) {
      const double decay = d.pre_decay[f];
      std::size_t size = max_power_table;
      if (decay <= 0)
        size = 1;
      else if (decay < 1)
        size = std::min<std::size_t>(
            max_power_table, std::size_t(std::ceil(std::log(1e-30) / std::log(decay))) + 1);
      power_offset_[f] = powers_.size();
      power_size_[f] = size;
      for (std::size_t k = 0; k < size; ++k)
        powers_.push_back(static_cast<real>(std::pow(decay, double(k))));
      power_tail_zero_[f] = decay < 1 && size < max_power_table;
    }
    double slowest = 0;
    for (std::size_t k = 0; k < n_post_f; ++k) slowest = std::max<double>(slowest, d.post_decay[k]);
    window_ = slowest <= 0   ? 1
              : slowest >= 1 ? std::uint64_t(-1) / 4
                             : std::uint64_t(std::ceil(std::log(negligible_trace) / std::log(slowest)));
  }

  void reset() {
    std::fill(hist_step_.begin(), hist_step_.end(), never);
    std::fill(hist_value_.begin(), hist_value_.end(), real(0));
    std::fill_n(post_.data(), post_.fields() * post_.size(), real(0));
    std::fill(post_hist_.begin(), post_hist_.end(), real(0));
    std::fill(n_recent_.begin(), n_recent_.end(), 0u);
    std::fill(in_active_.begin(), in_active_.end(), 0);
    n_active_ = 0;
    t_ = 0;
  }

  /// Presynaptic trace f of source i as of the current step.
  real pre_value(index_t i, std::size_t f = 0) {
    real x[n_pre_f];
    view(host_map{}).pre_at(i, t_ == 0 ? 0 : t_ - 1, x);
    return x[f];
  }
  /// Postsynaptic traces (structure-of-arrays, one field per trace).
  soa_block& post() { return post_; }
  std::span<const index_t> active() const { return {active_.data(), n_active_}; }
  std::uint64_t window() const { return window_; }
  /// Learning steps taken since the last reset.
  std::uint64_t steps() const { return t_; }

  template <class Map>
  trace_view<R> view(Map&& m) {
    trace_view<R> v{};
    v.d = d_;
    v.hist_step = m.state(hist_step_);
    v.hist_value = m.state(hist_value_);
    v.hist_head = m.state(hist_head_);
    v.powers = m.constant(powers_);
    for (std::size_t f = 0; f < n_pre_f; ++f) {
      v.power_offset[f] = power_offset_[f];
      v.power_size[f] = power_size_[f];
      v.power_tail_zero[f] = power_tail_zero_[f];
    }
    v.post = m.state(post_.storage());
    v.post_hist = m.state(post_hist_);
    v.recent = m.state(recent_);
    v.n_recent = m.state(n_recent_);
    v.last_post = m.state(last_post_);
    v.in_active = m.state(in_active_);
    v.active = m.state(active_);
    v.n_active = m.state(n_active_);
    v.t0 = t_;
    v.window = window_;
    v.slots = slots_;
    v.depth = depth_;
    v.n_pre = n_pre_;
    v.n_post = n_post_;
    return v;
  }
  /// After `n_steps` learning steps through view().
  void ran(std::uint64_t n_steps) { t_ += n_steps; }

  /// f(data, element_bytes, rows) for each array with a column per target (rows of n_post
  /// elements): what a share of the targets holds of this state (network::set_ranks moves
  /// them); the rest is per source or per step, the same for every share.
  template <class F>
  void for_each_target_table(F&& f) {
    f(static_cast<void*>(post_.data()), sizeof(real), n_post_f);
    f(static_cast<void*>(post_hist_.data()), sizeof(real), slots_ * n_post_f);
    f(static_cast<void*>(last_post_.data()), sizeof(std::uint64_t), std::size_t(1));
    f(static_cast<void*>(in_active_.data()), sizeof(std::uint8_t), std::size_t(1));
  }
  /// This state for other targets: the per-source state and step of `o`, whose per-target
  /// tables were copied in already (for_each_target_table); the active targets in increasing
  /// order (their order changes no value: each target's updates are its own).
  void continue_from(const trace_state& o) {
    hist_step_ = o.hist_step_;
    hist_value_ = o.hist_value_;
    hist_head_ = o.hist_head_;
    recent_ = o.recent_;
    n_recent_ = o.n_recent_;
    t_ = o.t_;
    n_active_ = 0;
    for (std::size_t j = 0; j < n_post_; ++j)
      if (in_active_[j]) active_[n_active_++] = static_cast<index_t>(j);
  }

 private:
  typename R::derived d_{};
  soa_block post_;
  std::size_t slots_ = 1, depth_ = 2, n_pre_ = 0, n_post_ = 0;
  std::vector<std::uint64_t> hist_step_;
  std::vector<real> hist_value_;
  std::vector<std::size_t> hist_head_;
  std::vector<real> powers_;
  std::size_t power_offset_[n_pre_f]{};
  std::size_t power_size_[n_pre_f]{};
  bool power_tail_zero_[n_pre_f]{};
  std::vector<real> post_hist_;
  std::vector<index_t> recent_;
  std::vector<std::uint32_t> n_recent_;
  std::vector<std::uint64_t> last_post_;
  std::vector<std::uint8_t> in_active_;
  std::vector<index_t> active_;
  std::uint32_t n_active_ = 0;
  std::uint64_t window_ = 0, t_ = 0;
};

}  // namespace spiketorch::learning
