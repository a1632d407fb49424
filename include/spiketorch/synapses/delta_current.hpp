// Delta-current synapses: each incoming spike makes V jump by its weight in mV at the next
// update; excitatory weights raise V, inhibitory weights lower it. No parameters.
#pragma once

#include "spiketorch/config.hpp"

#include "spiketorch/synapses/concepts.hpp"

namespace spiketorch::synapses {

struct delta_current {
  enum field : std::size_t { jump_exc, jump_inh, n_fields };
  static constexpr std::array<std::string_view, n_fields> field_names{"jump_exc", "jump_inh"};
  // Currents add linearly: a negative weight on either channel is a current of the other sign.
  static constexpr bool signed_weights = true;
  static constexpr std::size_t channel_field(receptor r) {
    return r == receptor::excitatory ? jump_exc : jump_inh;
  }

  struct params {
    void validate() const {}
  };
  struct derived {};
  static derived derive(const params&, double dt_ms) {
    require_positive(dt_ms, "dt_ms");
    return {};
  }

  SPIKETORCH_HD static synaptic_drive drive(element s, const derived&, real) {
    return {0, 0, s[jump_exc] - s[jump_inh]};
  }
  SPIKETORCH_HD static void decay(element s, const derived&) {
    s[jump_exc] = 0;
    s[jump_inh] = 0;
  }
};

static_assert(SynapseKernel<delta_current>);

}  // namespace spiketorch::synapses
