// Spike delivery through a network, with and without axonal delays (step/step.hpp,
// topology/delays.hpp): a spike emitted in step t through a synapse of delay d steps first acts on
// the membrane in step t + d + 1; without delays in step t + 1.
//
// Probe: a non-leaky integrate-and-fire target (threshold out of reach) with delta-current
// synapses of weight 1, so V counts the arrived spikes exactly (small integers are exact in
// float), read every step with record_state.
#include <spiketorch/spiketorch.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

using namespace spiketorch;

namespace {

neurons::integrate_and_fire::params counter_neuron() {
  neurons::integrate_and_fire::params p;
  p.v_thresh_mv = 1e6;
  return p;
}

template <class Net>
void setup_probe(Net& net, std::size_t n_targets, std::size_t n_steps) {
  net.template set_params<"E">(counter_neuron());
  std::vector<index_t> all(n_targets);
  for (index_t j = 0; j < n_targets; ++j) all[j] = j;
  net.template record_state<"E">("v", all, 1, n_steps);
}

// First step in which V of target j is above 0, or -1.
long first_arrival(const xt::xtensor<real, 2>& v, std::size_t j) {
  for (std::size_t t = 0; t < v.shape()[0]; ++t)
    if (v(t, j) > 0) return long(t);
  return -1;
}

using single_spike_no_delay =
    network<layers<input<"X", encoding::latency>,
                   population<"E", neurons::integrate_and_fire, synapses::delta_current>>,
            projections<projection<"X", "E", topology::dense>>>;
using single_spike_fixed =
    network<layers<input<"X", encoding::latency>,
                   population<"E", neurons::integrate_and_fire, synapses::delta_current>>,
            projections<projection<"X", "E", topology::dense, learning::none, delays::fixed>>>;

}  // namespace

TEST_CASE("network delays: a spike through delay d acts exactly d steps later than without delay",
          "[network][delays]") {
  const double dt = 0.5;
  const std::size_t n_steps = 300;
  const std::vector<float> one{1.0f};  // latency code: x = 1 spikes in step 0

  single_spike_no_delay ref({.dt_ms = dt, .seed = 1}, {1, 1});
  setup_probe(ref, 1, n_steps);
  ref.connect<"X", "E">({.weights = {1.0, 1.0}});
  ref.run(one, n_steps * dt);
  const auto v_ref = ref.state_trace<"E">();
  REQUIRE(first_arrival(v_ref, 0) == 1);  // delivered at the end of step 0, acts in step 1
  CHECK(v_ref(0, 0) == 0.0f);
  CHECK(v_ref(n_steps - 1, 0) == 1.0f);

  const unsigned d = GENERATE(0u, 1u, 5u, 37u, 255u);
  single_spike_fixed net({.dt_ms = dt, .seed = 1}, {1, 1});
  setup_probe(net, 1, n_steps);
  net.connect<"X", "E">({.weights = {1.0, 1.0}, .delays = {.delay_ms = d * dt}});
  REQUIRE(net.delay_steps<"X", "E">()[0] == d);
  net.run(one, n_steps * dt);
  const auto v = net.state_trace<"E">();
  INFO("delay " << d << " steps");
  CHECK(first_arrival(v, 0) == first_arrival(v_ref, 0) + long(d));
  CHECK(v(n_steps - 1, 0) == 1.0f);  // exactly one arrival, not lost or duplicated by the ring
}

TEST_CASE("network delays: uniform delays, each target hit at its own delay + 1", "[network][delays]") {
  using net_t = network<layers<input<"X", encoding::latency>,
                               population<"E", neurons::integrate_and_fire, synapses::delta_current>>,
                        projections<projection<"X", "E", topology::dense, learning::none, delays::uniform>>>;
  const std::size_t n_targets = 60, n_steps = 40;
  net_t net({.dt_ms = 0.5, .seed = 3}, {1, n_targets});
  setup_probe(net, n_targets, n_steps);
  net.connect<"X", "E">({.weights = {1.0, 1.0}, .delays = {.min_ms = 0.0, .max_ms = 10.0}});
  const std::vector<float> one{1.0f};
  net.run(one, n_steps * 0.5);
  const auto v = net.state_trace<"E">();
  const auto d = net.delay_steps<"X", "E">();
  REQUIRE(d.size() == n_targets);
  for (std::size_t j = 0; j < n_targets; ++j) {
    INFO("target " << j << ", delay " << int(d[j]));
    CHECK(first_arrival(v, j) == long(d[j]) + 1);
  }
}

TEST_CASE("network delays: a spike every step through delay d: V(t) = max(0, t - d) over many ring "
          "turns", "[network][delays]") {
  using net_t = network<layers<input<"X", encoding::poisson>,
                               population<"E", neurons::integrate_and_fire, synapses::delta_current>>,
                        projections<projection<"X", "E", topology::dense, learning::none, delays::fixed>>>;
  const unsigned d = GENERATE(0u, 3u, 17u);
  const std::size_t n_steps = 500;
  net_t net({.dt_ms = 0.5, .seed = 3}, {1, 1});
  setup_probe(net, 1, n_steps);
  net.connect<"X", "E">({.weights = {1.0, 1.0}, .delays = {.delay_ms = d * 0.5}});
  const std::vector<float> every_step{2000.0f};  // p = 1 at dt = 0.5 ms
  net.run(every_step, n_steps * 0.5);
  const auto v = net.state_trace<"E">();
  REQUIRE(v.shape()[0] == n_steps);
  for (std::size_t t = 0; t < n_steps; ++t) {
    INFO("step " << t << ", delay " << d);
    REQUIRE(v(t, 0) == real(t > d ? t - d : 0));
  }
}

TEST_CASE("network: every connection adds one step of latency (X -> A -> B)", "[network][schedule]") {
  using net_t = network<layers<input<"X", encoding::latency>,
                               population<"A", neurons::integrate_and_fire, synapses::delta_current>,
                               population<"B", neurons::integrate_and_fire, synapses::delta_current>>,
                        projections<projection<"X", "A", topology::dense>, projection<"A", "B", topology::dense>>>;
  net_t net({.dt_ms = 0.5, .seed = 1}, {1, 1, 1});
  neurons::integrate_and_fire::params fires_at_once;  // threshold 1: one weight-1 input fires it
  net.set_params<"A">(fires_at_once);
  net.set_params<"B">(counter_neuron());
  net.connect<"X", "A">({.weights = {1.0, 1.0}});
  net.connect<"A", "B">({.weights = {1.0, 1.0}});
  net.record_spikes<"X">(10);
  net.record_spikes<"A">(10);
  net.record_state<"B">("v", {0}, 1, 10);
  const std::vector<float> one{1.0f};
  net.run(one, 5.0);
  const auto x = net.spike_raster<"X">(), a = net.spike_raster<"A">();
  const auto vb = net.state_trace<"B">();
  CHECK(x(0, 0) == 1);
  CHECK(a(1, 0) == 1);  // X spikes in step 0, A integrates it and fires in step 1
  CHECK(first_arrival(vb, 0) == 2);  // B's V moves in step 2
  CHECK(net.total_spikes<"A">() == 1);
}

namespace {
template <class Topo>
using fixed_delay_net =
    network<layers<input<"X", encoding::poisson>,
                   population<"E", neurons::integrate_and_fire, synapses::delta_current>>,
            projections<projection<"X", "E", Topo, learning::none, delays::fixed>>>;

// Every input fires every step into its own target(s) through delay d: V(t) = max(0, t - d)
// times the number of sources per target.
template <class Topo>
void check_every_step_delay(const typename Topo::params& tp, unsigned d, real sources_per_target) {
  const std::size_t n = 3, n_steps = 100;
  fixed_delay_net<Topo> net({.dt_ms = 0.5, .seed = 3}, {n, n});
  setup_probe(net, n, n_steps);
  net.template connect<"X", "E">({.topology = tp, .weights = {1.0, 1.0}, .delays = {.delay_ms = d * 0.5}});
  const std::vector<float> every_step(n, 2000.0f);
  net.run(every_step, n_steps * 0.5);
  const auto v = net.template state_trace<"E">();
  for (std::size_t t = 0; t < n_steps; ++t)
    for (std::size_t j = 0; j < n; ++j) {
      INFO("step " << t << ", target " << j << ", delay " << d);
      REQUIRE(v(t, j) == real(t > d ? t - d : 0) * sources_per_target);
    }
}
}  // namespace

TEST_CASE("network delays: the same timing through the non-contiguous topologies", "[network][delays]") {
  const unsigned d = GENERATE(0u, 4u);
  SECTION("one_to_one") { check_every_step_delay<topology::one_to_one>({}, d, 1.0f); }
  SECTION("all_but_self") { check_every_step_delay<topology::all_but_self>({}, d, 2.0f); }
  SECTION("sparse, full") { check_every_step_delay<topology::sparse>({.probability = 1.0}, d, 3.0f); }
}
