// The learning pass (learning/trace_state.hpp) on every topology, with and without axonal delays,
// against a brute-force double-precision reference that keeps the full trace history:
//   - the presynaptic trace seen by synapse (i, j) at step t is x_pre_i(t - d_ij) (inputs that
//     have not arrived do not potentiate);
//   - a presynaptic spike emitted at t_e depresses (i, j) with x_post_j at its arrival step
//     t_e + d_ij, before that step's postsynaptic spikes; the depression is applied max_delay
//     steps after emission, so spikes emitted in the last max_delay steps are still pending.
// Weights stay inside the bounds (small rates), so the order of updates does not matter and the
// reference can sum them. Tolerance: per update, float rounding of w (3e-8) and of the traces
// (~1e-6 relative over their lifetime), plus the documented neglect of postsynaptic traces below
// 1e-6 (at most nu_pre·1e-6 per depression); over a few hundred updates per synapse 2e-6 absolute.
#include "driver.hpp"

#include <spiketorch/core/random.hpp>
#include <spiketorch/learning/stdp_pair.hpp>
#include <spiketorch/topology/all_but_self.hpp>
#include <spiketorch/topology/dense.hpp>
#include <spiketorch/topology/one_to_one.hpp>
#include <spiketorch/topology/sparse.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <tuple>
#include <vector>

using namespace spiketorch;
using spiketorch::testing::rule_driver;

namespace {

constexpr double dt = 0.5;

struct spike_pattern {
  std::vector<std::vector<index_t>> pre, post;  // per step
};

spike_pattern random_pattern(std::size_t n_pre, std::size_t n_post, std::size_t n_steps, double p_pre,
                             double p_post, std::uint64_t seed) {
  spike_pattern s{std::vector<std::vector<index_t>>(n_steps), std::vector<std::vector<index_t>>(n_steps)};
  sequential_uniforms u(random_stream(seed, 99), 0, 0);
  for (std::size_t t = 0; t < n_steps; ++t) {
    for (index_t i = 0; i < n_pre; ++i)
      if (u.next() < p_pre) s.pre[t].push_back(i);
    for (index_t j = 0; j < n_post; ++j)
      if (u.next() < p_post) s.post[t].push_back(j);
  }
  return s;
}

template <class Topo>
std::vector<std::tuple<index_t, index_t, std::size_t>> synapses_of(const Topo& t) {
  std::vector<std::tuple<index_t, index_t, std::size_t>> out;
  t.for_each_synapse([&](index_t i, index_t j, std::size_t k) { out.emplace_back(i, j, k); });
  return out;
}

// Final weights of the pair rule (set_to_one traces) by brute force over the trace history.
template <class Topo>
std::vector<double> reference_weights(const Topo& topo, const std::vector<delays::steps_t>& delay,
                                      const learning::stdp_pair::params& p, const spike_pattern& s,
                                      double w0) {
  const std::size_t T = s.pre.size(), n_pre = topo.n_pre(), n_post = topo.n_post();
  const double a_pre = std::exp(-dt / p.tau_pre_ms), a_post = std::exp(-dt / p.tau_post_ms);
  // x_pre[t][i]: after step t's decay and presynaptic spikes; y_post[t][j]: after step t's decay,
  // before its postsynaptic spikes.
  std::vector<std::vector<double>> x_pre(T, std::vector<double>(n_pre)), y_post(T, std::vector<double>(n_post));
  std::vector<double> x(n_pre, 0.0), y(n_post, 0.0);
  for (std::size_t t = 0; t < T; ++t) {
    for (auto& v : x) v *= a_pre;
    for (auto& v : y) v *= a_post;
    for (index_t i : s.pre[t]) x[i] = 1.0;
    x_pre[t] = x;
    y_post[t] = y;
    for (index_t j : s.post[t]) y[j] = 1.0;
  }
  std::size_t max_delay = 0;
  for (auto d : delay) max_delay = std::max<std::size_t>(max_delay, d);
  std::vector<double> w(topo.n_synapses(), w0);
  for (const auto& [i, j, k] : synapses_of(topo)) {
    const std::size_t d = delay.empty() ? 0 : delay[k];
    for (std::size_t t = 0; t < T; ++t) {
      for (index_t jj : s.post[t])
        if (jj == j && t >= d) w[k] += p.nu_post * x_pre[t - d][i];
      for (index_t ii : s.pre[t])
        if (ii == i && t + max_delay < T) w[k] -= p.nu_pre * y_post[t + d][j];
    }
  }
  return w;
}

template <class Topo>
void check_against_reference(Topo topo, std::vector<delays::steps_t> delay, std::uint64_t seed) {
  learning::stdp_pair::params p;
  p.nu_pre = 0.002;
  p.nu_post = 0.003;
  p.tau_pre_ms = 20.0;
  p.tau_post_ms = 7.0;
  const std::size_t T = 600;
  const auto s = random_pattern(topo.n_pre(), topo.n_post(), T, 0.02, 0.03, seed);
  const double w0 = 0.5;
  const auto expected = reference_weights(topo, delay, p, s, w0);
  rule_driver<learning::stdp_pair, Topo> r(p, dt, std::move(topo), std::move(delay));
  r.fill(real(w0));
  for (std::size_t t = 0; t < T; ++t) r.step(s.pre[t], s.post[t]);
  double max_err = 0, max_change = 0;
  for (std::size_t k = 0; k < expected.size(); ++k) {
    max_err = std::max(max_err, std::abs(double(r.w(k)) - expected[k]));
    max_change = std::max(max_change, std::abs(expected[k] - w0));
  }
  INFO("max |error| " << max_err << ", largest weight change " << max_change);
  REQUIRE(max_change > 0.01);  // the pattern really exercises the rule
  CHECK(max_err < 2e-6);
}

std::vector<delays::steps_t> random_delays(std::size_t n, unsigned max_steps, std::uint64_t seed) {
  std::vector<delays::steps_t> d(n);
  sequential_uniforms u(random_stream(seed, 5), 0, 0);
  for (auto& x : d) x = static_cast<delays::steps_t>(std::min<unsigned>(max_steps, unsigned(u.next() * (max_steps + 1))));
  return d;
}

}  // namespace

TEST_CASE("plasticity: pair STDP on every topology matches the brute-force reference (no delays)",
          "[learning][plasticity]") {
  SECTION("dense") { check_against_reference(topology::dense(12, 9), {}, 1); }
  SECTION("sparse") {
    check_against_reference(topology::sparse(12, 9, {.probability = 0.4}, random_stream(3, 4)), {}, 2);
  }
  SECTION("one_to_one") { check_against_reference(topology::one_to_one(15, 15), {}, 3); }
  SECTION("all_but_self") { check_against_reference(topology::all_but_self(10, 10), {}, 4); }
}

TEST_CASE("plasticity: pair STDP with per-synapse delays matches the brute-force reference",
          "[learning][plasticity]") {
  SECTION("dense") {
    topology::dense t(12, 9);
    auto d = random_delays(t.n_synapses(), 20, 11);
    check_against_reference(std::move(t), std::move(d), 5);
  }
  SECTION("sparse") {
    topology::sparse t(12, 9, {.probability = 0.4}, random_stream(3, 4));
    auto d = random_delays(t.n_synapses(), 7, 12);
    check_against_reference(std::move(t), std::move(d), 6);
  }
  SECTION("all_but_self") {
    topology::all_but_self t(10, 10);
    auto d = random_delays(t.n_synapses(), 3, 13);
    check_against_reference(std::move(t), std::move(d), 7);
  }
}

TEST_CASE("plasticity: with delay d, pre then post potentiates by nu_post·exp(-(dt_post - d)/tau_pre) "
          "once the spike has arrived, and not before",
          "[learning][plasticity]") {
  learning::stdp_pair::params p;
  p.nu_post = 0.01;
  p.nu_pre = 0.004;
  // 1 -> 3 dense with delays 0, 3, 7 steps on synapses 0, 1, 2.
  rule_driver<learning::stdp_pair, topology::dense> r(p, dt, topology::dense(1, 3), {0, 3, 7});
  r.fill(0.5f);
  r.step({0}, {});  // emitted at step 0
  r.idle(4);
  r.step({}, {0, 1, 2});  // post spikes at step 5: arrived through delays 0 and 3, not 7
  CHECK(double(r.w(0)) - 0.5 == Approx(p.nu_post * std::exp(-5 * dt / p.tau_pre_ms)).margin(1e-7));
  CHECK(double(r.w(1)) - 0.5 == Approx(p.nu_post * std::exp(-2 * dt / p.tau_pre_ms)).margin(1e-7));
  // Synapse 2: the spike arrives at step 7, after the post spike at 5: depression by
  // nu_pre·x_post(arrival) = nu_pre·exp(-2 dt/tau_post), applied once all arrivals are past.
  r.idle(5);
  CHECK(double(r.w(2)) - 0.5 == Approx(-p.nu_pre * std::exp(-2 * dt / p.tau_post_ms)).margin(1e-7));
}

TEST_CASE("plasticity: a target silent for long is skipped by depression and then re-activated "
          "cleanly", "[learning][plasticity]") {
  learning::stdp_pair::params p;
  p.nu_pre = 0.004;
  p.tau_post_ms = 10.0;
  rule_driver<learning::stdp_pair, topology::dense> r(p, dt, topology::dense(1, 1), {});
  r.fill(0.5f);
  r.step({}, {0});
  const auto window = r.traces.window();
  // exp(-window·dt/tau_post) <= 1e-6 (the documented cut-off).
  CHECK(std::exp(-double(window) * dt / p.tau_post_ms) <= 1e-6 * (1 + 1e-9));
  r.idle(window + 10);
  r.step({0}, {});  // neglected depression below nu_pre·1e-6
  CHECK(std::abs(double(r.w(0)) - 0.5) <= p.nu_pre * 1e-6 + 3e-8);
  const real before = r.w(0);
  r.step({}, {0});  // potentiation by the pre spike one step earlier
  r.idle(2);
  r.step({0}, {});  // 3 steps after the fresh post spike: full depression
  CHECK(double(r.w(0)) - double(before) ==
        Approx(p.nu_post * std::exp(-dt / p.tau_pre_ms) - p.nu_pre * std::exp(-3 * dt / p.tau_post_ms))
            .margin(1e-7));
}
