// neurons::adaptive_lif: the adaptive threshold theta (Diehl & Cook 2015).
//   spike when V > V_thresh - theta_offset + theta; on a spike (learning) theta += theta_plus;
//   (learning) theta decays as exp(-t/tau_theta), per step or batched every `theta_decay_every`
//   steps for long tau_theta; with learning off theta is frozen.
#include "harness.hpp"

#include <spiketorch/neurons/adaptive_lif.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>

using namespace spiketorch;
using spiketorch::testing::single_population;
using alif = neurons::adaptive_lif;

namespace {
// A neuron far below threshold (V_init -105 mV, no drive): theta evolves on its own.
alif::params silent_params() {
  alif::params p;
  p.v_init_mv = -105.0;
  return p;
}
}  // namespace

TEST_CASE("adaptive_lif: theta decays per step as exp(-t/tau_theta) for short tau_theta",
          "[neurons][adaptive_lif]") {
  auto p = silent_params();
  p.tau_theta_ms = 100.0;  // 1e-4 / (dt/tau) < 1: decays every step
  const double dt = 0.5;
  REQUIRE(alif::derive(p, dt).theta_decay_every == 1);
  single_population<alif> n(1, p, dt);
  const real theta0 = n.field(alif::theta);
  REQUIRE(theta0 == real(20));
  for (int k = 1; k <= 400; ++k) {  // 200 ms = 2 tau_theta
    REQUIRE_FALSE(n.step());
    const double expected = 20.0 * std::exp(-k * dt / p.tau_theta_ms);
    // k float32 multiplications by a factor rounded to float: at most 2^-24 relative each for the
    // factor and for the product, so |relative error| <= k·2^-23 (4.8e-5 at k = 400).
    REQUIRE(double(n.field(alif::theta)) == Approx(expected).epsilon(k * std::ldexp(1.0, -23) + 1e-7));
  }
}

TEST_CASE("adaptive_lif: default tau_theta = 1e7 ms decays in batches, theta(T) = theta0·exp(-T/1e7)",
          "[neurons][adaptive_lif]") {
  const auto p = silent_params();
  const double dt = 0.5;
  const auto d = alif::derive(p, dt);
  // 1e-4 / (0.5/1e7) = 2000 steps per batch, factor exp(-1e-4).
  REQUIRE(d.theta_decay_every == 2000);
  REQUIRE(double(d.theta_decay) == Approx(std::exp(-1e-4)).epsilon(1e-7));
  single_population<alif> n(1, p, dt);
  // Nothing happens before the end of the first batch, then one batch's factor at once.
  for (int k = 0; k < 1999; ++k) n.step();
  CHECK(n.field(alif::theta) == real(20));
  n.step();
  CHECK(n.field(alif::theta) == d.theta_decay * real(20));
  // T = 1e6 ms = 2e6 steps = 1000 batches: theta = 20·exp(-0.1). 1000 float multiplications with
  // a factor rounded to float (2^-24 relative each, twice) give at most 1.2e-4 relative, typically
  // far less; and T is a whole number of batches, so there is no timing error. Tolerance 1e-4.
  const std::uint64_t total = 2'000'000;
  while (n.step_index < total) n.step();
  CHECK(double(n.field(alif::theta)) == Approx(20.0 * std::exp(-1e6 / 1e7)).epsilon(1e-4));
  // And the neuron is silent throughout although its threshold fell: V stays near rest.
  CHECK(n.v() < -60.0f);
}

TEST_CASE("adaptive_lif: each spike raises theta by theta_plus when learning", "[neurons][adaptive_lif]") {
  alif::params p;
  p.v_init_mv = p.v_reset_mv;
  single_population<alif> n(1, p, 0.5);
  n.set_drive(40.0f);  // V_inf = -25 mV, far above the threshold -52 + theta - 20
  // 1500 steps: fewer than one decay batch (2000), so theta changes only by increments.
  const auto spikes = n.run_spike_steps(1500);
  REQUIRE(spikes.size() > 10);
  // Float32 sums of 0.05 onto ~20: each addition rounds by at most 2^-24·21 (1.3e-6).
  CHECK(double(n.field(alif::theta)) ==
        Approx(20.0 + 0.05 * double(spikes.size())).margin(1.3e-6 * double(spikes.size())));
  // The first spike raised theta: a single reset from a known state adds exactly theta_plus.
  single_population<alif> m(1, p, 0.5);
  m.v() = -30.0f;  // above the effective threshold -52
  const real before = m.field(alif::theta);
  REQUIRE(m.step());
  CHECK(m.field(alif::theta) == before + real(0.05));
}

TEST_CASE("adaptive_lif: theta is frozen (no increment, no decay) with learning off",
          "[neurons][adaptive_lif]") {
  alif::params p;
  p.v_init_mv = p.v_reset_mv;
  p.tau_theta_ms = 100.0;  // would decay visibly every step if it were not frozen
  single_population<alif> n(1, p, 0.5);
  n.learning = false;
  n.field(alif::theta) = 23.5f;
  n.set_drive(40.0f);
  const auto spikes = n.run_spike_steps(20000);
  CHECK(spikes.size() > 100);
  CHECK(n.field(alif::theta) == 23.5f);  // bitwise unchanged
}

TEST_CASE("adaptive_lif: effective threshold is v_thresh - theta_offset + theta", "[neurons][adaptive_lif]") {
  alif::params p;  // v_thresh -52, offset 20
  const auto d = alif::derive(p, 0.5);
  soa_block s(alif::n_fields, 1);
  alif::init(s.at(0), p);
  for (real theta : {0.0f, 20.0f, 27.25f}) {
    s.at(0)[alif::theta] = theta;
    const real threshold = real(-52.0 - 20.0) + theta;
    s.at(0)[alif::v] = threshold + 0.01f;
    CHECK(alif::spiked(s.at(0), d));
    s.at(0)[alif::v] = threshold;  // strict: V must exceed the threshold
    CHECK_FALSE(alif::spiked(s.at(0), d));
    s.at(0)[alif::v] = threshold - 0.01f;
    CHECK_FALSE(alif::spiked(s.at(0), d));
  }
  // Dynamically: with learning off the ISI is that of a LIF with V_th = -72 + theta. theta = 25:
  // V_th = -47, V_inf = -65 + 35 = -30, x = (100/0.5)·ln(35/17) = 144.43 -> 145 free steps + 10
  // refractory = 155 steps.
  p.v_init_mv = p.v_reset_mv;
  single_population<alif> n(1, p, 0.5);
  n.learning = false;
  n.field(alif::theta) = 25.0f;
  n.set_drive(35.0f);
  const auto spikes = n.run_spike_steps(2000);
  REQUIRE(spikes.size() >= 3);
  CHECK(spikes[0] == 144u);
  CHECK(spikes[1] - spikes[0] == 155u);
  CHECK(spikes[2] - spikes[1] == 155u);
}

TEST_CASE("adaptive_lif: invalid parameters throw", "[neurons][adaptive_lif]") {
  alif::params p;
  auto bad = p;
  bad.tau_theta_ms = -1;
  CHECK_THROWS_AS(alif::derive(bad, 0.5), invalid_argument);
  bad = p;
  bad.theta_plus_mv = -0.05;
  CHECK_THROWS_AS(alif::derive(bad, 0.5), invalid_argument);
  bad = p;
  bad.tau_m_ms = 0;
  CHECK_THROWS_AS(alif::derive(bad, 0.5), invalid_argument);
}
