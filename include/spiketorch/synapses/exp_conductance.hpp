// Exponentially decaying conductance synapses with reversal potentials, as in Diehl & Cook (2015).
//
//   current = g_exc (E_exc - V) + g_inh (E_inh - V),   dg/dt = -g / tau,   a spike adds its weight to g.
// It is handed to the neuron as drive = g_exc E_exc + g_inh E_inh and conductance = g_exc + g_inh,
// and the neuron limits its step so V never passes the reversal potentials (neurons/lif.hpp).
//
// Conductances are dimensionless, in units of the leak conductance (the original code divides
// its nS conductances by nS), so the drive is in mV; V is pulled towards the reversal potentials
// and never crosses them.
// Each step they decay by exp(-dt / tau) (decay_scheme::exact) or by (1 - dt / tau)
// (decay_scheme::forward_euler, what Brian 1 applied to these non-linear equations in the
// original Diehl & Cook code: at dt = 0.5 ms and tau = 1 ms a spike then delivers a charge of
// w·1 ms instead of w·1.27 ms).
//
// | parameter  | unit | default | meaning                                        |
// |------------|------|---------|------------------------------------------------|
// | tau_exc_ms | ms   | 1       | decay of the excitatory conductance            |
// | tau_inh_ms | ms   | 2       | decay of the inhibitory conductance            |
// | e_exc_mv   | mV   | 0       | excitatory reversal potential                  |
// | e_inh_mv   | mV   | -100    | inhibitory reversal potential (-85 for D&C's inhibitory layer) |
// | scheme     |      | exact   | exact or forward_euler decay                   |
#pragma once

#include "spiketorch/config.hpp"

#include <cmath>

#include "spiketorch/core/errors.hpp"
#include "spiketorch/synapses/concepts.hpp"

namespace spiketorch::synapses {

/// How a synaptic variable decays over one step.
enum class decay_scheme { exact, forward_euler };

namespace detail {
inline real decay_over_step(double dt_ms, double tau_ms, decay_scheme scheme, const char* what) {
  require_positive(tau_ms, what);
  if (scheme == decay_scheme::exact) return static_cast<real>(std::exp(-dt_ms / tau_ms));
  require(dt_ms < tau_ms, what, ": forward Euler needs dt < tau (got dt = ", dt_ms, " ms, tau = ",
          tau_ms, " ms)");
  return static_cast<real>(1.0 - dt_ms / tau_ms);
}
}  // namespace detail

struct exp_conductance {
  enum field : std::size_t { g_exc, g_inh, n_fields };
  static constexpr std::array<std::string_view, n_fields> field_names{"g_exc", "g_inh"};
  // A conductance cannot be negative: inhibition is the inhibitory channel (E_inh).
  static constexpr bool signed_weights = false;
  static constexpr std::size_t channel_field(receptor r) {
    return r == receptor::excitatory ? g_exc : g_inh;
  }

  struct params {
    double tau_exc_ms = 1.0;
    double tau_inh_ms = 2.0;
    double e_exc_mv = 0.0;
    double e_inh_mv = -100.0;
    decay_scheme scheme = decay_scheme::exact;
    void validate() const {
      require_positive(tau_exc_ms, "exp_conductance: tau_exc_ms");
      require_positive(tau_inh_ms, "exp_conductance: tau_inh_ms");
      require_finite(e_exc_mv, "exp_conductance: e_exc_mv");
      require_finite(e_inh_mv, "exp_conductance: e_inh_mv");
      require(e_inh_mv < e_exc_mv, "exp_conductance: e_inh_mv must be below e_exc_mv");
    }
  };
  struct derived {
    real decay_exc, decay_inh, e_exc, e_inh;
  };
  static derived derive(const params& p, double dt_ms) {
    p.validate();
    require_positive(dt_ms, "dt_ms");
    return {detail::decay_over_step(dt_ms, p.tau_exc_ms, p.scheme, "exp_conductance: tau_exc_ms"),
            detail::decay_over_step(dt_ms, p.tau_inh_ms, p.scheme, "exp_conductance: tau_inh_ms"),
            static_cast<real>(p.e_exc_mv), static_cast<real>(p.e_inh_mv)};
  }

  SPIKETORCH_HD static synaptic_drive drive(element s, const derived& d, real) {
    return {s[g_exc] * d.e_exc + s[g_inh] * d.e_inh, s[g_exc] + s[g_inh], 0};
  }
  SPIKETORCH_HD static void decay(element s, const derived& d) {
    s[g_exc] *= d.decay_exc;
    s[g_inh] *= d.decay_inh;
  }
};

static_assert(SynapseKernel<exp_conductance>);

}  // namespace spiketorch::synapses
