// neurons::lif against closed forms.
//
// Integration scheme (lif.hpp): with the drive held over a step,
//   V(t + dt) = V_inf + (V(t) - V_inf)·exp(-dt/tau_m),  V_inf = V_rest + drive,
// so relaxation from V0 is V(n·dt) = V_inf + (V0 - V_inf)·exp(-n·dt/tau_m) exactly, up to float32
// rounding. After a spike V is clamped at V_reset for R = round(t_ref/dt) steps and integrates
// again in the step after; a spike is emitted in the first step whose V exceeds V_thresh.
#include "harness.hpp"

#include <spiketorch/neurons/lif.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

using namespace spiketorch;
using spiketorch::testing::single_population;

namespace {

neurons::lif::params quiet_params() {
  neurons::lif::params p;  // tau 10 ms, rest -60, reset -45, thresh -40, t_ref 2 ms, init -100
  return p;
}

// Float32 rounding bound for the relaxation. Each step rounds V (|V| < 128 mV, so half an ulp is
// eps = 2^-24·64 = 3.8e-6 mV) in about three operations, and an error made in one step is
// multiplied by a = exp(-dt/tau) in every later step, so the accumulated error is below
// 3·eps/(1 - a). The same quantity is the floor of the scheme near V_inf: once
// (1 - a)·|V - V_inf| is below half an ulp the update rounds back to V and V stalls there. So the
// tolerance is 3·eps/(1 - a): 2.3e-4 mV at dt/tau = 0.05, 1.2e-4 mV at 0.1, 1.1e-3 mV at 0.01.
// (The decay factor's own rounding, 2^-25 relative, adds below 1e-5 mV.) Any modelling error -
// a wrong factor, a drive applied after the decay, a missing step - is of order 0.1-10 mV.
double relax_tol_mv(double dt_ms, double tau_ms) {
  return 3.0 * std::ldexp(64.0, -24) / (1.0 - std::exp(-dt_ms / tau_ms));
}

}  // namespace

TEST_CASE("lif: membrane relaxes as V_inf + (V0 - V_inf)·exp(-t/tau)", "[neurons][lif]") {
  const double dt = GENERATE(0.1, 0.5, 1.0);
  const double drive = GENERATE(0.0, 15.0);  // V_inf = -60 or -45 mV: both below threshold -40
  auto p = quiet_params();
  single_population<neurons::lif> n(1, p, dt);
  n.set_drive(static_cast<real>(drive));
  const double v_inf = p.v_rest_mv + drive;
  const int steps = static_cast<int>(std::lround(200.0 / dt));  // 20 time constants
  double max_err = 0;
  for (int k = 1; k <= steps; ++k) {
    REQUIRE_FALSE(n.step());
    const double expected = v_inf + (p.v_init_mv - v_inf) * std::exp(-k * dt / p.tau_m_ms);
    max_err = std::max(max_err, std::abs(double(n.v()) - expected));
  }
  INFO("dt = " << dt << " ms, drive = " << drive << " mV, max |error| = " << max_err << " mV");
  CHECK(max_err < relax_tol_mv(dt, p.tau_m_ms));
  // Relaxed to V_inf after 20 time constants (40 mV · e^-20 = 8e-8 mV).
  CHECK(std::abs(double(n.v()) - v_inf) < relax_tol_mv(dt, p.tau_m_ms));
}

TEST_CASE("lif: exact integration gives the same V at the same time for any dt", "[neurons][lif]") {
  // With a constant drive the scheme is exact, so V(5 ms) is independent of dt.
  auto p = quiet_params();
  const double expected = -48.0 + (-100.0 + 48.0) * std::exp(-0.5);
  for (double dt : {0.05, 0.25, 0.5, 1.0, 5.0}) {
    single_population<neurons::lif> n(1, p, dt);
    n.set_drive(12.0f);
    for (long k = 0; k < std::lround(5.0 / dt); ++k) n.step();
    INFO("dt = " << dt);
    CHECK(double(n.v()) == Approx(expected).margin(relax_tol_mv(dt, p.tau_m_ms)));
  }
}

namespace {
struct isi_case {
  double drive_mv, refractory_ms, dt_ms, tau_m_ms;
  long expected_isi_steps;  // worked out by hand from the formula below
};

// Expected inter-spike interval in steps under the documented discretisation: R clamped steps,
// then k integrating steps from V_reset where k is the first with V_k > V_thresh, i.e.
// k = floor(x) + 1 with x = (tau/dt)·ln((V_inf - V_reset)/(V_inf - V_thresh)) (the continuous
// free-flight time in steps). So ISI_steps = R + floor(x) + 1, and ISI_steps·dt lies in
// (ISI_analytic, ISI_analytic + dt], ISI_analytic = t_ref + tau·ln(...).
struct isi_expectation {
  long refractory_steps, free_steps;
  double x, analytic_ms;
  long isi_steps() const { return refractory_steps + free_steps; }
};
isi_expectation expect_isi(const neurons::lif::params& p, const isi_case& c) {
  const double v_inf = p.v_rest_mv + c.drive_mv;
  const double x = c.tau_m_ms / c.dt_ms * std::log((v_inf - p.v_reset_mv) / (v_inf - p.v_thresh_mv));
  return {std::lround(c.refractory_ms / c.dt_ms), static_cast<long>(std::floor(x)) + 1, x,
          c.refractory_ms + c.tau_m_ms * std::log((v_inf - p.v_reset_mv) / (v_inf - p.v_thresh_mv))};
}
}  // namespace

TEST_CASE("lif: constant drive fires with ISI = t_ref + tau·ln((V_inf - V_reset)/(V_inf - V_th))",
          "[neurons][lif]") {
  // x is the free-flight time in steps; ISI_steps = round(t_ref/dt) + floor(x) + 1.
  const isi_case c = GENERATE(isi_case{30.0, 2.0, 0.5, 10.0, 13},   // x = 8.11:  4 + 9 = 13 steps
                              isi_case{21.0, 2.0, 0.5, 10.0, 40},   // x = 35.84: 4 + 36 = 40 (near rheobase)
                              isi_case{100.0, 5.0, 0.5, 20.0, 13},  // x = 2.42: 10 + 3 = 13 (strong drive)
                              isi_case{45.0, 0.0, 0.1, 10.0, 19},   // x = 18.23: 0 + 19 = 19 (no t_ref)
                              isi_case{35.0, 3.0, 1.0, 15.0, 8});  // x = 4.32:  3 + 5 = 8 (coarse dt)
  auto p = quiet_params();
  p.tau_m_ms = c.tau_m_ms;
  p.refractory_ms = c.refractory_ms;
  p.v_init_mv = p.v_reset_mv;  // start as just after a spike's clamp: first spike after k steps
  const isi_expectation e = expect_isi(p, c);
  // The case must not sit on a step boundary, where float rounding could decide either way.
  const double frac = e.x - std::floor(e.x);
  REQUIRE(frac > 1e-3);
  REQUIRE(frac < 1 - 1e-3);
  REQUIRE(e.isi_steps() == c.expected_isi_steps);

  single_population<neurons::lif> n(1, p, c.dt_ms);
  n.set_drive(static_cast<real>(c.drive_mv));
  const double duration_ms = 2000.0;
  const auto n_steps = static_cast<std::uint64_t>(std::lround(duration_ms / c.dt_ms));
  const auto spikes = n.run_spike_steps(n_steps);
  INFO("drive " << c.drive_mv << " mV, dt " << c.dt_ms << " ms: expected ISI " << e.isi_steps()
                << " steps (analytic " << e.analytic_ms << " ms)");
  REQUIRE(spikes.size() > 10);
  // First spike: k integrating steps from V_reset, in step k - 1 (0-based).
  CHECK(spikes.front() == std::uint64_t(e.free_steps - 1));
  for (std::size_t s = 1; s < spikes.size(); ++s) {
    const auto isi = static_cast<long>(spikes[s] - spikes[s - 1]);
    REQUIRE(isi == e.isi_steps());
    // Within one step of the continuous formula.
    REQUIRE(std::abs(isi * c.dt_ms - e.analytic_ms) <= c.dt_ms);
  }
  // Mean rate over the run. The spike count differs from duration/ISI by at most one, so the
  // rate is within 1000/duration Hz of 1000/(ISI_steps·dt); the discretised ISI is in
  // (ISI_analytic, ISI_analytic + dt], which bounds the rate against the analytic one.
  const double rate_hz = 1000.0 * double(spikes.size()) / duration_ms;
  const double count_tol_hz = 1000.0 / duration_ms;
  CHECK(std::abs(rate_hz - 1000.0 / (e.isi_steps() * c.dt_ms)) <= count_tol_hz);
  CHECK(rate_hz <= 1000.0 / e.analytic_ms + count_tol_hz);
  CHECK(rate_hz >= 1000.0 / (e.analytic_ms + c.dt_ms) - count_tol_hz);
}

TEST_CASE("lif: drive at or below rheobase never fires", "[neurons][lif]") {
  auto p = quiet_params();
  single_population<neurons::lif> n(1, p, 0.5);
  n.set_drive(19.9f);  // V_inf = -40.1 mV < V_thresh
  CHECK(n.run_spike_steps(20000).empty());
  CHECK(n.v() < p.v_thresh_mv);
  n.set_drive(20.2f);  // V_inf = -39.8 mV: fires, eventually
  CHECK_FALSE(n.run_spike_steps(20000).empty());
}

TEST_CASE("lif: clamped at V_reset for round(t_ref/dt) steps; input while clamped is lost",
          "[neurons][lif]") {
  auto p = quiet_params();
  p.refractory_ms = 2.2;  // 4.4 steps at dt 0.5: rounds to 4
  p.v_init_mv = -39.0;    // above threshold: spikes in step 0 if nothing pulls it down
  single_population<neurons::lif> n(1, p, 0.5);
  n.set_drive(20.0f);  // V_inf = -40: holds V just around threshold from below after reset
  // Step 0: V relaxes from -39 towards -40 but stays above threshold -> spike, reset.
  REQUIRE(n.step());
  CHECK(n.v() == real(p.v_reset_mv));
  CHECK(n.field(neurons::lif::refractory_left) == 4);
  for (int k = 0; k < 4; ++k) {
    n.syn(testing::constant_drive::jump_mv) = 50.0f;  // would fire at once if not clamped
    CHECK_FALSE(n.step());
    CHECK(n.v() == real(p.v_reset_mv));
  }
  // Integrates again in the next step: from -45 towards -40 (no jump): no spike yet.
  CHECK_FALSE(n.step());
  CHECK(n.v() > real(p.v_reset_mv));
  // A jump now goes through.
  n.syn(testing::constant_drive::jump_mv) = 50.0f;
  CHECK(n.step());
}

TEST_CASE("lif: invalid parameters throw", "[neurons][lif]") {
  auto p = quiet_params();
  CHECK_NOTHROW(neurons::lif::derive(p, 0.5));
  auto bad = p;
  bad.tau_m_ms = -10;
  CHECK_THROWS_AS(neurons::lif::derive(bad, 0.5), invalid_argument);
  bad = p;
  bad.tau_m_ms = 0;
  CHECK_THROWS_AS(neurons::lif::derive(bad, 0.5), invalid_argument);
  bad = p;
  bad.refractory_ms = -1;
  CHECK_THROWS_AS(neurons::lif::derive(bad, 0.5), invalid_argument);
  bad = p;
  bad.v_reset_mv = bad.v_thresh_mv;
  CHECK_THROWS_AS(neurons::lif::derive(bad, 0.5), invalid_argument);
  bad = p;
  bad.v_rest_mv = std::nan("");
  CHECK_THROWS_AS(neurons::lif::derive(bad, 0.5), invalid_argument);
  CHECK_THROWS_AS(neurons::lif::derive(p, 0.0), invalid_argument);
  CHECK_THROWS_AS(neurons::lif::derive(p, -0.5), invalid_argument);
}

TEST_CASE("lif: a large population updates every neuron like a single one", "[neurons][lif]") {
  // The vectorised loop over 40000 neurons (and its remainder) must let each neuron evolve
  // exactly (bitwise) as a lone neuron would.
  auto p = quiet_params();
  p.v_init_mv = p.v_reset_mv;
  const std::size_t n = 40000;
  single_population<neurons::lif> big(n, p, 0.5);
  for (std::size_t i = 0; i < n; ++i) big.set_drive(real(15.0 + 30.0 * double(i) / n), i);
  // 60 steps: the strongest drives fire twice or more, the weakest not at all.
  const std::uint64_t n_steps = 60;
  std::vector<std::vector<std::uint64_t>> spikes(n);
  bool ordered = true;
  for (std::uint64_t t = 0; t < n_steps; ++t) {
    big.step();
    const auto current = big.pop.emitted();
    for (std::size_t s = 0; s < current.size(); ++s) {
      ordered = ordered && (s == 0 || current[s] > current[s - 1]);  // increasing, no duplicates
      spikes[current[s]].push_back(t);
    }
  }
  CHECK(ordered);
  CHECK(spikes[n - 1].size() >= 2);
  for (std::size_t i : {std::size_t(0), std::size_t(1), std::size_t(12345), std::size_t(32767),
                        std::size_t(32768), std::size_t(39999)}) {
    single_population<neurons::lif> one(1, p, 0.5);
    one.set_drive(real(15.0 + 30.0 * double(i) / n));
    const auto expected = one.run_spike_steps(n_steps);
    INFO("neuron " << i);
    CHECK(spikes[i] == expected);
    CHECK(big.v(i) == one.v());
  }
}
