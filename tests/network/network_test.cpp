// The network: reproducibility, argument checking, monitors, reset and learning switches.
#include <spiketorch/spiketorch.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

using namespace spiketorch;
using Catch::Matchers::Contains;

namespace {

// A small Diehl & Cook-like network: Poisson input, adaptive excitatory neurons with conductance
// synapses learning by triplet STDP through random delays, and all-but-self inhibition.
using net_t = network<
    layers<input<"X", encoding::poisson>,
           population<"E", neurons::adaptive_lif, synapses::exp_conductance>,
           population<"I", neurons::lif, synapses::exp_conductance>>,
    projections<projection<"X", "E", topology::dense, learning::stdp_triplet, delays::uniform>,
                projection<"E", "I", topology::one_to_one>,
                projection<"I", "E", topology::all_but_self, learning::none, delays::none,
                           receptor::inhibitory>>>;

constexpr std::size_t n_in = 64, n_exc = 8;

std::vector<float> rates(std::uint64_t seed) {
  std::vector<float> r(n_in);
  sequential_uniforms u(random_stream(seed, 77), 0, 0);
  for (auto& x : r) x = 63.75f * u.next();  // Diehl & Cook's maximum rate
  return r;
}

void build(net_t& net) {
  net.connect<"X", "E">({.weights = {0.0, 0.3}, .delays = {.min_ms = 0.0, .max_ms = 10.0}});
  net.connect<"E", "I">({.weights = {10.4, 10.4}});
  net.connect<"I", "E">({.weights = {17.0, 17.0}});
}

// Element-wise equality of two rasters (xtensor's operator== does not go through Catch's
// expression decomposer).
bool same(const xt::xtensor<std::uint8_t, 2>& a, const xt::xtensor<std::uint8_t, 2>& b) {
  return a.shape() == b.shape() && std::equal(a.begin(), a.end(), b.begin());
}

struct run_result {
  xt::xtensor<std::uint8_t, 2> x, e;
  std::vector<real> w, theta;
  std::uint64_t e_spikes = 0;
};

run_result run_three(std::uint64_t seed, bool learning = true) {
  net_t net({.dt_ms = 0.5, .seed = seed}, {n_in, n_exc, n_exc});
  build(net);
  net.set_learning(learning);
  const std::size_t steps = 3 * 300;
  net.record_spikes<"X">(steps);
  net.record_spikes<"E">(steps);
  const auto r = rates(1);
  std::uint64_t total = 0;
  for (int p = 0; p < 3; ++p) {
    net.normalize<"X", "E">(20.0);
    net.run(r, 150.0);
    total += net.total_spikes<"E">();
    net.reset_state(std::vector<std::string_view>{"theta"});
  }
  run_result out;
  out.x = net.spike_raster<"X">();
  out.e = net.spike_raster<"E">();
  const auto w = net.weights<"X", "E">();
  out.w.assign(w.begin(), w.end());
  const auto th = net.state<"E", "theta">();
  out.theta.assign(th.begin(), th.end());
  out.e_spikes = total;
  return out;
}

}  // namespace

TEST_CASE("network: the same seed gives bitwise identical spikes, weights and thresholds",
          "[network][reproducibility]") {
  const auto a = run_three(7), b = run_three(7);
  REQUIRE(a.e_spikes > 0);  // the comparison is about real activity
  CHECK(same(a.x, b.x));
  CHECK(same(a.e, b.e));
  CHECK(a.w == b.w);  // bitwise: operator== on float vectors
  CHECK(a.theta == b.theta);
  const auto c = run_three(8);
  CHECK_FALSE(same(a.x, c.x));
  CHECK(a.w != c.w);
}

TEST_CASE("network: set_learning(false) leaves weights and theta unchanged; on, they move",
          "[network][learning]") {
  net_t frozen({.dt_ms = 0.5, .seed = 3}, {n_in, n_exc, n_exc});
  build(frozen);
  const auto w0 = std::vector<real>(frozen.weights<"X", "E">().begin(), frozen.weights<"X", "E">().end());
  const auto t0 = std::vector<real>(frozen.state<"E", "theta">().begin(), frozen.state<"E", "theta">().end());
  frozen.set_learning(false);
  frozen.run(rates(1), 300.0);
  REQUIRE(frozen.total_spikes<"E">() > 0);
  const auto w = frozen.weights<"X", "E">();
  CHECK(std::equal(w.begin(), w.end(), w0.begin()));
  const auto th = frozen.state<"E", "theta">();
  CHECK(std::equal(th.begin(), th.end(), t0.begin()));
  // Same run with learning on: the weights do change (so the check above can fail).
  net_t learning({.dt_ms = 0.5, .seed = 3}, {n_in, n_exc, n_exc});
  build(learning);
  learning.run(rates(1), 300.0);
  const auto wl = learning.weights<"X", "E">();
  CHECK_FALSE(std::equal(wl.begin(), wl.end(), w0.begin()));
  const auto thl = learning.state<"E", "theta">();
  CHECK_FALSE(std::equal(thl.begin(), thl.end(), t0.begin()));
}

TEST_CASE("network: reset_state restores the initial state; replaying a presentation reproduces it",
          "[network][reset]") {
  net_t net({.dt_ms = 0.5, .seed = 5}, {n_in, n_exc, n_exc});
  build(net);
  net.set_learning(false);  // weights fixed, so a replay must be identical
  net.record_spikes<"E">(400);
  net.record_state<"E">("v", {0, 1, 2, 3, 4, 5, 6, 7}, 1, 400);  // V: sensitive to any leftover
  net.set_presentation_index(0);
  net.run(rates(2), 200.0);  // input active to the end: spikes still in flight in the delay ring
  const auto first = net.spike_raster<"E">();
  const auto first_v = net.state_trace<"E">();
  REQUIRE(net.total_spikes<"E">() > 0);
  const auto counts = std::vector<std::uint32_t>(net.spike_counts<"E">().begin(), net.spike_counts<"E">().end());
  for (std::size_t j = 0; j < n_exc; ++j) {
    std::uint32_t s = 0;
    for (std::size_t t = 0; t < first.shape()[0]; ++t) s += first(t, j);
    CHECK(counts[j] == s);
  }

  // theta is learning state: set it to something visible to check it is kept or reset.
  for (auto& th : net.state<"E", "theta">()) th = 21.5f;
  net.reset_state(std::vector<std::string_view>{"theta"});
  for (real v : net.state<"E", "v">()) CHECK(v == -105.0f);
  for (real th : net.state<"E", "theta">()) CHECK(th == 21.5f);
  for (real g : net.state<"E", "g_exc">()) CHECK(g == 0.0f);
  net.reset_state();
  for (real th : net.state<"E", "theta">()) CHECK(th == 20.0f);

  net.reset_counts();
  CHECK(net.total_spikes<"E">() == 0);
  net.clear_recordings<"E">();
  net.set_presentation_index(0);
  net.run(rates(2), 200.0);
  CHECK(same(net.spike_raster<"E">(), first));
  const auto second_v = net.state_trace<"E">();
  REQUIRE(second_v.shape() == first_v.shape());
  CHECK(std::equal(second_v.begin(), second_v.end(), first_v.begin()));  // bitwise
  // Without the reset the replay differs (so the checks above can fail): V carries over.
  net.clear_recordings<"E">();
  net.set_presentation_index(0);
  net.run(rates(2), 200.0);
  const auto third_v = net.state_trace<"E">();
  CHECK_FALSE(std::equal(third_v.begin(), third_v.end(), first_v.begin()));
  CHECK_THROWS_AS(net.reset_state(std::vector<std::string_view>{"no_such_field"}), invalid_argument);
}

TEST_CASE("network: record_state with interval k keeps every k-th step within the window",
          "[network][monitors]") {
  // V of a non-leaky counter neuron fed one weight-1 spike per step is exactly the step index.
  using counter_t = network<layers<input<"X", encoding::poisson>,
                                   population<"E", neurons::integrate_and_fire, synapses::delta_current>>,
                            projections<projection<"X", "E", topology::dense>>>;
  const std::size_t k = GENERATE(1, 3, 7), window = GENERATE(5, 1000);
  const std::size_t n_steps = 100;
  counter_t net({.dt_ms = 0.5, .seed = 1}, {1, 2});
  neurons::integrate_and_fire::params p;
  p.v_thresh_mv = 1e6;
  net.set_params<"E">(p);
  net.connect<"X", "E">({.weights = {1.0, 1.0}});
  net.record_state<"E">("v", {1}, k, window);
  net.record_spikes<"X">(window);
  const std::vector<float> every_step{2000.0f};
  net.run(every_step, n_steps * 0.5);
  const std::size_t recorded = (n_steps + k - 1) / k;  // steps 0, k, 2k, ... < n_steps
  CHECK(net.layer<"E">().state_rec.frames_recorded() == recorded);
  const auto v = net.state_trace<"E">();
  const std::size_t kept = std::min(recorded, window);
  REQUIRE(v.shape()[0] == kept);
  REQUIRE(v.shape()[1] == 1);
  for (std::size_t f = 0; f < kept; ++f) {
    const std::size_t step = (recorded - kept + f) * k;  // oldest kept frame first
    CHECK(v(f, 0) == real(step));
  }
  const auto x = net.spike_raster<"X">();
  CHECK(x.shape()[0] == std::min(n_steps, window));
  CHECK(x.shape()[1] == 1);
  // A synapse field can be recorded too; unknown fields and neurons throw.
  CHECK_NOTHROW(net.record_state<"E">("jump_exc", {0}, 1, 4));
  CHECK_THROWS_AS(net.record_state<"E">("nope", {0}, 1, 4), invalid_argument);
  CHECK_THROWS_AS(net.record_state<"E">("v", {2}, 1, 4), invalid_argument);
  CHECK_THROWS_AS(net.record_state<"E">("v", {0}, 0, 4), invalid_argument);
  CHECK_THROWS_AS(net.record_state<"E">("v", {0}, 1, 0), invalid_argument);
}

TEST_CASE("network: invalid configuration throws with a useful message", "[network][errors]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (double dt : {0.0, -0.5, nan, std::numeric_limits<double>::infinity()}) {
    INFO("dt = " << dt);
    CHECK_THROWS_AS(net_t({.dt_ms = dt, .seed = 1}, {n_in, n_exc, n_exc}), invalid_argument);
  }
  CHECK_THROWS_WITH(net_t({.dt_ms = 0.5, .seed = 1}, {n_in, 0, n_exc}), Contains("'E'"));

  net_t net({.dt_ms = 0.5, .seed = 1}, {n_in, n_exc, n_exc});
  // Running before connecting names the projection.
  CHECK_THROWS_WITH(net.run(rates(1), 10.0), Contains("X -> E"));
  net.connect<"X", "E">({});
  net.connect<"E", "I">({});
  CHECK_THROWS_WITH(net.run(rates(1), 10.0), Contains("I -> E"));
  net.connect<"I", "E">({});
  CHECK_NOTHROW(net.run(rates(1), 1.0));

  const std::vector<float> wrong(n_in + 1, 1.0f);
  CHECK_THROWS_AS(net.set_input<"X">(wrong), invalid_argument);
  CHECK_THROWS_AS(net.run(-1.0), invalid_argument);
  CHECK_THROWS_AS(net.run(nan), invalid_argument);
  // A duration of more steps than a run can count names the duration.
  CHECK_THROWS_WITH(net.run(1e300), Contains("duration_ms"));

  // Negative time constants, in neuron, synapse and learning-rule parameters.
  neurons::adaptive_lif::params bad_neuron;
  bad_neuron.tau_m_ms = -100.0;
  CHECK_THROWS_AS(net.set_params<"E">(bad_neuron), invalid_argument);
  synapses::exp_conductance::params bad_syn;
  bad_syn.tau_exc_ms = -1.0;
  CHECK_THROWS_AS(net.set_params<"E">(neurons::adaptive_lif::params{}, bad_syn), invalid_argument);
  learning::stdp_triplet::params bad_rule;
  bad_rule.tau_pre_ms = -20.0;
  CHECK_THROWS_AS((net.connect<"X", "E">({.rule = bad_rule})), invalid_argument);

  // Weight initialisation.
  CHECK_THROWS_AS((net.connect<"X", "E">({.weights = {0.5, 0.1}})), invalid_argument);
  CHECK_THROWS_AS((net.connect<"X", "E">({.weights = {0.0, nan}})), invalid_argument);
  // Delays beyond 255 steps.
  CHECK_THROWS_AS((net.connect<"X", "E">({.delays = {.min_ms = 0.0, .max_ms = 200.0}})), invalid_argument);
  // set_weights checks the size.
  const std::vector<real> too_few(3, 0.1f);
  CHECK_THROWS_AS((net.set_weights<"X", "E">(too_few)), invalid_argument);
}

TEST_CASE("network: set_params with an invalid value leaves the population unchanged",
          "[network][errors]") {
  net_t net({.dt_ms = 0.5, .seed = 1}, {n_in, n_exc, n_exc});
  neurons::adaptive_lif::params good;
  good.v_thresh_mv = -50.0;
  good.v_init_mv = -60.0;
  net.set_params<"E">(good);
  const auto v_before = net.state<"E", "v">();
  const std::vector<real> v0(v_before.begin(), v_before.end());
  const auto derived_before = net.layer<"E">().neuron_derived;

  neurons::adaptive_lif::params bad = good;
  bad.v_init_mv = -70.0;
  bad.tau_m_ms = -1.0;
  CHECK_THROWS_AS(net.set_params<"E">(bad), invalid_argument);
  synapses::exp_conductance::params bad_syn;
  bad_syn.tau_inh_ms = 0.0;
  CHECK_THROWS_AS(net.set_params<"E">(good, bad_syn), invalid_argument);

  CHECK(net.layer<"E">().neuron_params.v_thresh_mv == good.v_thresh_mv);
  CHECK(net.layer<"E">().neuron_params.tau_m_ms == good.tau_m_ms);
  CHECK(net.layer<"E">().synapse_params.tau_inh_ms == synapses::exp_conductance::params{}.tau_inh_ms);
  CHECK(std::memcmp(&net.layer<"E">().neuron_derived, &derived_before, sizeof derived_before) == 0);
  const auto v_after = net.state<"E", "v">();
  CHECK(std::equal(v_after.begin(), v_after.end(), v0.begin()));
}

TEST_CASE("network: weight_init draws uniform weights in [low, high), or the constant low",
          "[network]") {
  net_t net({.dt_ms = 0.5, .seed = 1}, {n_in, n_exc, n_exc});
  net.connect<"X", "E">({.weights = {0.1, 0.4}});
  const auto w = net.weights<"X", "E">();
  double mean = 0;
  for (real x : w) {
    REQUIRE(x >= 0.1f);
    REQUIRE(x < 0.4f);
    mean += x;
  }
  mean /= double(w.size());
  // 512 uniform draws: mean 0.25, standard error 0.3/sqrt(12·512) = 0.0038; 4 SE.
  CHECK(mean == Approx(0.25).margin(4 * 0.3 / std::sqrt(12.0 * double(w.size()))));
  net.connect<"E", "I">({.weights = {10.4, 10.4}});
  for (real x : net.weights<"E", "I">()) CHECK(x == 10.4f);
  // The Eigen view of a dense projection aliases the weights.
  auto m = net.weight_matrix<"X", "E">();
  CHECK(m.rows() == Eigen::Index(n_in));
  CHECK(m.cols() == Eigen::Index(n_exc));
  CHECK(m(3, 5) == w[3 * n_exc + 5]);
}
