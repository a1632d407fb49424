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
#include "network.hpp"
#include "spiketorch/synapses/exp_current.hpp"

namespace {

using namespace spiketorch;

void run(const brette2007::options& o) {
  const auto started = brette2007::clock::now();
  brette2007::network_of<synapses::exp_current> net(
      {.dt_ms = 0.1, .seed = o.seed, .threads = o.threads},
      brette2007::sizes_of(o.n_neurons).layers());
  const neurons::lif::params neuron{.tau_m_ms = 20,
                                    .v_rest_mv = -49,
                                    .v_reset_mv = -60,
                                    .v_thresh_mv = -50,
                                    .refractory_ms = 5,
                                    .v_init_mv = -60,
                                    .refractory = neurons::refractory_rule::since_spike};
  brette2007::set_params(
      net, neuron,
      {.tau_exc_ms = 5, .tau_inh_ms = 10, .scheme = synapses::current_scheme::exact});
  brette2007::connect(net, o.n_neurons, 60 * 0.27 / 10, 20 * 4.5 / 10);
  brette2007::set_initial_uniform(net, "v", neuron.v_reset_mv, neuron.v_thresh_mv);
  brette2007::run_and_report(net, o, "cuba", started);
}

}  // namespace

int main(int argc, char** argv) {
  return brette2007::main_of(argc, argv, "spiketorch_cuba",
                             "spiketorch_cuba: the CUBA benchmark network of Brette et al. (2007): "
                             "4,000 LIF neurons with\nexponential synaptic currents, 2% random "
                             "connectivity, self-sustained activity.\n",
                             run);
}
