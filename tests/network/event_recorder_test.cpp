// The event recorder (network/monitors.hpp): (neuron, step) pairs of a layer's spikes in a
// buffer of fixed capacity, checked against the spike counts, the raster and last_spikes of the
// same run, and written as .npy (io/events.hpp).
#include <spiketorch/io/events.hpp>
#include <spiketorch/spiketorch.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <vector>

using namespace spiketorch;

namespace {

using net_t = network<
    layers<input<"X", encoding::poisson>, population<"E", neurons::lif, synapses::exp_current>>,
    projections<projection<"X", "E", topology::dense>>>;

constexpr std::size_t n_in = 50, n_exc = 30;

net_t make_net() {
  net_t net({.dt_ms = 0.5, .seed = 7}, {n_in, n_exc});
  net.set_params<"E">({.tau_m_ms = 10,
                       .v_rest_mv = -65,
                       .v_reset_mv = -65,
                       .v_thresh_mv = -55,
                       .refractory_ms = 1,
                       .v_init_mv = -65});
  net.connect<"X", "E">({.weights = {0.0, 3.0}});
  return net;
}

const std::vector<float> rates(n_in, 40.0f);

}  // namespace

TEST_CASE("event recorder: the events are the spikes of the run, by step then neuron",
          "[network][monitors]") {
  net_t net = make_net();
  const std::size_t steps_per_run = 200;
  net.record_events<"E">(100000);
  net.record_events<"X">(100000);
  net.record_spikes<"E">(2 * steps_per_run);
  // Two runs: steps continue from the first (the network's step counter).
  net.run(rates, steps_per_run * 0.5);
  net.run(rates, steps_per_run * 0.5);
  const auto& ev = net.events<"E">();
  REQUIRE(ev.dropped() == 0);
  REQUIRE(ev.size() == net.total_spikes<"E">());
  REQUIRE(ev.size() > 100);  // the network is active enough to test something
  CHECK(net.events<"X">().size() == net.total_spikes<"X">());
  // Counts per neuron.
  std::vector<std::uint32_t> counts(n_exc, 0);
  for (index_t i : ev.neurons()) ++counts[i];
  const auto expected = net.spike_counts<"E">();
  CHECK(std::equal(counts.begin(), counts.end(), expected.begin()));
  // Ordered by step, then neuron; every event is in the raster and the raster has no others.
  const auto raster = net.spike_raster<"E">();
  std::size_t in_raster = 0;
  for (std::size_t t = 0; t < raster.shape()[0]; ++t)
    for (std::size_t j = 0; j < n_exc; ++j) in_raster += raster(t, j);
  CHECK(in_raster == ev.size());
  for (std::size_t e = 0; e < ev.size(); ++e) {
    const std::int64_t s = ev.steps()[e];
    REQUIRE(s >= 0);
    REQUIRE(s < std::int64_t(net.steps_done()));
    REQUIRE(raster(std::size_t(s), ev.neurons()[e]) == 1);
    if (e > 0) {
      const bool ordered = ev.steps()[e - 1] < s ||
                           (ev.steps()[e - 1] == s && ev.neurons()[e - 1] < ev.neurons()[e]);
      REQUIRE(ordered);
    }
  }
  // The events of the last step are last_spikes.
  std::vector<index_t> last;
  for (std::size_t e = 0; e < ev.size(); ++e)
    if (ev.steps()[e] == std::int64_t(net.steps_done() - 1)) last.push_back(ev.neurons()[e]);
  const auto last_spikes = net.last_spikes<"E">();
  CHECK(std::vector<index_t>(last_spikes.begin(), last_spikes.end()) == last);
  // clear_recordings empties it.
  net.clear_recordings<"E">();
  CHECK(net.events<"E">().size() == 0);
  CHECK(net.events<"E">().dropped() == 0);
}

TEST_CASE("event recorder: a full buffer keeps the first events and counts the dropped ones",
          "[network][monitors]") {
  net_t full = make_net(), big = make_net();
  const std::size_t capacity = 37;
  full.record_events<"E">(capacity);
  big.record_events<"E">(1000000);
  full.run(rates, 100.0);
  big.run(rates, 100.0);
  const auto& ev = full.events<"E">();
  const auto& all = big.events<"E">();
  REQUIRE(all.size() > capacity);
  CHECK(ev.size() == capacity);
  CHECK(ev.capacity() == capacity);
  CHECK(ev.dropped() == all.size() - capacity);
  CHECK(std::equal(ev.neurons().begin(), ev.neurons().end(), all.neurons().begin()));
  CHECK(std::equal(ev.steps().begin(), ev.steps().end(), all.steps().begin()));
  // Recording never changes the run.
  CHECK(full.total_spikes<"E">() == big.total_spikes<"E">());
  CHECK_THROWS_WITH(full.record_events<"E">(0), Catch::Matchers::Contains("capacity must be >= 1"));
}

TEST_CASE("event recorder: save_events writes the two arrays as .npy", "[network][monitors][io]") {
  net_t net = make_net();
  net.record_events<"E">(5000);
  net.run(rates, 100.0);
  const auto& ev = net.events<"E">();
  const auto dir = std::filesystem::temp_directory_path() / "spiketorch_event_recorder_test";
  std::filesystem::create_directories(dir);
  save_events(dir / "exc", ev);
  const auto neurons = load_npy<std::uint32_t>(dir / "exc_neurons.npy");
  const auto steps = load_npy<std::int64_t>(dir / "exc_steps.npy");
  REQUIRE(neurons.dimension() == 1);
  REQUIRE(neurons.size() == ev.size());
  REQUIRE(steps.size() == ev.size());
  for (std::size_t e = 0; e < ev.size(); ++e) {
    REQUIRE(neurons(e) == ev.neurons()[e]);
    REQUIRE(steps(e) == ev.steps()[e]);
  }
  std::filesystem::remove_all(dir);
}
