// Pair, triplet and weight-dependent STDP against their closed forms for hand-placed spikes,
// driving the CPU learning pass step by step (learning/concepts.hpp gives the order in a step:
// traces decay; presynaptic spikes set their trace and depress with the postsynaptic traces of
// before this step's postsynaptic spikes; postsynaptic spikes potentiate with the presynaptic
// traces including this step's spikes, then set their traces).
//
// Tolerance of a weight change dw after n steps of trace decay: the weight (0.5 <= w < 1) is
// rounded to float once per update, at most half an ulp (2^-25 ≈ 3e-8), and the trace carries
// n float roundings of 2^-24 relative from its decay factor and products, so
// |error| <= 3e-8 + |dw|·(n + 2)·2^-23.
#include "driver.hpp"

#include <spiketorch/learning/stdp_pair.hpp>
#include <spiketorch/learning/stdp_triplet.hpp>
#include <spiketorch/learning/stdp_weight_dependent.hpp>
#include <spiketorch/topology/dense.hpp>

#include <catch2/catch.hpp>

#include <cmath>

using namespace spiketorch;
using spiketorch::testing::rule_driver;

namespace {
constexpr double dt = 0.5;

double tol(double expected_dw, int n_steps) {
  return std::ldexp(1.0, -25) + std::abs(expected_dw) * (n_steps + 2) * std::ldexp(1.0, -23);
}

learning::stdp_pair::params pair_params() {
  learning::stdp_pair::params p;
  p.nu_pre = 0.004;  // larger than the default so depression is far above rounding
  p.nu_post = 0.01;
  p.tau_pre_ms = 20.0;
  p.tau_post_ms = 10.0;  // distinct from tau_pre, so using the wrong trace is detected
  return p;
}

// 2 x 2 dense: synapse k = i·2 + j. The tests pair pre 0 with post 1 (synapse 1); the other three
// synapses must only see what their own neurons did.
topology::dense two_by_two() { return topology::dense(2, 2); }
}  // namespace

TEST_CASE("stdp_pair: pre then post dt later potentiates by nu_post·exp(-dt/tau_pre)", "[learning][stdp_pair]") {
  const int n = GENERATE(1, 4, 20, 80);
  const auto p = pair_params();
  rule_driver<learning::stdp_pair, topology::dense> r(p, dt, two_by_two());
  r.fill(0.5f);
  r.step({0}, {});  // pre spike: depression with a zero post trace changes nothing
  CHECK(r.w(1) == 0.5f);
  r.idle(n - 1);
  r.step({}, {1});  // post spike n steps later
  const double expected = p.nu_post * std::exp(-n * dt / p.tau_pre_ms);
  CHECK(double(r.w(1)) - 0.5 == Approx(expected).margin(tol(expected, n)));
  // Synapse 0 -> 0 (target silent), 1 -> 1 (source silent) and 1 -> 0 are untouched; the post
  // spike of target 1 potentiated 1 -> 1 by nu_post · 0.
  CHECK(r.w(0) == 0.5f);
  CHECK(r.w(2) == 0.5f);
  CHECK(r.w(3) == 0.5f);
}

TEST_CASE("stdp_pair: post then pre dt later depresses by nu_pre·exp(-dt/tau_post)", "[learning][stdp_pair]") {
  const int n = GENERATE(1, 4, 20, 60);
  const auto p = pair_params();
  rule_driver<learning::stdp_pair, topology::dense> r(p, dt, two_by_two());
  r.fill(0.5f);
  r.step({}, {1});  // post spike: potentiation with a zero pre trace changes nothing
  CHECK(r.w(1) == 0.5f);
  r.idle(n - 1);
  r.step({0}, {});
  const double expected = -p.nu_pre * std::exp(-n * dt / p.tau_post_ms);
  CHECK(double(r.w(1)) - 0.5 == Approx(expected).margin(tol(expected, n)));
  CHECK(r.w(0) == 0.5f);  // 0 -> 0: its target never fired
}

TEST_CASE("stdp_pair: pre and post in the same step potentiate by nu_post and do not depress",
          "[learning][stdp_pair]") {
  const auto p = pair_params();
  rule_driver<learning::stdp_pair, topology::dense> r(p, dt, two_by_two());
  r.fill(0.5f);
  r.step({0}, {1});
  CHECK(double(r.w(1)) - 0.5 == Approx(p.nu_post).margin(tol(p.nu_post, 0)));
}

TEST_CASE("stdp_pair: set_to_one keeps the latest spike, additive sums them", "[learning][stdp_pair]") {
  auto p = pair_params();
  p.mode = GENERATE(learning::trace_mode::set_to_one, learning::trace_mode::additive);
  rule_driver<learning::stdp_pair, topology::dense> r(p, dt, two_by_two());
  r.fill(0.5f);
  r.step({0}, {});  // pre at step 0
  r.idle(9);
  r.step({0}, {});  // pre at step 10
  r.idle(9);
  r.step({}, {1});  // post at step 20
  const double latest = std::exp(-10 * dt / p.tau_pre_ms), earliest = std::exp(-20 * dt / p.tau_pre_ms);
  const double expected =
      p.nu_post * (p.mode == learning::trace_mode::additive ? latest + earliest : latest);
  CHECK(double(r.w(1)) - 0.5 == Approx(expected).margin(tol(expected, 20)));
}

TEST_CASE("stdp_pair: weights are clipped to [w_min, w_max]", "[learning][stdp_pair]") {
  auto p = pair_params();
  p.w_min = 0.1;
  p.w_max = 0.6;
  p.nu_post = 0.3;
  p.nu_pre = 0.3;
  const double dep1 = 0.3 * std::exp(-dt / p.tau_post_ms);  // post trace one step after its spike
  rule_driver<learning::stdp_pair, topology::dense> r(p, dt, two_by_two());
  r.fill(0.5f);
  r.step({0}, {1});  // 0.5 + 0.3 = 0.8, clipped to 0.6
  CHECK(r.w(1) == 0.6f);
  CHECK(r.w(0) == 0.5f);  // target 0 silent: post trace 0
  CHECK(r.w(3) == 0.5f);  // source 1 silent: pre trace 0
  r.step({0}, {});        // 0.6 - 0.285 = 0.315: inside the bounds, no clip
  CHECK(double(r.w(1)) == Approx(0.6 - dep1).margin(1e-6));
  r.step({}, {1});        // 0.315 + 0.3·exp(-dt/20) = 0.607, clipped to 0.6
  CHECK(r.w(1) == 0.6f);
  r.step({0}, {});        // 0.6 - 0.285 = 0.315
  r.step({0}, {});        // 0.315 - 0.3·exp(-2 dt/10) = 0.043, clipped to 0.1
  CHECK(r.w(1) == 0.1f);
  CHECK(r.w(0) == 0.5f);
}

namespace {
learning::stdp_triplet::params triplet_params() {
  learning::stdp_triplet::params p;  // tau_pre 20, tau_post1 20, tau_post2 40
  p.nu_pre = 0.004;
  p.nu_post = 0.01;
  p.tau_post1_ms = 10.0;  // distinct from the others so a swapped trace is detected
  return p;
}
}  // namespace

TEST_CASE("stdp_triplet: the first post spike after silence potentiates nothing; the second "
          "potentiates by nu_post·pre·post2 (sampled before the reset)",
          "[learning][stdp_triplet]") {
  const auto p = triplet_params();
  const int m = 4, n = GENERATE(2, 10, 40);
  rule_driver<learning::stdp_triplet, topology::dense> r(p, dt, two_by_two());
  r.fill(0.5f);
  r.step({0}, {});  // pre at step 0
  r.idle(m - 1);
  r.step({}, {1});  // first post at step m: post2 was 0
  CHECK(r.w(1) == 0.5f);
  r.idle(n - 1);
  r.step({}, {1});  // second post at step m + n
  const double expected =
      p.nu_post * std::exp(-(m + n) * dt / p.tau_pre_ms) * std::exp(-n * dt / p.tau_post2_ms);
  CHECK(double(r.w(1)) - 0.5 == Approx(expected).margin(tol(expected, m + n)));
}

TEST_CASE("stdp_triplet: a pre spike k steps after a post spike depresses by nu_pre·post1",
          "[learning][stdp_triplet]") {
  const auto p = triplet_params();
  const int k = GENERATE(1, 7, 30);
  rule_driver<learning::stdp_triplet, topology::dense> r(p, dt, two_by_two());
  r.fill(0.5f);
  r.step({}, {1});
  r.idle(k - 1);
  r.step({0}, {});
  const double expected = -p.nu_pre * std::exp(-k * dt / p.tau_post1_ms);
  CHECK(double(r.w(1)) - 0.5 == Approx(expected).margin(tol(expected, k)));
  // The pre trace is 1 regardless of earlier pre spikes (no additive mode in this rule).
  r.step({0}, {});
  r.step({}, {1});
  const double post2 = std::exp(-(k + 2) * dt / p.tau_post2_ms);
  // Two pre spikes in a row: the trace is exp(-dt/tau_pre) at the post spike, not 1 + exp(...).
  const double dep2 = -p.nu_pre * std::exp(-(k + 1) * dt / p.tau_post1_ms);
  const double pot = p.nu_post * std::exp(-dt / p.tau_pre_ms) * post2;
  CHECK(double(r.w(1)) - 0.5 == Approx(expected + dep2 + pot).margin(tol(pot, k + 2) + 2e-7));
}

namespace {
learning::stdp_weight_dependent::params wd_params() {
  learning::stdp_weight_dependent::params p;  // x_tar 0.4, mu 0.2, tau 20/20, bounds [0, 1]
  p.eta_pre = 0.005;
  p.eta_post = 0.01;
  p.tau_post_ms = 10.0;
  return p;
}
}  // namespace

TEST_CASE("stdp_weight_dependent: potentiation eta_post·(x_pre - x_tar)·(w_max - w)^mu",
          "[learning][stdp_weight_dependent]") {
  const auto p = wd_params();
  // n = 4: x_pre = 0.905 > x_tar (potentiation); n = 60: x_pre = 0.22 < x_tar (depression).
  const int n = GENERATE(4, 60);
  const float w0 = GENERATE(0.5f, 0.9f);
  rule_driver<learning::stdp_weight_dependent, topology::dense> r(p, dt, two_by_two());
  r.fill(w0);
  r.step({0}, {});
  r.idle(n - 1);
  r.step({}, {1});
  const double x_pre = std::exp(-n * dt / p.tau_pre_ms);
  const double expected = p.eta_post * (x_pre - p.x_tar) * std::pow(p.w_max - w0, p.mu);
  CHECK(double(r.w(1)) - w0 == Approx(expected).margin(tol(expected, n)));
  // Source 1 never fired: its synapse onto the spiking target loses eta_post·x_tar·(w_max - w)^mu.
  const double silent = -p.eta_post * p.x_tar * std::pow(p.w_max - w0, p.mu);
  CHECK(double(r.w(3)) - w0 == Approx(silent).margin(tol(silent, 0)));
}

TEST_CASE("stdp_weight_dependent: depression eta_pre·x_post·w^mu, and clipping at w_min",
          "[learning][stdp_weight_dependent]") {
  auto p = wd_params();
  const int n = 6;
  rule_driver<learning::stdp_weight_dependent, topology::dense> r(p, dt, two_by_two());
  r.fill(0.5f);
  r.step({}, {1});  // the post spike itself moves w by -eta_post·x_tar·(w_max - w)^mu (no pre trace)
  const double w1 = r.w(1);
  CHECK(w1 - 0.5 == Approx(-p.eta_post * p.x_tar * std::pow(0.5, p.mu)).margin(tol(4e-3, 0)));
  r.idle(n - 1);
  r.step({0}, {});
  const double expected = -p.eta_pre * std::exp(-n * dt / p.tau_post_ms) * std::pow(w1, p.mu);
  CHECK(double(r.w(1)) - w1 == Approx(expected).margin(tol(expected, n)));

  // A potentiation below x_tar that would cross w_min is clipped there.
  p.w_min = 0.2;
  p.eta_post = 1.0;
  rule_driver<learning::stdp_weight_dependent, topology::dense> c(p, dt, two_by_two());
  c.fill(0.25f);
  c.step({}, {1});  // no pre trace: dw = -1·0.4·0.75^0.2 = -0.38 -> clipped at 0.2
  CHECK(c.w(1) == 0.2f);
  CHECK(c.w(3) == 0.2f);
  // And one above x_tar near w_max stops at w_max (here 1): (w_max - w)^mu slows it, the clip
  // guarantees it.
  c.fill(0.999f);
  c.step({0}, {1});
  CHECK(c.w(1) <= 1.0f);
  CHECK(c.w(1) > 0.999f);
}

TEST_CASE("stdp rules: invalid parameters throw", "[learning]") {
  auto p = pair_params();
  p.w_min = 1.0;
  p.w_max = 0.5;
  CHECK_THROWS_AS(learning::stdp_pair::derive(p, dt), invalid_argument);
  p = pair_params();
  p.tau_pre_ms = -20;
  CHECK_THROWS_AS(learning::stdp_pair::derive(p, dt), invalid_argument);
  auto t = triplet_params();
  t.tau_post2_ms = 0;
  CHECK_THROWS_AS(learning::stdp_triplet::derive(t, dt), invalid_argument);
  auto w = wd_params();
  w.w_min = -0.1;
  CHECK_THROWS_AS(learning::stdp_weight_dependent::derive(w, dt), invalid_argument);
  w = wd_params();
  w.mu = -1;
  CHECK_THROWS_AS(learning::stdp_weight_dependent::derive(w, dt), invalid_argument);
}
