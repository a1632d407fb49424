// Izhikevich (2003) simple model, "Simple model of spiking neurons", IEEE TNN 14(6).
//
//   dv/dt = 0.04 v^2 + 5 v + 140 - u + I      (v in mV, t in ms)
//   du/dt = a (b v - u)
//   v >= 30 mV -> spike, v <- c, u <- u + d
//
// I = drive - conductance·v is the synaptic input (the paper gives I directly); delta-synapse
// jumps are added to v. Integrated with forward Euler, v in two half steps as in the paper's
// reference code for numerical stability. Defaults: regular spiking (a=0.02, b=0.2, c=-65, d=8).
//
// | parameter | unit | default | meaning                              |
// |-----------|------|---------|--------------------------------------|
// | a         | 1/ms | 0.02    | recovery time scale                  |
// | b         | 1    | 0.2     | recovery sensitivity to v            |
// | c_mv      | mV   | -65     | reset potential                      |
// | d         | mV   | 8       | recovery increment per spike         |
// | v_peak_mv | mV   | 30      | spike cut-off                        |
// | v_init_mv | mV   | -65     | v at t = 0 (u starts at b·v)         |
#pragma once

#include "spiketorch/config.hpp"

#include "spiketorch/core/errors.hpp"
#include "spiketorch/neurons/concepts.hpp"

namespace spiketorch::neurons {

struct izhikevich {
  enum field : std::size_t { v, u, n_fields };
  static constexpr std::array<std::string_view, n_fields> field_names{"v", "u"};

  struct params {
    double a = 0.02, b = 0.2, c_mv = -65.0, d = 8.0;
    double v_peak_mv = 30.0;
    double v_init_mv = -65.0;

    void validate() const {
      require_positive(a, "izhikevich: a");
      for (double x : {b, c_mv, d, v_peak_mv, v_init_mv}) require_finite(x, "izhikevich: parameters");
      require(c_mv < v_peak_mv, "izhikevich: c_mv must be below v_peak_mv");
    }
  };

  struct derived {
    real half_dt, dt, a, b, c, d, v_peak;
  };

  static derived derive(const params& p, double dt_ms) {
    p.validate();
    require_positive(dt_ms, "dt_ms");
    require(dt_ms <= 1.0, "izhikevich: forward Euler needs dt_ms <= 1, got ", dt_ms);
    return {static_cast<real>(dt_ms / 2), static_cast<real>(dt_ms), static_cast<real>(p.a),
            static_cast<real>(p.b),       static_cast<real>(p.c_mv), static_cast<real>(p.d),
            static_cast<real>(p.v_peak_mv)};
  }

  static void init(element s, const params& p) {
    s[v] = static_cast<real>(p.v_init_mv);
    s[u] = static_cast<real>(p.b * p.v_init_mv);
  }

  SPIKETORCH_HD static void integrate(element s, const derived& d, synaptic_drive in, step_context) {
    real vv = s[v] + in.jump;
    const real uu = s[u];
    for (int half = 0; half < 2; ++half)
      vv += d.half_dt * ((real(0.04) * vv + real(5)) * vv + real(140) - uu + in.drive -
                         in.conductance * vv);
    s[u] = uu + d.dt * d.a * (d.b * vv - uu);
    s[v] = vv;
  }

  SPIKETORCH_HD static bool spiked(element s, const derived& d) { return s[v] >= d.v_peak; }

  SPIKETORCH_HD static void reset(element s, const derived& d, step_context) {
    s[v] = d.c;
    s[u] += d.d;
  }
};

static_assert(NeuronModel<izhikevich>);

}  // namespace spiketorch::neurons
