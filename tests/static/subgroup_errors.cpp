// Must not compile (one case per SPIKETORCH_CASE, built by expect_compile_error.sh from
// tests/static/meson.build): subgroups (network/layer.hpp) of a layer that is not there, of an
// input layer, listed before their parent; recorders and set_params on a subgroup.
#include "spiketorch/encoding/poisson.hpp"
#include "spiketorch/network/network.hpp"
#include "spiketorch/neurons/lif.hpp"
#include "spiketorch/synapses/exp_current.hpp"
#include "spiketorch/topology/dense.hpp"

using namespace spiketorch;
using pop_t = population<"P", neurons::lif, synapses::exp_current>;
using proj_t = projections<projection<"X", "P", topology::dense>>;

#if SPIKETORCH_CASE == 1
using net_t = network<layers<input<"X", encoding::poisson>, pop_t, subgroup<"Pe", "Q">>, proj_t>;
void use(net_t& net) { (void)net.size<"Pe">(); }
#elif SPIKETORCH_CASE == 2
using net_t = network<layers<input<"X", encoding::poisson>, pop_t, subgroup<"Xe", "X">>, proj_t>;
void use(net_t& net) { (void)net.size<"Xe">(); }
#elif SPIKETORCH_CASE == 3
using net_t = network<layers<input<"X", encoding::poisson>, subgroup<"Pe", "P">, pop_t>, proj_t>;
void use(net_t& net) { (void)net.size<"Pe">(); }
#elif SPIKETORCH_CASE == 4
using net_t = network<layers<input<"X", encoding::poisson>, pop_t, subgroup<"Pe", "P">>, proj_t>;
void use(net_t& net) { net.record_events<"Pe">(100); }
#endif
#if SPIKETORCH_CASE == 5
using net_t = network<layers<input<"X", encoding::poisson>, pop_t, subgroup<"Pe", "P">>, proj_t>;
void use(net_t& net) { net.set_params<"Pe">({}); }
#endif
