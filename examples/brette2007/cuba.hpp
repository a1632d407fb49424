// The CUBA benchmark network of Brette et al. (2007), benchmark 2 (after Vogels & Abbott 2005):
// 4,000 leaky integrate-and-fire neurons, 3,200 excitatory and 800 inhibitory, each connected to
// every neuron with probability 2%, through exponentially decaying currents; the network is
// self-sustained (the resting potential lies above threshold). As Brian2's CUBA example:
//
//   tau_m dv/dt = (ge + gi) - (v - E_l)      (unless refractory)
//   tau_e dge/dt = -ge,   tau_i dgi/dt = -gi  (in mV)
//   v > V_t: spike, v <- V_r, refractory 5 ms (Brian's rule: t - t_spike >= t_ref)
//
// | quantity | value                 | here                                            |
// |----------|-----------------------|-------------------------------------------------|
// | tau_m    | 20 ms                 | lif tau_m_ms                                    |
// | E_l      | -49 mV                | lif v_rest_mv                                   |
// | V_t, V_r | -50 mV, -60 mV        | lif v_thresh_mv, v_reset_mv                     |
// | t_ref    | 5 ms                  | lif refractory_ms, refractory_rule::since_spike |
// | tau_e    | 5 ms                  | exp_current tau_exc_ms                          |
// | tau_i    | 10 ms                 | exp_current tau_inh_ms                          |
// | w_e      | 60·0.27/10 = 1.62 mV  | weight of P_e -> P (excitatory receptor)        |
// | w_i      | -20·4.5/10 = -9 mV    | weight 9 of P_i -> P (inhibitory receptor)      |
// | p        | 0.02 (80 / N)         | topology::sparse, fixed_probability             |
// | v(0)     | uniform in [V_r, V_t] | drawn from the network's seed                   |
// | dt       | 0.1 ms                | integrated exactly (current_scheme::exact)      |
#pragma once

#include <cstdint>

#include "network.hpp"
#include "spiketorch/synapses/exp_current.hpp"

namespace brette2007 {

struct cuba {
  static constexpr const char* name = "cuba";
  using network_type = network_of<spiketorch::synapses::exp_current>;

  /// Parameters, connections and initial values of a network of `n_neurons`.
  static void set_up(network_type& net, std::uint64_t n_neurons) {
    using namespace spiketorch;
    const neurons::lif::params neuron{.tau_m_ms = 20,
                                      .v_rest_mv = -49,
                                      .v_reset_mv = -60,
                                      .v_thresh_mv = -50,
                                      .refractory_ms = 5,
                                      .v_init_mv = -60,
                                      .refractory = neurons::refractory_rule::since_spike};
    net.set_params<"P">(
        neuron, {.tau_exc_ms = 5, .tau_inh_ms = 10, .scheme = synapses::current_scheme::exact});
    connect(net, n_neurons, 60 * 0.27 / 10, 20 * 4.5 / 10);
    net.set_initial_uniform<"P">("v", neuron.v_reset_mv, neuron.v_thresh_mv);
  }
};

}  // namespace brette2007
