// Non-leaky integrate-and-fire neuron that fires at most once per presentation: the neurons of
// single-spike (rank-order) coded networks (Kheradpisheh et al. 2018, SpykeTorch), whose first
// spike carries the information and whose later ones are not needed.
//
//   V <- V + jump + drive·dt/tau_m,   V >= V_thresh and no spike yet -> spike
//
// After its spike a neuron stays silent, with V held at its value then, until the state is reset
// (network::reset_state, between presentations). Into such neurons with threshold below a single
// input weight, a pooling window (topology::pool2d) passes exactly its earliest input spike:
// max pooling of spike times.
//
// | parameter   | unit | default | meaning                        |
// |-------------|------|---------|--------------------------------|
// | tau_m_ms    | ms   | 10      | scale of the drive             |
// | v_thresh_mv | mV   | 1       | firing threshold               |
#pragma once

#include "spiketorch/config.hpp"

#include <array>
#include <string_view>

#include "spiketorch/core/errors.hpp"
#include "spiketorch/neurons/concepts.hpp"

namespace spiketorch::neurons {

struct fire_once {
  enum field : std::size_t { v, fired, n_fields };
  static constexpr std::array<std::string_view, n_fields> field_names{"v", "fired"};

  struct params {
    double tau_m_ms = 10.0;
    double v_thresh_mv = 1.0;

    void validate() const {
      require_positive(tau_m_ms, "fire_once: tau_m_ms");
      require_finite(v_thresh_mv, "fire_once: v_thresh_mv");
    }
  };

  struct derived {
    real dt_over_tau, v_thresh;
  };

  static derived derive(const params& p, double dt_ms) {
    p.validate();
    require_positive(dt_ms, "dt_ms");
    return {static_cast<real>(dt_ms / p.tau_m_ms), static_cast<real>(p.v_thresh_mv)};
  }

  static void init(element s, const params&) {
    s[v] = 0;
    s[fired] = 0;
  }

  SPIKETORCH_HD static void integrate(element s, const derived& d, synaptic_drive in,
                                      step_context) {
    // Frozen after the spike: V stays the potential at the first spike, which breaks ties
    // between winners of the same step (competition/winners.hpp).
    s[v] = s[fired] != 0 ? s[v] : s[v] + in.drive * d.dt_over_tau + in.jump;
  }

  SPIKETORCH_HD static bool spiked(element s, const derived& d) {
    return (s[fired] == 0) & (s[v] >= d.v_thresh);
  }

  SPIKETORCH_HD static void reset(element s, const derived&, step_context) { s[fired] = 1; }
};

static_assert(NeuronModel<fire_once>);

}  // namespace spiketorch::neurons
