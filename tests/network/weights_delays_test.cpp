// Weight and delay distributions of network::connect (network/projection.hpp,
// topology/delays.hpp), signed weights on current-based kernels, and heterogeneous delays in a
// recurrent sparse projection.
#include <spiketorch/spiketorch.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

using namespace spiketorch;

namespace {

// P(N(0, 1) < x)
double phi(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// Binomial(n, p) count within 5 standard deviations.
bool binomial_ok(std::size_t count, std::size_t n, double p) {
  return std::abs(double(count) - n * p) <= 5 * std::sqrt(n * p * (1 - p)) + 1e-9;
}

using current_net = network<
    layers<input<"X", encoding::latency>, population<"E", neurons::lif, synapses::exp_current>>,
    projections<projection<"X", "E", topology::dense, learning::stdp_pair>>>;
using static_current_net = network<
    layers<input<"X", encoding::latency>, population<"E", neurons::lif, synapses::exp_current>>,
    projections<projection<"X", "E", topology::dense>>>;
using conductance_net = network<
    layers<input<"X", encoding::latency>, population<"E", neurons::lif, synapses::exp_conductance>>,
    projections<projection<"X", "E", topology::dense>>>;

}  // namespace

TEST_CASE("connect: normal weights have the stated mean and sd, clipped to the rule's bounds",
          "[network][weights]") {
  const std::size_t n_in = 400, n_out = 500, n = n_in * n_out;
  current_net net({.dt_ms = 0.5, .seed = 3}, {n_in, n_out});
  net.connect<"X", "E">(
      {.weights = {.distribution = weight_distribution::normal, .mean = 0.5, .sd = 0.2},
       .rule = {.w_min = 0.0, .w_max = 1.0}});
  const auto w = net.weights<"X", "E">();
  std::size_t at_min = 0, at_max = 0, inside = 0;
  double sum = 0, sum2 = 0;
  for (real x : w) {
    REQUIRE(x >= 0.0f);
    REQUIRE(x <= 1.0f);
    at_min += x == 0.0f;
    at_max += x == 1.0f;
    if (x > 0.3f && x < 0.7f) {
      ++inside;
    }
    sum += x;
    sum2 += double(x) * x;
  }
  // The clipped tails: P(z < -2.5) each.
  CHECK(binomial_ok(at_min, n, phi(-2.5)));
  CHECK(binomial_ok(at_max, n, phi(-2.5)));
  // Within one sd of the mean.
  CHECK(binomial_ok(inside, n, phi(1.0) - phi(-1.0)));
  const double mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
  CHECK(mean == Approx(0.5).margin(5 * 0.2 / std::sqrt(double(n))));
  // Clipping at c = 2.5 sd: Var = 1 - 2 (c phi(c) + Phi(-c)) + 2 c^2 Phi(-c), in units of sd^2.
  const double c = 2.5, density = std::exp(-c * c / 2) / std::sqrt(2 * M_PI);
  const double clipped_var = 1 - 2 * (c * density + phi(-c)) + 2 * c * c * phi(-c);
  CHECK(sd == Approx(0.2 * std::sqrt(clipped_var)).epsilon(0.005));

  // Same seed, same weights; another seed, others.
  current_net again({.dt_ms = 0.5, .seed = 3}, {n_in, n_out});
  again.connect<"X", "E">(
      {.weights = {.distribution = weight_distribution::normal, .mean = 0.5, .sd = 0.2}});
  CHECK(std::equal(w.begin(), w.end(), again.weights<"X", "E">().begin()));
  current_net other({.dt_ms = 0.5, .seed = 4}, {n_in, n_out});
  other.connect<"X", "E">(
      {.weights = {.distribution = weight_distribution::normal, .mean = 0.5, .sd = 0.2}});
  CHECK(!std::equal(w.begin(), w.end(), other.weights<"X", "E">().begin()));
}

TEST_CASE("connect: normal weights keep their sign on current kernels, clip at 0 on conductances",
          "[network][weights]") {
  const std::size_t n_in = 200, n_out = 200, n = n_in * n_out;
  const weight_init init{.distribution = weight_distribution::normal, .mean = 0.1, .sd = 0.2};
  static_current_net cur({.dt_ms = 0.5, .seed = 1}, {n_in, n_out});
  cur.connect<"X", "E">({.weights = init});
  std::size_t negative = 0;
  for (real x : cur.weights<"X", "E">()) negative += x < 0;
  CHECK(binomial_ok(negative, n, phi(-0.5)));
  conductance_net cond({.dt_ms = 0.5, .seed = 1}, {n_in, n_out});
  cond.connect<"X", "E">({.weights = init});
  std::size_t zero = 0;
  for (real x : cond.weights<"X", "E">()) {
    REQUIRE(x >= 0.0f);
    zero += x == 0.0f;
  }
  CHECK(binomial_ok(zero, n, phi(-0.5)));
  // sd = 0: the constant mean.
  cur.connect<"X", "E">({.weights = {.distribution = weight_distribution::normal, .mean = -0.25}});
  for (real x : cur.weights<"X", "E">()) REQUIRE(x == -0.25f);
}

TEST_CASE("connect: bad weight distributions and negative conductance weights throw",
          "[network][weights][errors]") {
  conductance_net cond({.dt_ms = 0.5, .seed = 1}, {3, 2});
  CHECK_THROWS_WITH((cond.connect<"X", "E">({.weights = {-0.1, 0.5}})),
                    Catch::Matchers::Contains("weights must be >= 0 for this synapse kernel"));
  cond.connect<"X", "E">({.weights = {0.1, 0.5}});
  const std::vector<real> negative{0.1f, 0.1f, -0.1f, 0.1f, 0.1f, 0.1f};
  CHECK_THROWS_WITH((cond.set_weights<"X", "E">(negative)),
                    Catch::Matchers::Contains("weight 2 is -0.1"));
  static_current_net cur({.dt_ms = 0.5, .seed = 1}, {3, 2});
  cur.connect<"X", "E">({.weights = {-0.5, 0.5}});
  cur.set_weights<"X", "E">(negative);
  CHECK(cur.weights<"X", "E">()[2] == -0.1f);
  const double nan = std::nan("");
  for (weight_init bad : {weight_init{.distribution = weight_distribution::normal, .mean = nan},
                          weight_init{.distribution = weight_distribution::normal, .sd = -1.0},
                          weight_init{.distribution = weight_distribution::normal, .sd = nan}})
    CHECK_THROWS_WITH((cur.connect<"X", "E">({.weights = bad})),
                      Catch::Matchers::Contains("normal weights need a finite mean"));
  CHECK_THROWS_WITH((cur.connect<"X", "E">({.weights = {0.5, nan}})),
                    Catch::Matchers::Contains("finite low <= high"));
}

TEST_CASE(
    "signed weights: on exp_current and delta_current a negative weight is the mirror "
    "image of a positive one",
    "[network][weights]") {
  // Two targets, weights +w and -w from one input spike; with V_rest = 0 the traces are exact
  // negatives of each other (every operation is odd in V and the current).
  const std::size_t n_steps = 60;
  static_current_net net({.dt_ms = 0.5, .seed = 1}, {1, 2});
  net.set_params<"E">({.tau_m_ms = 10,
                       .v_rest_mv = 0,
                       .v_reset_mv = -100,
                       .v_thresh_mv = 1e6,
                       .refractory_ms = 0,
                       .v_init_mv = 0});
  net.connect<"X", "E">({.weights = {1.0, 1.0}});
  net.set_weights<"X", "E">(std::vector<real>{3.0f, -3.0f});
  net.record_state<"E">("v", {0, 1}, 1, n_steps);
  net.run(std::vector<float>{1.0f}, n_steps * 0.5);
  const auto v = net.state_trace<"E">();
  CHECK(v(0, 0) == 0.0f);  // delivered at the end of step 0, acts from step 1 on
  CHECK(v(1, 0) > 0.0f);
  for (std::size_t t = 0; t < n_steps; ++t) REQUIRE(v(t, 1) == -v(t, 0));

  using delta_net =
      network<layers<input<"X", encoding::latency>,
                     population<"E", neurons::integrate_and_fire, synapses::delta_current>>,
              projections<projection<"X", "E", topology::dense>>>;
  delta_net d({.dt_ms = 0.5, .seed = 1}, {1, 1});
  d.set_params<"E">({.v_thresh_mv = 1e6});
  d.connect<"X", "E">({.weights = {-2.0, -2.0}});
  d.run(std::vector<float>{1.0f}, 5.0);
  CHECK(d.state<"E", "v">()[0] == -2.0f);
}

TEST_CASE(
    "recurrent sparse projection with heterogeneous delays: each spike arrives after its "
    "own drawn delay",
    "[network][delays]") {
  // X0 fires in step 0 and X1 in step 25 (latency code, window 50 ms, dt 1 ms); each makes its
  // A neuron fire one step later. A -> A connects 0 -> 1 and 1 -> 0 (in-degree 1 without self)
  // with delays drawn per synapse; an A spike emitted in step s through delay d first acts in
  // step s + d + 1 (topology/delays.hpp), raising the other neuron's V by 0.25.
  using net_t =
      network<layers<input<"X", encoding::latency>,
                     population<"A", neurons::integrate_and_fire, synapses::delta_current>>,
              projections<projection<"X", "A", topology::one_to_one>,
                          projection<"A", "A", topology::sparse, learning::none, delays::uniform>>>;
  const std::size_t n_steps = 50;
  bool saw_different = false;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    net_t net({.dt_ms = 1.0, .seed = seed}, {2, 2});
    net.set_encoder_params<"X">({.window_ms = 50.0});
    net.set_params<"A">({.v_reset_mv = 0, .v_thresh_mv = 0.5});
    net.connect<"X", "A">({.weights = {1.0, 1.0}});
    net.connect<"A", "A">({.topology = {.allow_self = false,
                                        .rule = topology::sparse::connector::fixed_in_degree,
                                        .in_degree = 1},
                           .weights = {0.25, 0.25},
                           .delays = {.min_ms = 0.0, .max_ms = 15.0}});
    net.record_state<"A">("v", {0, 1}, 1, n_steps);
    net.record_spikes<"A">(n_steps);
    net.run(std::vector<float>{1.0f, 0.5f}, double(n_steps));
    const auto d = net.delay_steps<"A", "A">();
    REQUIRE(d.size() == 2);  // synapse 0: 0 -> 1, synapse 1: 1 -> 0 (CSR order)
    saw_different = saw_different || d[0] != d[1];
    const auto spikes = net.spike_raster<"A">();
    const auto v = net.state_trace<"A">();
    INFO("seed " << seed << ": delays 0->1 " << int(d[0]) << ", 1->0 " << int(d[1]));
    // A0 fires in step 1, A1 in step 26, each once.
    for (std::size_t t = 0; t < n_steps; ++t) {
      REQUIRE(spikes(t, 0) == (t == 1));
      REQUIRE(spikes(t, 1) == (t == 26));
    }
    // A1: V = 0.25 from step 1 + d01 + 1 until it is reset in step 26 (d01 <= 15).
    for (std::size_t t = 0; t < 26; ++t)
      REQUIRE(v(t, 1) == (t >= 2 + std::size_t(d[0]) ? 0.25f : 0.0f));
    // A0 (reset to 0 in step 1): V = 0.25 from step 26 + d10 + 1 on.
    for (std::size_t t = 2; t < n_steps; ++t)
      REQUIRE(v(t, 0) == (t >= 27 + std::size_t(d[1]) ? 0.25f : 0.0f));
  }
  CHECK(saw_different);
}
