// Compile-time checks only: every model satisfies its concept, and non-models are rejected.
// The executable does nothing; a failure here is a compile error.
#include <spiketorch/spiketorch.hpp>

#include <type_traits>

namespace st = spiketorch;

// Neuron models.
static_assert(st::neurons::NeuronModel<st::neurons::lif>);
static_assert(st::neurons::NeuronModel<st::neurons::adaptive_lif>);
static_assert(st::neurons::NeuronModel<st::neurons::integrate_and_fire>);
static_assert(st::neurons::NeuronModel<st::neurons::izhikevich>);
static_assert(st::neurons::HasPeriodicUpdate<st::neurons::adaptive_lif>);
static_assert(!st::neurons::HasPeriodicUpdate<st::neurons::lif>);
static_assert(!st::neurons::NeuronModel<int>);
static_assert(!st::neurons::NeuronModel<st::synapses::exp_current>);
static_assert(st::neurons::field_index<st::neurons::adaptive_lif>("theta") == st::neurons::adaptive_lif::theta);
static_assert(st::neurons::field_index<st::neurons::lif>("theta") == st::neurons::lif::n_fields);

// Synapse kernels.
static_assert(st::synapses::SynapseKernel<st::synapses::delta_current>);
static_assert(st::synapses::SynapseKernel<st::synapses::exp_current>);
static_assert(st::synapses::SynapseKernel<st::synapses::exp_conductance>);
static_assert(!st::synapses::SynapseKernel<st::neurons::lif>);
static_assert(st::synapses::exp_conductance::channel_field(st::receptor::inhibitory) ==
              st::synapses::exp_conductance::g_inh);

// Topologies.
static_assert(st::topology::Topology<st::topology::dense>);
static_assert(st::topology::Topology<st::topology::sparse>);
static_assert(st::topology::Topology<st::topology::one_to_one>);
static_assert(st::topology::Topology<st::topology::all_but_self>);
static_assert(!st::topology::Topology<int>);
static_assert(st::topology::dense::contiguous_rows && !st::topology::sparse::contiguous_rows);

// Learning rules: the STDP rules are plastic, none / static_rule are not (the learning pass is
// compiled away for them).
static_assert(st::learning::PlasticRule<st::learning::stdp_pair>);
static_assert(st::learning::PlasticRule<st::learning::stdp_triplet>);
static_assert(st::learning::PlasticRule<st::learning::stdp_weight_dependent>);
static_assert(st::learning::LearningRule<st::learning::none>);
static_assert(!st::learning::PlasticRule<st::learning::none>);
static_assert(!st::learning::none::is_plastic);
static_assert(std::is_same_v<st::learning::static_rule, st::learning::none>);
static_assert(!st::learning::LearningRule<int>);

// Encoders.
static_assert(st::encoding::Encoder<st::encoding::poisson>);
static_assert(st::encoding::Encoder<st::encoding::bernoulli>);
static_assert(st::encoding::Encoder<st::encoding::latency>);
static_assert(!st::encoding::Encoder<int>);

// Delay policies.
static_assert(!st::delays::none::has_delays);
static_assert(st::delays::fixed::has_delays && st::delays::uniform::has_delays);
static_assert(st::delays::max_steps == 255);

// Backends and the network type.
static_assert(st::backend::Backend<st::backend::cpu>);
static_assert(!st::backend::Backend<int>);
static_assert(std::is_same_v<st::backend::default_backend, st::backend::cpu>);

using net_t = st::network<
    st::layers<st::input<"X", st::encoding::poisson>,
               st::population<"E", st::neurons::adaptive_lif, st::synapses::exp_conductance>>,
    st::projections<st::projection<"X", "E", st::topology::dense, st::learning::stdp_triplet>>>;
static_assert(net_t::n_layers == 2 && net_t::n_projections == 1);
static_assert(std::is_same_v<net_t::layer_type<"E">::neuron_type, st::neurons::adaptive_lif>);
static_assert(std::is_same_v<net_t::projection_type<"X", "E">::rule_type, st::learning::stdp_triplet>);
static_assert(net_t::projection_type<"X", "E">::target_receptor == st::receptor::excitatory);

// Compile-time strings and their hashes (layer streams are derived from them).
static_assert(st::fixed_string("Ae").view() == "Ae");
static_assert(st::name_hash("Ae") != st::name_hash("Ai"));
static_assert(st::name_hash("") == 1469598103934665603ull);  // FNV-1a offset basis

int main() { return 0; }
