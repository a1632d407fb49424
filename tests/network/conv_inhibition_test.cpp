// A convolutional layer in a Diehl & Cook-style network, as BindsNET's conv_mnist builds one:
// Poisson input through a locally connected layer (local2d: STDP needs a layer's own weights)
// into adaptive excitatory neurons, each driving an inhibitory neuron that inhibits all the
// others. The inhibition lowers the excitatory activity, and STDP changes the windows' weights
// within the rule's bounds only.
#include <spiketorch/spiketorch.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

using namespace spiketorch;

namespace {

using conv_dc_net =
    network<layers<input<"X", encoding::poisson>,
                   population<"E", neurons::adaptive_lif, synapses::exp_conductance>,
                   population<"I", neurons::lif, synapses::exp_conductance>>,
            projections<projection<"X", "E", topology::local2d, learning::stdp_triplet>,
                        projection<"E", "I", topology::one_to_one>,
                        projection<"I", "E", topology::all_but_self, learning::none, delays::none,
                                   receptor::inhibitory>>>;

struct conv_dc_run {
  std::uint64_t e_spikes = 0;
  std::vector<real> w0, w;
};

conv_dc_run run_conv_dc(double inhibition) {
  const topology::conv_params window{.input = {1, 12, 12}, .out_channels = 4, .kernel = 5};
  const std::size_t n_e = topology::local2d::output_of(window).size();
  conv_dc_net net({.dt_ms = 0.5, .seed = 9}, {window.input.size(), n_e, n_e});
  net.connect<"X", "E">({.topology = window, .weights = {0.0, 1.0}});
  net.connect<"E", "I">({.weights = {10.4, 10.4}});
  net.connect<"I", "E">({.weights = {inhibition, inhibition}});
  conv_dc_run r;
  const auto w0 = net.weights<"X", "E">();
  r.w0.assign(w0.begin(), w0.end());
  std::vector<float> rates(window.input.size());
  for (std::size_t i = 0; i < rates.size(); ++i) rates[i] = float(20 + 40 * (i % 7) / 6);
  net.run(rates, 300.0);
  r.e_spikes = net.total_spikes<"E">();
  const auto w = net.weights<"X", "E">();
  r.w.assign(w.begin(), w.end());
  return r;
}

}  // namespace

TEST_CASE("conv layers: D&C-style lateral inhibition and STDP on a locally connected layer",
          "[network][conv]") {
  const conv_dc_run free = run_conv_dc(0.0), inhibited = run_conv_dc(17.0);
  CAPTURE(free.e_spikes, inhibited.e_spikes);
  REQUIRE(free.e_spikes > 100);
  CHECK(inhibited.e_spikes < free.e_spikes / 2);
  CHECK(inhibited.e_spikes > 0);
  for (const conv_dc_run* r : {&free, &inhibited}) {
    std::size_t changed = 0;
    for (std::size_t k = 0; k < r->w.size(); ++k) {
      changed += r->w[k] != r->w0[k];
      REQUIRE(r->w[k] >= 0.0f);
      REQUIRE(r->w[k] <= 1.0f);
    }
    CAPTURE(changed);
    // Learning follows the spikes: most windows of the active layer, some of the inhibited one.
    CHECK(changed > (r == &free ? r->w.size() / 2 : 10));
  }
}
