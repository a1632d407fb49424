// Leaky integrate-and-fire neuron with an absolute refractory period.
//
//   tau_m dV/dt = (V_rest - V) + drive          (drive = R·I from the synapse kernel, in mV)
//   V >= V_thresh  ->  spike, V <- V_reset, clamp V at V_reset for t_ref
//
// Integration: the synaptic current is drive - conductance·V (synapses/concepts.hpp). Each step
//   V <- V_rest + (V - V_rest)·a + b·(drive - conductance·V)·limit + jump,
//   a = exp(-dt/tau_m), b = 1 - a, limit = min(1, 1 / (b·conductance)).
// For current-based synapses (conductance = 0) this is the exact solution for a drive held over
// the step; exp_current's `exact` scheme hands over the drive that, held, gives the same step as
// its current decaying within the step (synapses/exp_current.hpp), so V is then exact for
// exponential currents too. For conductances it is the explicit (Euler-like) step of Brian 1, which the
// Diehl & Cook results depend on (e.g. one excitatory spike, g = 10.4, makes an inhibitory
// neuron fire in the very next step); `limit` only acts when b·conductance > 1, where the plain
// explicit step would jump past the reversal potential and diverge (many inhibitory spikes in the
// same step): V then moves to the conductance-weighted reversal potential instead.
//
// Refractoriness, in whole steps R = round(t_ref / dt), for a spike in step s (`refractory`):
//   clamp_steps_after_spike (default)  V is clamped at V_reset in steps s+1 .. s+R and integrates
//                  again from step s + R + 1: the shortest inter-spike interval is t_ref + dt
//                  (the Diehl & Cook results were produced with it);
//   since_spike    Brian's rule, `t - lastspike >= t_ref`: clamped in steps s+1 .. s+R-1,
//                  integrating again from step s + max(R, 1): the shortest interval is t_ref
//                  (at least one step).
// With a constant drive that takes k integration steps from V_reset to threshold, the period is
// R + k steps in the first case and max(R, 1) - 1 + k in the second.
// Input arriving while clamped is lost (conductances keep their own dynamics).
//
// | parameter       | unit | default | meaning                                  |
// |-----------------|------|---------|------------------------------------------|
// | tau_m_ms        | ms   | 10      | membrane time constant                   |
// | v_rest_mv       | mV   | -60     | resting potential                        |
// | v_reset_mv      | mV   | -45     | potential after a spike                  |
// | v_thresh_mv     | mV   | -40     | firing threshold                         |
// | refractory_ms   | ms   | 2       | absolute refractory period               |
// | v_init_mv       | mV   | -100    | potential at t = 0                       |
// | refractory      |      | clamp_steps_after_spike | or since_spike (Brian's rule)   |
// Defaults are the inhibitory neurons of Diehl & Cook (2015).
#pragma once

#include "spiketorch/config.hpp"

#include <cmath>

#include "spiketorch/core/errors.hpp"
#include "spiketorch/neurons/concepts.hpp"

namespace spiketorch::neurons {

/// How a refractory period of R steps is counted after a spike in step s (neurons/lif.hpp):
/// clamped in steps s+1 .. s+R (clamp_steps_after_spike), or until t - t_spike >= t_ref as Brian
/// counts it, s+1 .. s+R-1 (since_spike).
enum class refractory_rule { clamp_steps_after_spike, since_spike };

struct lif {
  enum field : std::size_t { v, refractory_left, n_fields };
  static constexpr std::array<std::string_view, n_fields> field_names{"v", "refractory_left"};

  struct params {
    double tau_m_ms = 10.0;
    double v_rest_mv = -60.0;
    double v_reset_mv = -45.0;
    double v_thresh_mv = -40.0;
    double refractory_ms = 2.0;
    double v_init_mv = -100.0;
    refractory_rule refractory = refractory_rule::clamp_steps_after_spike;

    void validate() const {
      require_positive(tau_m_ms, "lif: tau_m_ms");
      require_finite(v_rest_mv, "lif: v_rest_mv");
      require_finite(v_reset_mv, "lif: v_reset_mv");
      require_finite(v_thresh_mv, "lif: v_thresh_mv");
      require_finite(v_init_mv, "lif: v_init_mv");
      require_non_negative(refractory_ms, "lif: refractory_ms");
      require(v_reset_mv < v_thresh_mv, "lif: v_reset_mv (", v_reset_mv,
              ") must be below v_thresh_mv (", v_thresh_mv, ")");
      require(refractory == refractory_rule::clamp_steps_after_spike ||
                  refractory == refractory_rule::since_spike,
              "lif: unknown refractory rule");
    }
  };

  struct derived {
    real decay;  // exp(-dt / tau_m)
    real v_rest, v_reset, v_thresh;
    real refractory_steps;
  };

  static derived derive(const params& p, double dt_ms) {
    p.validate();
    require_positive(dt_ms, "dt_ms");
    return {static_cast<real>(std::exp(-dt_ms / p.tau_m_ms)), static_cast<real>(p.v_rest_mv),
            static_cast<real>(p.v_reset_mv), static_cast<real>(p.v_thresh_mv),
            clamped_steps(p, dt_ms)};
  }

  /// A leaky linear membrane (neurons/concepts.hpp): current kernels may integrate exactly.
  static membrane_info membrane(const params& p) { return {p.tau_m_ms}; }

  /// Steps clamped after the spike's own step.
  static real clamped_steps(const params& p, double dt_ms) {
    const real r = detail::refractory_steps(p.refractory_ms, dt_ms);
    if (p.refractory == refractory_rule::clamp_steps_after_spike) return r;
    return r > real(1) ? r - real(1) : real(0);
  }

  static void init(element s, const params& p) {
    s[v] = static_cast<real>(p.v_init_mv);
    s[refractory_left] = 0;
  }

  SPIKETORCH_HD static void integrate(element s, const derived& d, synaptic_drive in,
                                      step_context) {
    // Branch-free so the backend's loop over neurons vectorises.
    const real refractory = s[refractory_left];
    // Exact leak plus an explicit synaptic step (as Brian's Euler), limited so that V never
    // steps past the conductance-weighted reversal potential: stable for any conductance, and
    // identical to the unlimited step whenever (1 - exp(-dt/tau_m))·conductance <= 1.
    const real b = real(1) - d.decay;
    const real v_leak = d.v_rest + (s[v] - d.v_rest) * d.decay;
    const real bg = b * in.conductance;
    const real limit = bg > real(1) ? real(1) / bg : real(1);
    const real v_new = v_leak + b * (in.drive - in.conductance * s[v]) * limit + in.jump;
    s[v] = refractory > 0 ? d.v_reset : v_new;
    s[refractory_left] = refractory > 0 ? refractory - 1 : real(0);
  }

  SPIKETORCH_HD static bool spiked(element s, const derived& d) {
    return (s[refractory_left] <= 0) & (s[v] > d.v_thresh);
  }

  SPIKETORCH_HD static void reset(element s, const derived& d, step_context) {
    s[v] = d.v_reset;
    s[refractory_left] = d.refractory_steps;
  }
};

static_assert(NeuronModel<lif>);

}  // namespace spiketorch::neurons
