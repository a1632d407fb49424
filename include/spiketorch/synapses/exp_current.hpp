// Exponentially decaying current synapses.
//
//   drive = I_exc - I_inh,   dI/dt = -I / tau,   a spike adds its weight (mV of R·I) to I.
//
// The currents decay exactly: I <- I · exp(-dt / tau) each step.
//
// | parameter  | unit | default | meaning                              |
// |------------|------|---------|--------------------------------------|
// | tau_exc_ms | ms   | 5       | decay of the excitatory current      |
// | tau_inh_ms | ms   | 10      | decay of the inhibitory current      |
#pragma once

#include "spiketorch/config.hpp"

#include <cmath>

#include "spiketorch/core/errors.hpp"
#include "spiketorch/synapses/concepts.hpp"

namespace spiketorch::synapses {

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
    void validate() const {
      require_positive(tau_exc_ms, "exp_current: tau_exc_ms");
      require_positive(tau_inh_ms, "exp_current: tau_inh_ms");
    }
  };
  struct derived {
    real decay_exc, decay_inh;
  };
  static derived derive(const params& p, double dt_ms) {
    p.validate();
    require_positive(dt_ms, "dt_ms");
    return {static_cast<real>(std::exp(-dt_ms / p.tau_exc_ms)),
            static_cast<real>(std::exp(-dt_ms / p.tau_inh_ms))};
  }

  SPIKETORCH_HD static synaptic_drive drive(element s, const derived&, real) {
    return {s[i_exc] - s[i_inh], 0, 0};
  }
  SPIKETORCH_HD static void decay(element s, const derived& d) {
    s[i_exc] *= d.decay_exc;
    s[i_inh] *= d.decay_inh;
  }
};

static_assert(SynapseKernel<exp_current>);

}  // namespace spiketorch::synapses
