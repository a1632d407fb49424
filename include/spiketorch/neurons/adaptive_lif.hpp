// Leaky integrate-and-fire neuron with an adaptive threshold (homeostasis), as in the excitatory
// layer of Diehl & Cook (2015), following the authors' released code.
//
//   tau_m dV/dt = (V_rest - V) + drive
//   spike when V > V_thresh + theta - theta_offset
//   on a spike: V <- V_reset, clamp for t_ref, and (learning on) theta <- theta + theta_plus
//   (learning on) d theta / dt = -theta / tau_theta
//
// theta starts at theta_init = theta_offset = 20 mV, so the effective threshold starts at
// V_thresh and a silent neuron's threshold drifts towards V_thresh - theta_offset (-72 mV): this
// is the original code's offset, which BindsNET drops. With learning off theta is frozen
// (neither increments nor decays), as in the original test mode.
//
// Float32 and tau_theta = 1e7 ms: the per-step factor exp(-dt/tau_theta) = 1 - 5e-8 is not
// representable in float32 next to 1, so the decay is applied every `theta_decay_every` steps
// with the factor for that many steps, chosen so that one application changes theta by about
// 1e-4 relative (well above rounding). The timing error this introduces is below 1e-4·tau_theta.
//
// The membrane integration and refractoriness are those of `lif` (see lif.hpp).
//
// | parameter       | unit | default | meaning                                        |
// |-----------------|------|---------|------------------------------------------------|
// | tau_m_ms        | ms   | 100     | membrane time constant                         |
// | v_rest_mv       | mV   | -65     | resting potential                              |
// | v_reset_mv      | mV   | -65     | potential after a spike                        |
// | v_thresh_mv     | mV   | -52     | base threshold                                 |
// | refractory_ms   | ms   | 5       | absolute refractory period                     |
// | v_init_mv       | mV   | -105    | potential at t = 0 (V_rest - 40 mV)            |
// | theta_plus_mv   | mV   | 0.05    | threshold increment per spike                  |
// | tau_theta_ms    | ms   | 1e7     | threshold decay time constant                  |
// | theta_offset_mv | mV   | 20      | subtracted from theta in the spike condition   |
// | theta_init_mv   | mV   | 20      | theta at t = 0                                 |
#pragma once

#include "spiketorch/config.hpp"

#include <cmath>

#include "spiketorch/core/errors.hpp"
#include "spiketorch/neurons/concepts.hpp"

namespace spiketorch::neurons {

struct adaptive_lif {
  enum field : std::size_t { v, refractory_left, theta, n_fields };
  static constexpr std::array<std::string_view, n_fields> field_names{"v", "refractory_left",
                                                                      "theta"};

  struct params {
    double tau_m_ms = 100.0;
    double v_rest_mv = -65.0;
    double v_reset_mv = -65.0;
    double v_thresh_mv = -52.0;
    double refractory_ms = 5.0;
    double v_init_mv = -105.0;
    double theta_plus_mv = 0.05;
    double tau_theta_ms = 1e7;
    double theta_offset_mv = 20.0;
    double theta_init_mv = 20.0;

    void validate() const {
      require_positive(tau_m_ms, "adaptive_lif: tau_m_ms");
      require_positive(tau_theta_ms, "adaptive_lif: tau_theta_ms");
      require_non_negative(refractory_ms, "adaptive_lif: refractory_ms");
      require_non_negative(theta_plus_mv, "adaptive_lif: theta_plus_mv");
      for (double x : {v_rest_mv, v_reset_mv, v_thresh_mv, v_init_mv, theta_offset_mv, theta_init_mv})
        require_finite(x, "adaptive_lif: potentials");
      require(v_reset_mv < v_thresh_mv, "adaptive_lif: v_reset_mv (", v_reset_mv,
              ") must be below v_thresh_mv (", v_thresh_mv, ")");
    }
  };

  struct derived {
    real decay;
    real v_rest, v_reset, v_thresh_minus_offset;
    real refractory_steps;
    real theta_plus;
    real theta_decay;                    // factor applied every theta_decay_every steps
    std::uint32_t theta_decay_every;     // >= 1
  };

  static derived derive(const params& p, double dt_ms) {
    p.validate();
    require_positive(dt_ms, "dt_ms");
    const double per_step = dt_ms / p.tau_theta_ms;
    const auto every = static_cast<std::uint32_t>(
        std::max(1.0, std::min(1e6, std::floor(1e-4 / per_step))));
    return {static_cast<real>(std::exp(-dt_ms / p.tau_m_ms)),
            static_cast<real>(p.v_rest_mv),
            static_cast<real>(p.v_reset_mv),
            static_cast<real>(p.v_thresh_mv - p.theta_offset_mv),
            detail::refractory_steps(p.refractory_ms, dt_ms),
            static_cast<real>(p.theta_plus_mv),
            static_cast<real>(std::exp(-per_step * every)),
            every};
  }

  /// A leaky linear membrane (neurons/concepts.hpp): current kernels may integrate exactly.
  static membrane_info membrane(const params& p) { return {p.tau_m_ms}; }

  static void init(element s, const params& p) {
    s[v] = static_cast<real>(p.v_init_mv);
    s[refractory_left] = 0;
    s[theta] = static_cast<real>(p.theta_init_mv);
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

  /// Periodic work (see neurons/concepts.hpp): the slow theta decay, when learning.
  SPIKETORCH_HD static bool periodic_due(const derived& d, step_context ctx) {
    return ctx.learning && (ctx.step + 1) % d.theta_decay_every == 0;
  }
  SPIKETORCH_HD static void periodic(element s, const derived& d) { s[theta] *= d.theta_decay; }

  SPIKETORCH_HD static bool spiked(element s, const derived& d) {
    return (s[refractory_left] <= 0) & (s[v] > d.v_thresh_minus_offset + s[theta]);
  }

  SPIKETORCH_HD static void reset(element s, const derived& d, step_context ctx) {
    s[v] = d.v_reset;
    s[refractory_left] = d.refractory_steps;
    if (ctx.learning) s[theta] += d.theta_plus;
  }
};

static_assert(NeuronModel<adaptive_lif>);

}  // namespace spiketorch::neurons
