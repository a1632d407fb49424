// neurons::integrate_and_fire (non-leaky): V grows by drive·dt/tau_m per step, fires at
// V >= V_thresh. From V_reset the threshold is reached after ceil((V_th - V_reset)·tau/(drive·dt))
// integrating steps, so ISI_steps = round(t_ref/dt) + ceil(...).
#include "harness.hpp"

#include <spiketorch/neurons/integrate_and_fire.hpp>

#include <catch2/catch.hpp>

#include <cmath>

using namespace spiketorch;
using spiketorch::testing::single_population;

TEST_CASE("integrate_and_fire: V is a linear ramp of slope drive/tau_m", "[neurons][iaf]") {
  neurons::integrate_and_fire::params p;  // tau 10, reset 0, thresh 1, t_ref 0, init 0
  p.v_thresh_mv = 100.0;                   // no spike during the ramp
  single_population<neurons::integrate_and_fire> n(1, p, 0.5);
  n.set_drive(0.8f);
  for (int k = 1; k <= 200; ++k) {
    n.step();
    // Float32 accumulation of 200 increments of 0.04: each addition rounds by at most half an ulp
    // of 8 (4.8e-7), so 200·4.8e-7 ≈ 1e-4 mV bounds the error.
    REQUIRE(double(n.v()) == Approx(k * 0.8 * 0.5 / 10.0).margin(1e-4));
  }
}

TEST_CASE("integrate_and_fire: ISI = round(t_ref/dt) + ceil((V_th - V_reset)·tau/(drive·dt)) steps",
          "[neurons][iaf]") {
  struct isi_case {
    double drive, refractory_ms, dt_ms;
    long expected_steps;  // by hand
  };
  // (1 - 0) · 10 / (0.7 · 0.5) = 28.57 -> 29;  with t_ref 2 ms: 4 + 29 = 33;
  // 10 / (3 · 0.1) = 33.3 -> 34;  10 / (13 · 1) = 0.77 -> 1 (fires every step past t_ref 1 ms: 1 + 1).
  const isi_case c = GENERATE(isi_case{0.7, 0.0, 0.5, 29}, isi_case{0.7, 2.0, 0.5, 33},
                              isi_case{3.0, 0.0, 0.1, 34}, isi_case{13.0, 1.0, 1.0, 2});
  neurons::integrate_and_fire::params p;
  p.refractory_ms = c.refractory_ms;
  const double x = (p.v_thresh_mv - p.v_reset_mv) * p.tau_m_ms / (c.drive * c.dt_ms);
  const long expected = std::lround(c.refractory_ms / c.dt_ms) + static_cast<long>(std::ceil(x));
  REQUIRE(expected == c.expected_steps);
  REQUIRE(x - std::floor(x) > 1e-3);  // away from the boundary where rounding could decide

  single_population<neurons::integrate_and_fire> n(1, p, c.dt_ms);
  n.set_drive(static_cast<real>(c.drive));
  const auto spikes = n.run_spike_steps(5000);
  REQUIRE(spikes.size() > 20);
  CHECK(spikes.front() == std::uint64_t(std::ceil(x) - 1));  // from V_init = V_reset, no clamp
  for (std::size_t s = 1; s < spikes.size(); ++s)
    REQUIRE(long(spikes[s] - spikes[s - 1]) == expected);
}

TEST_CASE("integrate_and_fire: threshold is inclusive and jumps add directly", "[neurons][iaf]") {
  neurons::integrate_and_fire::params p;
  single_population<neurons::integrate_and_fire> n(1, p, 0.5);
  n.syn(testing::constant_drive::jump_mv) = 0.5f;
  CHECK_FALSE(n.step());
  CHECK(n.v() == 0.5f);
  n.syn(testing::constant_drive::jump_mv) = 0.5f;  // reaches exactly V_thresh = 1: fires (>=)
  CHECK(n.step());
  CHECK(n.v() == real(p.v_reset_mv));
}

TEST_CASE("integrate_and_fire: invalid parameters throw", "[neurons][iaf]") {
  neurons::integrate_and_fire::params p;
  auto bad = p;
  bad.tau_m_ms = -1;
  CHECK_THROWS_AS(neurons::integrate_and_fire::derive(bad, 0.5), invalid_argument);
  bad = p;
  bad.v_reset_mv = 2.0;
  CHECK_THROWS_AS(neurons::integrate_and_fire::derive(bad, 0.5), invalid_argument);
  bad = p;
  bad.refractory_ms = -0.5;
  CHECK_THROWS_AS(neurons::integrate_and_fire::derive(bad, 0.5), invalid_argument);
  CHECK_THROWS_AS(neurons::integrate_and_fire::derive(p, std::nan("")), invalid_argument);
}
