// exp_current's exact scheme (synapses/exp_current.hpp): the postsynaptic potential of one
// input against the analytic double exponential, at every step boundary and for any dt; the
// default scheme unchanged; the exact scheme refused without a leaky linear membrane.
#include "../neurons/harness.hpp"

#include <spiketorch/neurons/adaptive_lif.hpp>
#include <spiketorch/neurons/integrate_and_fire.hpp>
#include <spiketorch/neurons/lif.hpp>
#include <spiketorch/spiketorch.hpp>
#include <spiketorch/synapses/exp_current.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using namespace spiketorch;
using spiketorch::testing::single_population;
using synapses::current_scheme;
using synapses::exp_current;

namespace {

// V_rest = 0 so that V is the PSP itself (no cancellation against a large resting potential).
neurons::lif::params quiet_lif(double tau_m) {
  return {.tau_m_ms = tau_m,
          .v_rest_mv = 0,
          .v_reset_mv = -10,
          .v_thresh_mv = 1e6,
          .refractory_ms = 0,
          .v_init_mv = 0};
}

// The PSP of a current I(0) = w decaying with tau_s into a membrane of tau_m, from V(0) = V_rest.
double psp(double t, double w, double tau_m, double tau_s) {
  if (tau_s == tau_m) return w * (t / tau_m) * std::exp(-t / tau_m);
  return w * tau_s / (tau_s - tau_m) * (std::exp(-t / tau_s) - std::exp(-t / tau_m));
}

// V after each of n steps, with I_exc = w at the start of the first.
std::vector<double> exact_trace(double dt, double tau_m, double tau_s, double w, std::size_t n) {
  single_population<neurons::lif, exp_current> pop(
      1, quiet_lif(tau_m), dt, {.tau_exc_ms = tau_s, .scheme = current_scheme::exact});
  pop.syn(exp_current::i_exc) = static_cast<real>(w);
  std::vector<double> v;
  for (std::size_t k = 0; k < n; ++k) {
    pop.step();
    v.push_back(pop.v());
  }
  return v;
}

}  // namespace

TEST_CASE("exp_current exact: one input's PSP is the analytic double exponential to 1e-5",
          "[synapses][exact]") {
  struct case_t {
    double tau_m, tau_s;
  };
  const case_t c =
      GENERATE(case_t{10, 5}, case_t{20, 5}, case_t{10, 10}, case_t{10, 10.000001}, case_t{5, 20});
  const double dt = GENERATE(0.1, 0.5);
  const double w = 7.0, t_end = 50.0;
  const std::size_t n = std::size_t(std::lround(t_end / dt));
  const auto v = exact_trace(dt, c.tau_m, c.tau_s, w, n);
  double peak = 0;
  for (std::size_t k = 0; k < n; ++k) peak = std::max(peak, v[k]);
  for (std::size_t k = 0; k < n; ++k) {
    const double t = (k + 1) * dt, ref = psp(t, w, c.tau_m, c.tau_s);
    INFO("tau_m " << c.tau_m << ", tau_s " << c.tau_s << ", dt " << dt << ", t = " << t);
    // State is float32: the decay factors are rounded to float (2^-24 relative), which adds up
    // to about k·6e-8 after k steps, so 1e-5 holds over the 50 ms (500 steps at dt = 0.1 ms)
    // checked here. 1e-5 relative to the value, or of the peak where the tail has decayed by orders
    // of magnitude (there float32's absolute resolution is what is left).
    REQUIRE(std::abs(v[k] - ref) <= 1e-5 * std::max(std::abs(ref), 1e-2 * peak));
  }
}

TEST_CASE("exp_current exact: the trace at common sample times does not depend on dt",
          "[synapses][exact]") {
  const double tau_m = 10, tau_s = 3, w = 5.0;
  const std::vector<double> dts{0.1, 0.2, 0.25, 0.5, 1.0};
  std::vector<std::vector<double>> at_ms;  // V at t = 1, 2, ..., 40 ms
  for (double dt : dts) {
    const std::size_t per_ms = std::size_t(std::lround(1.0 / dt));
    const auto v = exact_trace(dt, tau_m, tau_s, w, 40 * per_ms);
    std::vector<double> s;
    for (std::size_t ms = 1; ms <= 40; ++ms) s.push_back(v[ms * per_ms - 1]);
    at_ms.push_back(s);
  }
  for (std::size_t d = 1; d < dts.size(); ++d)
    for (std::size_t ms = 0; ms < 40; ++ms) {
      INFO("dt " << dts[d] << " vs " << dts[0] << " at " << ms + 1 << " ms");
      REQUIRE(at_ms[d][ms] == Approx(at_ms[0][ms]).epsilon(1e-5));
    }
  // The per-step scheme (current held over each step) does depend on dt: at 1 ms its PSP peak
  // differs from the exact one by percents.
  single_population<neurons::lif, exp_current> held(1, quiet_lif(tau_m), 1.0,
                                                    {.tau_exc_ms = tau_s});
  held.syn(exp_current::i_exc) = static_cast<real>(w);
  held.step();
  held.step();
  held.step();
  CHECK(std::abs(held.v() - at_ms.back()[2]) > 0.02 * at_ms.back()[2]);
}

TEST_CASE("exp_current exact: inhibitory channel and adaptive_lif; other membranes refused",
          "[synapses][exact][errors]") {
  // Inhibitory channel: the mirror image with its own tau.
  single_population<neurons::lif, exp_current> pop(
      1, quiet_lif(10), 0.25, {.tau_inh_ms = 4, .scheme = current_scheme::exact});
  pop.syn(exp_current::i_inh) = 2.0f;
  for (int k = 1; k <= 80; ++k) {
    pop.step();
    REQUIRE(pop.v() == Approx(-psp(k * 0.25, 2.0, 10, 4)).epsilon(1e-5));
  }
  // adaptive_lif has the same membrane.
  neurons::adaptive_lif::params ap;
  ap.v_rest_mv = 0;
  ap.v_init_mv = 0;
  ap.v_reset_mv = -10;
  ap.v_thresh_mv = 1e6;
  single_population<neurons::adaptive_lif, exp_current> a(
      1, ap, 0.5, {.tau_exc_ms = 5, .scheme = current_scheme::exact});
  a.syn(exp_current::i_exc) = 3.0f;
  for (int k = 1; k <= 100; ++k) {
    a.step();
    REQUIRE(a.v() == Approx(psp(k * 0.5, 3.0, ap.tau_m_ms, 5)).epsilon(1e-5));
  }
  // integrate_and_fire has no leak: the exact scheme is refused, the default taken.
  CHECK_THROWS_WITH((single_population<neurons::integrate_and_fire, exp_current>(
                        1, {}, 0.5, {.scheme = current_scheme::exact})),
                    Catch::Matchers::Contains("exact scheme needs a leaky linear membrane"));
  CHECK_NOTHROW(single_population<neurons::integrate_and_fire, exp_current>(1, {}, 0.5, {}));
  // Through the network: set_params checks it the same way.
  using net_t = network<layers<input<"X", encoding::latency>,
                               population<"E", neurons::integrate_and_fire, synapses::exp_current>>,
                        projections<projection<"X", "E", topology::dense>>>;
  net_t net({.dt_ms = 0.5, .seed = 1}, {1, 1});
  CHECK_THROWS_WITH(net.set_params<"E">({}, {.scheme = current_scheme::exact}),
                    Catch::Matchers::Contains("exact scheme needs a leaky linear membrane"));
}

TEST_CASE("exp_current exact: a network with the exact scheme matches the analytic PSP",
          "[synapses][exact]") {
  // One input spike in step 0 reaches the current at the end of step 0: V follows the double
  // exponential from t = 1 step, sampled at the end of each step.
  using net_t = network<
      layers<input<"X", encoding::latency>, population<"E", neurons::lif, synapses::exp_current>>,
      projections<projection<"X", "E", topology::dense>>>;
  const double dt = 0.1, tau_m = 10, tau_s = 2, w = 4;
  net_t net({.dt_ms = dt, .seed = 1}, {1, 1});
  net.set_params<"E">(quiet_lif(tau_m), {.tau_exc_ms = tau_s, .scheme = current_scheme::exact});
  net.connect<"X", "E">({.weights = {w, w}});
  const std::size_t n = 400;
  net.record_state<"E">("v", {0}, 1, n);
  net.run(std::vector<float>{1.0f}, n * dt);
  const auto v = net.state_trace<"E">();
  CHECK(v(0, 0) == 0.0f);
  for (std::size_t k = 1; k < n; ++k)
    REQUIRE(double(v(k, 0)) == Approx(psp(k * dt, w, tau_m, tau_s)).epsilon(1e-5));
}
