// The COBA benchmark network of Brette et al. (2007), benchmark 1 (after Vogels & Abbott 2005):
// the network of the CUBA benchmark (cuba.cpp) with conductance-based synapses: 4,000 leaky
// integrate-and-fire neurons, 3,200 excitatory and 800 inhibitory, each connected to every
// neuron with probability 2%. Conductances are in units of the leak conductance g_l = 10 nS:
//
//   tau_m dv/dt = (E_l - v) + ge (E_e - v) + gi (E_i - v)    (unless refractory)
//   tau_e dge/dt = -ge,   tau_i dgi/dt = -gi
//   v > V_t: spike, v <- V_r, refractory 5 ms (Brian's rule: t - t_spike >= t_ref)
//
// | quantity  | value                   | here                                            |
// |-----------|-------------------------|-------------------------------------------------|
// | tau_m     | 20 ms (200 pF / 10 nS)  | lif tau_m_ms                                    |
// | E_l       | -60 mV                  | lif v_rest_mv                                   |
// | V_t, V_r  | -50 mV, -60 mV          | lif v_thresh_mv, v_reset_mv                     |
// | t_ref     | 5 ms                    | lif refractory_ms, refractory_rule::since_spike |
// | E_e, E_i  | 0 mV, -80 mV            | exp_conductance e_exc_mv, e_inh_mv              |
// | tau_e     | 5 ms                    | exp_conductance tau_exc_ms                      |
// | tau_i     | 10 ms                   | exp_conductance tau_inh_ms                      |
// | w_e       | 6 nS = 0.6 g_l          | weight of P_e -> P (excitatory receptor)        |
// | w_i       | 67 nS = 6.7 g_l         | weight of P_i -> P (inhibitory receptor)        |
// | p         | 0.02 (80 / N)           | topology::sparse, fixed_probability             |
// | v(0)      | normal: -65 mV, sd 5 mV | drawn from the network's seed                   |
// | ge(0)     | normal: 4, sd 1.5       | (in g_l; Brette et al.'s script)                |
// | gi(0)     | normal: 20, sd 12       |                                                 |
// | dt        | 0.1 ms                  | exact leak and decay, explicit synaptic step    |
#pragma once

#include <cstdint>

#include "network.hpp"
#include "spiketorch/synapses/exp_conductance.hpp"

namespace brette2007 {

struct coba {
  static constexpr const char* name = "coba";
  using network_type = network_of<spiketorch::synapses::exp_conductance>;

  /// Parameters, connections and initial values of a network of `n_neurons`.
  static void set_up(network_type& net, std::uint64_t n_neurons) {
    using namespace spiketorch;
    const neurons::lif::params neuron{.tau_m_ms = 20,
                                      .v_rest_mv = -60,
                                      .v_reset_mv = -60,
                                      .v_thresh_mv = -50,
                                      .refractory_ms = 5,
                                      .v_init_mv = -60,
                                      .refractory = neurons::refractory_rule::since_spike};
    net.set_params<"P">(neuron,
                        {.tau_exc_ms = 5, .tau_inh_ms = 10, .e_exc_mv = 0, .e_inh_mv = -80});
    connect(net, n_neurons, 6.0 / 10.0, 67.0 / 10.0);
    // As Brette et al.'s script: v = E_l + (5·randn - 5) mV, ge = 1.5·randn + 4, gi = 12·randn
    // + 20.
    net.set_initial_normal<"P">("v", neuron.v_rest_mv - 5, 5);
    net.set_initial_normal<"P">("g_exc", 4, 1.5);
    net.set_initial_normal<"P">("g_inh", 20, 12);
  }
};

}  // namespace brette2007
