// neurons::fire_once: a non-leaky integrator (V += drive·dt/tau_m + jump) that fires the first
// step V >= V_thresh and never again, with V held from then on, until its state is reset.
#include "harness.hpp"

#include <spiketorch/neurons/fire_once.hpp>

#include <catch2/catch.hpp>

#include <cmath>

using namespace spiketorch;
using spiketorch::testing::single_population;

TEST_CASE("fire_once: fires once, at ceil(V_th·tau/(drive·dt)) - 1, then holds V",
          "[neurons][fire_once]") {
  neurons::fire_once::params p{.tau_m_ms = 10.0, .v_thresh_mv = 1.0};
  single_population<neurons::fire_once> n(1, p, 0.5);
  n.set_drive(0.7f);
  // 1 · 10 / (0.7 · 0.5) = 28.57: V crosses 1 in the 29th integration, step 28.
  const auto spikes = n.run_spike_steps(400);
  REQUIRE(spikes.size() == 1);
  CHECK(spikes.front() == 28);
  CHECK(double(n.v()) == Approx(29 * 0.7 * 0.5 / 10.0).margin(1e-5));  // held at the spike
}

TEST_CASE("fire_once: jumps add directly and the threshold is inclusive", "[neurons][fire_once]") {
  single_population<neurons::fire_once> n(1, neurons::fire_once::params{.v_thresh_mv = 0.5}, 1.0);
  n.syn(testing::constant_drive::jump_mv) = 0.25f;
  CHECK_FALSE(n.step());
  n.syn(testing::constant_drive::jump_mv) = 0.25f;
  CHECK(n.step());  // V = 0.5 exactly
  n.syn(testing::constant_drive::jump_mv) = 10.0f;
  CHECK_FALSE(n.step());
  CHECK(n.v() == 0.5f);
  CHECK_THROWS_WITH(neurons::fire_once::derive({.tau_m_ms = 0}, 1.0),
                    Catch::Contains("fire_once: tau_m_ms"));
}
