// Exponentially decaying current synapses.
//
//   drive = I_exc - I_inh,   dI/dt = -I / tau,   a spike adds its weight (mV of R·I) to I.
//
// The currents decay exactly: I <- I · exp(-dt / tau) each step. How they move the membrane over
// a step is the `scheme`:
//   held_over_step (default)  the current at the start of the step is held over it: a LIF
//                             membrane gains (1 - exp(-dt/tau_m))·I (Brian's and the original
//                             Diehl & Cook code's order of operations; results of earlier
//                             versions are unchanged bit for bit);
//   exact                     the current decays during the step as it does in continuous time,
//                             so V follows the exact solution of the linear equations at every
//                             step boundary, whatever dt (the propagator of NEST's iaf_psc_exp,
//                             Brian's method='exact'):
//       V(t + dt) = V_rest + (V - V_rest)·e^{-dt/tau_m} + P·I,
//       P = tau_s / (tau_s - tau_m) · (e^{-dt/tau_s} - e^{-dt/tau_m})
//         = e^{-dt/tau_m} · (dt/tau_m) · expm1(x) / x,  x = dt (1/tau_m - 1/tau_s),
//     the second form exact and stable as tau_s -> tau_m (where P = (dt/tau_m) e^{-dt/tau_m}).
//     It needs a leaky linear membrane (lif, adaptive_lif: neurons/concepts.hpp, membrane_info),
//     whose update adds (1 - e^{-dt/tau_m})·drive: the kernel hands it the drive P/(1 -
//     e^{-dt/tau_m})·I. Other neuron models refuse it with an error.
// Weights may be negative (signed_weights): a current of the other sign.
//
// | parameter  | unit | default        | meaning                                   |
// |------------|------|----------------|-------------------------------------------|
// | tau_exc_ms | ms   | 5              | decay of the excitatory current           |
// | tau_inh_ms | ms   | 10             | decay of the inhibitory current           |
// | scheme     |      | held_over_step | held_over_step or exact (see above)       |
#pragma once

#include "spiketorch/config.hpp"

#include <cmath>

#include "spiketorch/core/errors.hpp"
#include "spiketorch/neurons/concepts.hpp"
#include "spiketorch/synapses/concepts.hpp"

namespace spiketorch::synapses {

/// How a decaying current drives the membrane over one step (see exp_current).
enum class current_scheme { held_over_step, exact };

struct exp_current {
  enum field : std::size_t { i_exc, i_inh, n_fields };
  static constexpr std::array<std::string_view, n_fields> field_names{"i_exc", "i_inh"};
  // Currents add linearly: a negative weight on either channel is a current of the other sign.
  static constexpr bool signed_weights = true;
  static constexpr std::size_t channel_field(receptor r) {
    return r == receptor::excitatory ? i_exc : i_inh;
  }

  struct params {
    double tau_exc_ms = 5.0;
    double tau_inh_ms = 10.0;
    current_scheme scheme = current_scheme::held_over_step;
    void validate() const {
      require_positive(tau_exc_ms, "exp_current: tau_exc_ms");
      require_positive(tau_inh_ms, "exp_current: tau_inh_ms");
      require(scheme == current_scheme::held_over_step || scheme == current_scheme::exact,
              "exp_current: unknown scheme");
    }
  };
  struct derived {
    real decay_exc, decay_inh;
    real gain_exc, gain_inh;  // drive per unit current: 1 when held over the step
  };
  /// Without a membrane: only the held_over_step scheme.
  static derived derive(const params& p, double dt_ms) { return derive(p, dt_ms, {}); }
  static derived derive(const params& p, double dt_ms, neurons::membrane_info m) {
    p.validate();
    require_positive(dt_ms, "dt_ms");
    derived d{static_cast<real>(std::exp(-dt_ms / p.tau_exc_ms)),
              static_cast<real>(std::exp(-dt_ms / p.tau_inh_ms)), real(1), real(1)};
    if (p.scheme == current_scheme::exact) {
      require(m.tau_m_ms > 0,
              "exp_current: the exact scheme needs a leaky linear membrane (lif, adaptive_lif); "
              "use scheme = held_over_step with this neuron model");
      d.gain_exc = static_cast<real>(exact_gain(dt_ms, m.tau_m_ms, p.tau_exc_ms));
      d.gain_inh = static_cast<real>(exact_gain(dt_ms, m.tau_m_ms, p.tau_inh_ms));
    }
    return d;
  }

  /// P / (1 - e^{-dt/tau_m}) (see the header comment), in double.
  static double exact_gain(double dt_ms, double tau_m_ms, double tau_s_ms) {
    const double x = dt_ms * (1.0 / tau_m_ms - 1.0 / tau_s_ms);
    const double ratio = x == 0.0 ? 1.0 : std::expm1(x) / x;
    const double p = std::exp(-dt_ms / tau_m_ms) * (dt_ms / tau_m_ms) * ratio;
    return p / -std::expm1(-dt_ms / tau_m_ms);
  }

  SPIKETORCH_HD static synaptic_drive drive(element s, const derived& d, real) {
    return {d.gain_exc * s[i_exc] - d.gain_inh * s[i_inh], 0, 0};
  }
  SPIKETORCH_HD static void decay(element s, const derived& d) {
    s[i_exc] *= d.decay_exc;
    s[i_inh] *= d.decay_inh;
  }
};

static_assert(SynapseKernel<exp_current>);

}  // namespace spiketorch::synapses
