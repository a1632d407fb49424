// Must not compile: a misspelt layer name in a name accessor (here set_params<"Exk">) is
// refused by the network's own check, which says what is wrong, rather than by the tuple it
// indexes. Built by expect_compile_error.sh (tests/static/meson.build), not as a program.
#include "spiketorch/encoding/poisson.hpp"
#include "spiketorch/network/network.hpp"
#include "spiketorch/neurons/lif.hpp"
#include "spiketorch/synapses/exp_current.hpp"
#include "spiketorch/topology/dense.hpp"

using namespace spiketorch;
using net_t = network<layers<input<"X", encoding::poisson>, population<"Exc", neurons::lif, synapses::exp_current>>,
                      projections<projection<"X", "Exc", topology::dense>>>;

void configure(net_t& net) { net.set_params<"Exk">({}); }
