// Non-leaky (perfect) integrate-and-fire neuron.
//
//   tau_m dV/dt = drive - conductance·V,   V >= V_thresh -> spike, V <- V_reset, clamp for t_ref
//
// Integrated exactly for piecewise-constant current (V(t + dt) = V(t) + drive·dt/tau_m + jump),
// with conductances taken implicitly.
// tau_m only scales the drive so that the same synapse kernels can feed it as the LIF.
//
// | parameter     | unit | default | meaning                        |
// |---------------|------|---------|--------------------------------|
// | tau_m_ms      | ms   | 10      | scale of the drive             |
// | v_reset_mv    | mV   | 0       | potential after a spike        |
// | v_thresh_mv   | mV   | 1       | firing threshold               |
// | refractory_ms | ms   | 0       | absolute refractory period     |
// | v_init_mv     | mV   | 0       | potential at t = 0             |
#pragma once

#include "spiketorch/config.hpp"

#include "spiketorch/core/errors.hpp"
#include "spiketorch/neurons/concepts.hpp"

namespace spiketorch::neurons {

struct integrate_and_fire {
  enum field : std::size_t { v, refractory_left, n_fields };
  static constexpr std::array<std::string_view, n_fields> field_names{"v", "refractory_left"};

  struct params {
    double tau_m_ms = 10.0;
    double v_reset_mv = 0.0;
    double v_thresh_mv = 1.0;
    double refractory_ms = 0.0;
    double v_init_mv = 0.0;

    void validate() const {
      require_positive(tau_m_ms, "integrate_and_fire: tau_m_ms");
      require_non_negative(refractory_ms, "integrate_and_fire: refractory_ms");
      require_finite(v_init_mv, "integrate_and_fire: v_init_mv");
      require(v_reset_mv < v_thresh_mv, "integrate_and_fire: v_reset_mv (", v_reset_mv,
              ") must be below v_thresh_mv (", v_thresh_mv, ")");
    }
  };

  struct derived {
    real dt_over_tau, v_reset, v_thresh, refractory_steps;
  };

  static derived derive(const params& p, double dt_ms) {
    p.validate();
    require_positive(dt_ms, "dt_ms");
    return {static_cast<real>(dt_ms / p.tau_m_ms), static_cast<real>(p.v_reset_mv),
            static_cast<real>(p.v_thresh_mv), detail::refractory_steps(p.refractory_ms, dt_ms)};
  }

  static void init(element s, const params& p) {
    s[v] = static_cast<real>(p.v_init_mv);
    s[refractory_left] = 0;
  }

  SPIKETORCH_HD static void integrate(element s, const derived& d, synaptic_drive in, step_context) {
    // Branch-free so the backend's loop over neurons vectorises.
    const real refractory = s[refractory_left];
    // Implicit in the conductance (stable for any value), exact for current-based drive.
    const real v_new =
        (s[v] + in.drive * d.dt_over_tau) / (real(1) + in.conductance * d.dt_over_tau) + in.jump;
    s[v] = refractory > 0 ? d.v_reset : v_new;
    s[refractory_left] = refractory > 0 ? refractory - 1 : real(0);
  }

  SPIKETORCH_HD static bool spiked(element s, const derived& d) {
    return (s[refractory_left] <= 0) & (s[v] >= d.v_thresh);
  }

  SPIKETORCH_HD static void reset(element s, const derived& d, step_context) {
    s[v] = d.v_reset;
    s[refractory_left] = d.refractory_steps;
  }
};

static_assert(NeuronModel<integrate_and_fire>);

}  // namespace spiketorch::neurons
