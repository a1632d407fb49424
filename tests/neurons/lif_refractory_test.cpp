// lif's refractory rules (neurons/lif.hpp): the exact steps at which a constantly driven neuron
// fires, against the period formula of each rule.
#include "harness.hpp"

#include <spiketorch/neurons/lif.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

using namespace spiketorch;
using neurons::refractory_rule;
using spiketorch::testing::single_population;

namespace {

// Integration steps from V_reset to above threshold under constant drive D (V_inf = V_rest + D):
// the least k >= 1 with V_inf + (V_reset - V_inf)·a^k > V_th, a = exp(-dt/tau_m).
std::uint64_t steps_to_threshold(const neurons::lif::params& p, double drive, double dt) {
  const double v_inf = p.v_rest_mv + drive;
  const double x = std::log((p.v_thresh_mv - v_inf) / (p.v_reset_mv - v_inf)) / (-dt / p.tau_m_ms);
  // Keep clear of a crossing exactly at a step boundary, where float rounding decides.
  REQUIRE(std::abs(x - std::round(x)) > 0.01);
  return std::uint64_t(std::floor(x)) + 1;
}

}  // namespace

TEST_CASE(
    "lif refractory rules: spike steps of a constantly driven neuron follow the period "
    "formula",
    "[neurons][lif][refractory]") {
  const double dt = 0.5, drive = 30.0;
  const double t_ref = GENERATE(0.0, 0.5, 2.0, 2.5, 5.0);
  const refractory_rule rule =
      GENERATE(refractory_rule::clamp_steps_after_spike, refractory_rule::since_spike);
  neurons::lif::params p{.tau_m_ms = 10,
                         .v_rest_mv = -65,
                         .v_reset_mv = -65,
                         .v_thresh_mv = -50,
                         .refractory_ms = t_ref,
                         .v_init_mv = -65,
                         .refractory = rule};
  const std::uint64_t r = std::uint64_t(std::lround(t_ref / dt));
  const std::uint64_t k = steps_to_threshold(p, drive, dt);
  // clamp_steps_after_spike: clamped in s+1 .. s+R, integrates from s+R+1; since_spike (Brian,
  // t - lastspike >= t_ref): integrates again from s + max(R, 1).
  const std::uint64_t period = rule == refractory_rule::clamp_steps_after_spike
                                   ? r + k
                                   : std::max<std::uint64_t>(r, 1) - 1 + k;
  single_population<neurons::lif> n(1, p, dt);
  n.set_drive(real(drive));
  const auto spikes = n.run_spike_steps(20 * period);
  INFO("t_ref " << t_ref << " ms (" << r << " steps), k = " << k << ", period " << period);
  REQUIRE(spikes.size() >= 10);
  // From V_init = V_reset and not refractory: the first spike after k integration steps.
  CHECK(spikes[0] == k - 1);
  for (std::size_t q = 1; q < spikes.size(); ++q) REQUIRE(spikes[q] - spikes[q - 1] == period);
  // In simulated time, Brian's rule gives ISI = t_ref + (k - 1)·dt when t_ref >= dt: one step
  // shorter than the default's t_ref + k·dt.
  if (rule == refractory_rule::since_spike && r >= 1)
    CHECK(period * dt == Approx(t_ref + (k - 1) * dt));
}

TEST_CASE("lif since_spike: V stays at V_reset exactly in steps s+1 .. s+R-1",
          "[neurons][lif][refractory]") {
  const double dt = 0.5;
  neurons::lif::params p{.tau_m_ms = 10,
                         .v_rest_mv = -65,
                         .v_reset_mv = -65,
                         .v_thresh_mv = -50,
                         .refractory_ms = 2.0,
                         .v_init_mv = -65,
                         .refractory = refractory_rule::since_spike};
  single_population<neurons::lif> n(1, p, dt);
  n.set_drive(2000.0f);           // fires on the first integration step
  REQUIRE(n.step());              // spike in step 0
  for (int s = 1; s <= 3; ++s) {  // R = 4: clamped in steps 1..3
    CHECK_FALSE(n.step());
    CHECK(n.v() == -65.0f);
  }
  CHECK(n.step());  // step 4 = s + R integrates and, with this drive, fires again
}
