// Subgroups (network/layer.hpp): a network written with views of one population gives the same
// bits as the same network written with separate populations; offsets, renumbering and the
// read-outs of a subgroup; the sizes of subgroups checked against their parent.
#include <spiketorch/spiketorch.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

using namespace spiketorch;

namespace {

constexpr std::size_t n_x = 30, n_e = 32, n_i = 8, n_p = n_e + n_i;

// One population of 40 seen as E = P[0, 32) and I = P[32, 40), with plastic projections into a
// subgroup (X -> Pe) and out of one (Pe -> P, with delays).
using grouped_net = network<
    layers<input<"X", encoding::poisson>, population<"P", neurons::lif, synapses::exp_current>,
           subgroup<"Pe", "P">, subgroup<"Pi", "P">>,
    projections<projection<"X", "Pe", topology::dense, learning::stdp_pair>,
                projection<"X", "Pi", topology::dense>,
                projection<"Pe", "P", topology::dense, learning::stdp_pair, delays::fixed>,
                projection<"Pi", "P", topology::dense, learning::none, delays::none,
                           receptor::inhibitory>>>;
// The same written with two populations; its projections in the same order for each target
// channel (X first, then the recurrent ones), so that the sums into a channel run in one order.
using separate_net = network<
    layers<input<"X", encoding::poisson>, population<"E", neurons::lif, synapses::exp_current>,
           population<"I", neurons::lif, synapses::exp_current>>,
    projections<
        projection<"X", "E", topology::dense, learning::stdp_pair>,
        projection<"X", "I", topology::dense>,
        projection<"E", "E", topology::dense, learning::stdp_pair, delays::fixed>,
        projection<"E", "I", topology::dense, learning::stdp_pair, delays::fixed>,
        projection<"I", "E", topology::dense, learning::none, delays::none, receptor::inhibitory>,
        projection<"I", "I", topology::dense, learning::none, delays::none, receptor::inhibitory>>>;

// Columns [c0, c1) of a row-major rows x cols matrix.
std::vector<real> columns(const std::vector<real>& w, std::size_t rows, std::size_t cols,
                          std::size_t c0, std::size_t c1) {
  std::vector<real> out;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = c0; c < c1; ++c) out.push_back(w[r * cols + c]);
  return out;
}

std::vector<real> draws(std::size_t n, double lo, double hi, std::uint32_t id) {
  sequential_uniforms u(random_stream(7, id), 0, 0);
  std::vector<real> out(n);
  for (real& x : out) x = static_cast<real>(lo + (hi - lo) * u.next());
  return out;
}

using event = std::pair<std::int64_t, index_t>;  // (step, neuron of P)
std::vector<event> events_of(const event_recorder& r, index_t offset) {
  std::vector<event> out;
  for (std::size_t k = 0; k < r.size(); ++k) out.push_back({r.steps()[k], r.neurons()[k] + offset});
  return out;
}

}  // namespace

TEST_CASE(
    "subgroups: a network of views of one population equals the one of two populations, "
    "bit for bit (spikes, state, learned weights)",
    "[network][subgroup]") {
  const double dt = 0.5;
  const neurons::lif::params lif{.tau_m_ms = 20,
                                 .v_rest_mv = -60,
                                 .v_reset_mv = -60,
                                 .v_thresh_mv = -50,
                                 .refractory_ms = 2,
                                 .v_init_mv = -60};
  const learning::stdp_pair::params stdp{.nu_pre = 1e-3, .nu_post = 1e-2, .w_max = 10.0};
  const std::vector<real> w_x = draws(n_x * n_p, 0.0, 4.0, 1);
  const std::vector<real> w_e = draws(n_e * n_p, 0.0, 2.0, 2);
  const std::vector<real> w_i = draws(n_i * n_p, 0.0, 6.0, 3);
  const std::vector<float> rates(n_x, 40.0f);

  auto run_grouped = [&](std::size_t threads) {
    grouped_net g({.dt_ms = dt, .seed = 5, .threads = threads}, {n_x, n_p, n_e, n_i});
    g.set_params<"P">(lif);
    g.connect<"X", "Pe">({.rule = stdp});
    g.connect<"X", "Pi">();
    g.connect<"Pe", "P">({.rule = stdp, .delays = {.delay_ms = 1.5}});
    g.connect<"Pi", "P">();
    g.set_weights<"X", "Pe">(columns(w_x, n_x, n_p, 0, n_e));
    g.set_weights<"X", "Pi">(columns(w_x, n_x, n_p, n_e, n_p));
    g.set_weights<"Pe", "P">(w_e);
    g.set_weights<"Pi", "P">(w_i);
    g.record_events<"P">(100000);
    for (int presentation = 0; presentation < 2; ++presentation) g.run(rates, 250.0);
    return g;
  };
  grouped_net g = run_grouped(1);

  separate_net s({.dt_ms = dt, .seed = 5}, {n_x, n_e, n_i});
  s.set_params<"E">(lif);
  s.set_params<"I">(lif);
  s.connect<"X", "E">({.rule = stdp});
  s.connect<"X", "I">();
  s.connect<"E", "E">({.rule = stdp, .delays = {.delay_ms = 1.5}});
  s.connect<"E", "I">({.rule = stdp, .delays = {.delay_ms = 1.5}});
  s.connect<"I", "E">();
  s.connect<"I", "I">();
  s.set_weights<"X", "E">(columns(w_x, n_x, n_p, 0, n_e));
  s.set_weights<"X", "I">(columns(w_x, n_x, n_p, n_e, n_p));
  s.set_weights<"E", "E">(columns(w_e, n_e, n_p, 0, n_e));
  s.set_weights<"E", "I">(columns(w_e, n_e, n_p, n_e, n_p));
  s.set_weights<"I", "E">(columns(w_i, n_i, n_p, 0, n_e));
  s.set_weights<"I", "I">(columns(w_i, n_i, n_p, n_e, n_p));
  s.record_events<"E">(100000);
  s.record_events<"I">(100000);

  for (int presentation = 0; presentation < 2; ++presentation) s.run(rates, 250.0);

  // Both populations fired, and the recurrent input mattered (not only X's).
  REQUIRE(s.total_spikes<"E">() > 50);
  REQUIRE(s.total_spikes<"I">() > 50);
  std::vector<event> ev_s = events_of(s.events<"E">(), 0);
  const auto ev_si = events_of(s.events<"I">(), n_e);
  ev_s.insert(ev_s.end(), ev_si.begin(), ev_si.end());
  std::sort(ev_s.begin(), ev_s.end());
  CHECK(events_of(g.events<"P">(), 0) == ev_s);  // P's are in (step, neuron) order already

  CHECK(g.total_spikes<"Pe">() == s.total_spikes<"E">());
  CHECK(g.total_spikes<"Pi">() == s.total_spikes<"I">());
  CHECK(g.total_spikes<"P">() == s.total_spikes<"E">() + s.total_spikes<"I">());
  const auto ce = g.spike_counts<"Pe">(), ci = g.spike_counts<"Pi">();
  CHECK(std::vector<std::uint32_t>(ce.begin(), ce.end()) ==
        std::vector<std::uint32_t>(s.spike_counts<"E">().begin(), s.spike_counts<"E">().end()));
  CHECK(std::vector<std::uint32_t>(ci.begin(), ci.end()) ==
        std::vector<std::uint32_t>(s.spike_counts<"I">().begin(), s.spike_counts<"I">().end()));
  for (const char* f : {"v", "i_exc", "i_inh"}) {
    INFO("field " << f);
    const auto ge = g.state<"Pe">(f), gi = g.state<"Pi">(f);
    const auto se = s.state<"E">(f), si = s.state<"I">(f);
    CHECK(std::equal(ge.begin(), ge.end(), se.begin(), se.end()));
    CHECK(std::equal(gi.begin(), gi.end(), si.begin(), si.end()));
  }
  const auto last_g = g.last_spikes<"Pe">(), last_s = s.last_spikes<"E">();
  CHECK(std::equal(last_g.begin(), last_g.end(), last_s.begin(), last_s.end()));

  // Learning changed the weights, the same way in both.
  const auto gx = g.weights<"X", "Pe">(), sx = s.weights<"X", "E">();
  const auto x0 = columns(w_x, n_x, n_p, 0, n_e);
  CHECK_FALSE(std::equal(gx.begin(), gx.end(), x0.begin(), x0.end()));
  CHECK(std::equal(gx.begin(), gx.end(), sx.begin(), sx.end()));
  const auto ge = g.weights<"Pe", "P">();
  const std::vector<real> gev(ge.begin(), ge.end());
  CHECK_FALSE(gev == w_e);
  const auto see = s.weights<"E", "E">(), sei = s.weights<"E", "I">();
  CHECK(columns(gev, n_e, n_p, 0, n_e) == std::vector<real>(see.begin(), see.end()));
  CHECK(columns(gev, n_e, n_p, n_e, n_p) == std::vector<real>(sei.begin(), sei.end()));

#if defined(SPIKETORCH_USE_OPENMP)
  // A team of threads (delivery split by target) sees the subgroups alike.
  for (std::size_t threads : {2, 3}) {
    INFO(threads << " threads");
    grouped_net t = run_grouped(threads);
    CHECK(events_of(t.events<"P">(), 0) == ev_s);
    const auto tw = t.weights<"Pe", "P">();
    CHECK(std::vector<real>(tw.begin(), tw.end()) == gev);
  }
#endif
}

TEST_CASE("subgroups: offsets in the parent, renumbered spikes, slices of the state",
          "[network][subgroup]") {
  // P = A (P[0, 3)) + B (P[3, 10)); X -> B adds weight k + 1 to B's neuron k, i.e. P's 3 + k;
  // only P's neuron 5 (B's 2) can fire, and B -> Q carries B's neuron k to Q's k with weight
  // 10 (k + 1). Counter neurons (integrate_and_fire, delta synapses) show what arrived where.
  using net_t = network<
      layers<input<"X", encoding::latency>,
             population<"P", neurons::integrate_and_fire, synapses::delta_current>,
             subgroup<"A", "P">, subgroup<"B", "P">,
             population<"Q", neurons::integrate_and_fire, synapses::delta_current>>,
      projections<projection<"X", "B", topology::dense>, projection<"B", "Q", topology::dense>>>;
  net_t net({.dt_ms = 0.5, .seed = 1}, {1, 10, 3, 7, 7});
  REQUIRE(net.size<"A">() == 3);
  REQUIRE(net.size<"B">() == 7);
  std::vector<neurons::integrate_and_fire::params> p(10, {.v_thresh_mv = 1e6});
  p[5].v_thresh_mv = 0.5;
  net.set_neuron_params<"P">(p);
  net.set_params<"Q">({.v_thresh_mv = 1e6});
  net.connect<"X", "B">();
  net.connect<"B", "Q">();
  std::vector<real> wx(7), wq(49, 0.0f);
  for (std::size_t k = 0; k < 7; ++k) {
    wx[k] = real(k + 1);
    wq[k * 7 + k] = real(10 * (k + 1));
  }
  net.set_weights<"X", "B">(wx);
  net.set_weights<"B", "Q">(wq);

  // Step 0: X spikes; step 1: it arrives at P[3..10) and P's neuron 5 (B's 2) fires.
  net.run(std::vector<float>{1.0f}, 1.0);
  const auto v = net.state<"P">("v");
  for (std::size_t i = 0; i < 10; ++i) {
    INFO("P neuron " << i);
    CHECK(v[i] == (i < 3 || i == 5 ? 0.0f : real(i - 2)));  // 5 fired and was reset
  }
  CHECK(net.state<"B", "v">().size() == 7);
  CHECK(net.state<"B", "v">()[0] == 1.0f);
  CHECK(&net.state<"B">("v")[0] == &v[3]);
  CHECK(&net.state<"A">("v")[0] == &v[0]);
  CHECK(net.state<"A">("v").size() == 3);
  const auto last = net.last_spikes<"B">();
  REQUIRE(last.size() == 1);
  CHECK(last[0] == 2);
  CHECK(net.last_spikes<"A">().empty());
  CHECK(net.last_spikes<"P">()[0] == 5);
  CHECK(net.total_spikes<"B">() == 1);
  CHECK(net.total_spikes<"A">() == 0);
  CHECK(net.spike_counts<"B">()[2] == 1);
  CHECK(net.spike_counts<"B">().size() == 7);

  // Step 2: B's spike 2 arrives at Q's 2 with weight 30.
  net.run(std::vector<float>{0.0f}, 0.5);
  const auto q = net.state<"Q">("v");
  for (std::size_t j = 0; j < 7; ++j) {
    INFO("Q neuron " << j);
    CHECK(q[j] == (j == 2 ? 30.0f : 0.0f));
  }
  net.reset_counts();
  CHECK(net.total_spikes<"B">() == 0);
}

TEST_CASE("subgroups: sizes beyond the parent's are refused, naming the layers",
          "[network][subgroup]") {
  using net_t =
      network<layers<population<"P", neurons::lif>, subgroup<"Pe", "P">, subgroup<"Pi", "P">>,
              projections<>>;
  CHECK_NOTHROW(net_t({}, {10, 8, 2}));
  CHECK_NOTHROW(net_t({}, {10, 3, 2}));  // need not cover the parent
  CHECK_THROWS_WITH(net_t({}, {10, 8, 3}),
                    Catch::Contains("subgroups of 'P' up to 'Pi' have 11 neurons, more than the "
                                    "10 of 'P'"));
  CHECK_THROWS_WITH(net_t({}, {10, 11, 1}), Catch::Contains("up to 'Pe' have 11 neurons"));
}

TEST_CASE("subgroups: the Brette et al. (2007) layout with sparse connectors and initial values",
          "[network][subgroup]") {
  using net_t = network<layers<population<"P", neurons::lif, synapses::exp_current>,
                               subgroup<"Pe", "P">, subgroup<"Pi", "P">>,
                        projections<projection<"Pe", "P", topology::sparse, learning::none,
                                               delays::none, receptor::excitatory>,
                                    projection<"Pi", "P", topology::sparse, learning::none,
                                               delays::uniform, receptor::inhibitory>>>;
  net_t net({.dt_ms = 0.1, .seed = 1}, {400, 320, 80});
  // Above threshold at rest: the neurons fire on their own.
  net.set_params<"P">({.tau_m_ms = 20,
                       .v_rest_mv = -49,
                       .v_reset_mv = -60,
                       .v_thresh_mv = -50,
                       .refractory_ms = 5,
                       .v_init_mv = -60});
  net.set_initial_uniform<"P">("v", -60, -50);
  const topology::sparse::params sp{.probability = 0.05};
  net.connect<"Pe", "P">({.topology = sp, .weights = {1.6, 1.6}});
  net.connect<"Pi", "P">({.topology = sp, .weights = {9.0, 9.0}, .delays = {0.1, 2.0}});
  REQUIRE(net.weights<"Pe", "P">().size() > 320 * 400 * 0.04);
  // Pe -> P: i == j is one neuron (both start at P's 0); Pi -> P: it is not.
  const topology::sparse::params no_self{.probability = 0.05, .allow_self = false};
  CHECK_NOTHROW(net.connect<"Pe", "P">({.topology = no_self}));
  auto connect_pi = [&] { net.connect<"Pi", "P">({.topology = no_self}); };
  CHECK_THROWS_WITH(connect_pi(), Catch::Contains("'Pi' starts at neuron 320 of 'P', 'P' at 0"));
  net.connect<"Pe", "P">({.topology = sp, .weights = {1.6, 1.6}});
  net.run(200.0);
  CHECK(net.total_spikes<"Pe">() > 0);
  CHECK(net.total_spikes<"Pi">() > 0);
  CHECK(net.total_spikes<"Pe">() + net.total_spikes<"Pi">() == net.total_spikes<"P">());
  // Inhibition arrived: the inhibitory current of some neuron is not zero.
  const auto i_inh = net.state<"P">("i_inh");
  CHECK(std::any_of(i_inh.begin(), i_inh.end(), [](real x) { return x != 0.0f; }));
}
