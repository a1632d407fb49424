// Several threads stepping one network (network_config::threads, backend/cpu/team_execution.hpp)
// give the same bits as one: spikes, membrane potentials and learned weights, for a
// self-sustained recurrent network with sparse connectivity and axonal delays, and for a plastic
// one with dense input, delays and lateral inhibition.
#include <spiketorch/spiketorch.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

using namespace spiketorch;

namespace {

// Brette et al.'s CUBA network, small: 800 excitatory and 200 inhibitory neurons with 80 inputs
// each on average; the excitatory connections have delays of 0 to 2 ms.
using recurrent_net = network<layers<population<"E", neurons::lif, synapses::exp_current>,
                                     population<"I", neurons::lif, synapses::exp_current>>,
                              projections<projection<"E", "E", topology::sparse, learning::none,
                                                     delays::uniform, receptor::excitatory>,
                                          projection<"E", "I", topology::sparse, learning::none,
                                                     delays::uniform, receptor::excitatory>,
                                          projection<"I", "E", topology::sparse, learning::none,
                                                     delays::none, receptor::inhibitory>,
                                          projection<"I", "I", topology::sparse, learning::none,
                                                     delays::none, receptor::inhibitory>>>;

struct recurrent_run {
  std::vector<index_t> neurons;
  std::vector<std::int64_t> steps;
  std::vector<real> v;
  std::vector<std::uint8_t> raster;  // E's spike raster
  std::vector<real> trace;           // E's v of three neurons
  std::size_t team = 0;              // threads that ran
};

// synchronous: three neurons in four start above threshold and spike in the first step, too many
// for the team's compaction to copy the threads' spike lists in parallel: it moves them one after
// the other (team_execution.hpp).
recurrent_run run_recurrent(std::size_t threads, bool synchronous = false) {
  recurrent_net net({.dt_ms = 0.1, .seed = 3, .threads = threads}, {800, 200});
  const neurons::lif::params p{.tau_m_ms = 20,
                               .v_rest_mv = -49,
                               .v_reset_mv = -60,
                               .v_thresh_mv = -50,
                               .refractory_ms = 5,
                               .v_init_mv = -60,
                               .refractory = neurons::refractory_rule::since_spike};
  const synapses::exp_current::params s{
      .tau_exc_ms = 5, .tau_inh_ms = 10, .scheme = synapses::current_scheme::exact};
  net.set_params<"E">(p, s);
  net.set_params<"I">(p, s);
  const topology::sparse::params sparse{.probability = 0.08};
  net.connect<"E", "E">({.topology = sparse, .weights = {1.62, 1.62}, .delays = {0.0, 2.0}});
  net.connect<"E", "I">({.topology = sparse, .weights = {1.62, 1.62}, .delays = {0.0, 2.0}});
  net.connect<"I", "E">({.topology = sparse, .weights = {9.0, 9.0}});
  net.connect<"I", "I">({.topology = sparse, .weights = {9.0, 9.0}});
  const random_stream draw(3, 99);
  auto ve = net.state<"E", "v">();
  auto vi = net.state<"I", "v">();
  for (std::size_t i = 0; i < ve.size(); ++i)
    ve[i] = real(-60 + 10 * draw.uniform(0, index_t(i), 0));
  for (std::size_t i = 0; i < vi.size(); ++i)
    vi[i] = real(-60 + 10 * draw.uniform(1, index_t(i), 0));
  if (synchronous) {
    for (auto* v : {&ve, &vi})
      for (std::size_t i = 0; i < v->size(); ++i)
        if (i % 4 != 0) (*v)[i] = real(-45);
  }
  net.record_events<"E">(100000);
  net.record_events<"I">(100000);
  net.record_spikes<"E">(1000);
  net.record_state<"E">("v", {0, 5, 799}, 3, 400);
  net.run(60.0);
  net.run(40.0);  // a second run continues the first: delay rings, refractory counters
  recurrent_run r;
  for (auto [name, events] : {std::pair{0, &net.events<"E">()}, std::pair{1, &net.events<"I">()}}) {
    for (std::size_t e = 0; e < events->size(); ++e) {
      r.neurons.push_back(events->neurons()[e] + index_t(name * 800));
      r.steps.push_back(events->steps()[e]);
    }
  }
  r.v.assign(ve.begin(), ve.end());
  r.v.insert(r.v.end(), vi.begin(), vi.end());
  const auto raster = net.spike_raster<"E">();
  const auto trace = net.state_trace<"E">();
  r.raster.assign(raster.begin(), raster.end());
  r.trace.assign(trace.begin(), trace.end());
  r.team = net.threads_used();
  return r;
}

// The same network as Brette et al. write it: one population P whose subgroups Pe and Pi project
// onto P without delays. Nothing but the team's own meetings then orders one step's spike lists
// before the next step's (no delay ring between), which the ThreadSanitizer build of this test
// (test.sh, build-tsan) checks.
using brette_net = network<layers<population<"P", neurons::lif, synapses::exp_current>,
                                  subgroup<"Pe", "P">, subgroup<"Pi", "P">>,
                           projections<projection<"Pe", "P", topology::sparse, learning::none,
                                                  delays::none, receptor::excitatory>,
                                       projection<"Pi", "P", topology::sparse, learning::none,
                                                  delays::none, receptor::inhibitory>>>;

std::vector<std::pair<std::int64_t, index_t>> run_brette(std::size_t threads, std::size_t& team,
                                                         std::vector<real>& v) {
  brette_net net({.dt_ms = 0.1, .seed = 5, .threads = threads}, {1000, 800, 200});
  net.set_params<"P">({.tau_m_ms = 20,
                       .v_rest_mv = -49,
                       .v_reset_mv = -60,
                       .v_thresh_mv = -50,
                       .refractory_ms = 5,
                       .v_init_mv = -60},
                      {.tau_exc_ms = 5, .tau_inh_ms = 10});
  net.set_initial_uniform<"P">("v", -60, -50);
  const topology::sparse::params sp{.probability = 0.08};
  net.connect<"Pe", "P">({.topology = sp, .weights = {1.62, 1.62}});
  net.connect<"Pi", "P">({.topology = sp, .weights = {9.0, 9.0}});
  net.record_events<"P">(100000);
  net.run(100.0);
  std::vector<std::pair<std::int64_t, index_t>> events;
  const auto& e = net.events<"P">();
  for (std::size_t k = 0; k < e.size(); ++k) events.emplace_back(e.steps()[k], e.neurons()[k]);
  team = net.threads_used();
  const auto vs = net.state<"P", "v">();
  v.assign(vs.begin(), vs.end());
  return events;
}

using plastic_net = network<
    layers<input<"X", encoding::poisson>, population<"E", neurons::lif, synapses::exp_current>>,
    projections<projection<"X", "E", topology::dense, learning::stdp_pair, delays::uniform>,
                projection<"E", "E", topology::all_but_self, learning::none, delays::none,
                           receptor::inhibitory>>>;

std::vector<real> run_plastic(std::size_t threads, std::uint64_t& spikes) {
  plastic_net net({.dt_ms = 0.5, .seed = 42, .threads = threads}, {100, 37});
  net.set_params<"E">({.tau_m_ms = 20,
                       .v_rest_mv = -65,
                       .v_reset_mv = -65,
                       .v_thresh_mv = -55,
                       .refractory_ms = 2,
                       .v_init_mv = -65});
  net.connect<"X", "E">({.weights = {0.5, 2.5},
                         .rule = {.nu_pre = 2e-3, .nu_post = 1e-2, .w_max = 3.0},
                         .delays = {.min_ms = 0, .max_ms = 5}});
  net.connect<"E", "E">({.weights = {2.0, 2.0}});
  std::vector<float> rates(100);
  for (std::size_t i = 0; i < rates.size(); ++i) rates[i] = 5.0f + 0.5f * float(i);
  net.run(rates, 150.0);
  net.run(rates, 100.0);
  spikes = net.total_spikes<"E">();
  const auto w = net.weights<"X", "E">();
  return {w.begin(), w.end()};
}

}  // namespace

#if defined(SPIKETORCH_USE_OPENMP)

TEST_CASE(
    "threads: a recurrent sparse network with delays gives the same spikes and potentials "
    "on 1, 2 and 3 threads",
    "[network][threads]") {
  const recurrent_run one = run_recurrent(1);
  // Enough activity that a wrong split of the targets or a missing barrier would show.
  REQUIRE(one.neurons.size() > 400);  // about 5 Hz
  REQUIRE(one.raster.size() == 1000 * 800);
  REQUIRE(one.trace.size() == 334 * 3);
  for (std::size_t threads : {2, 3}) {
    INFO(threads << " threads");
    const recurrent_run many = run_recurrent(threads);
    REQUIRE(many.team == threads);  // a team of 1 (OMP_THREAD_LIMIT) would prove nothing
    CHECK(many.neurons == one.neurons);
    CHECK(many.steps == one.steps);
    CHECK(many.v == one.v);
    CHECK(many.raster == one.raster);
    CHECK(many.trace == one.trace);
  }
}

TEST_CASE("threads: a step in which most neurons spike gives the same spikes on 1, 2 and 3 threads",
          "[network][threads]") {
  const recurrent_run one = run_recurrent(1, true);
  const auto at_step_0 = std::count(one.steps.begin(), one.steps.end(), one.steps.front());
  REQUIRE(at_step_0 == 600 + 150);
  for (std::size_t threads : {2, 3}) {
    INFO(threads << " threads");
    const recurrent_run many = run_recurrent(threads, true);
    REQUIRE(many.team == threads);
    CHECK(many.neurons == one.neurons);
    CHECK(many.steps == one.steps);
    CHECK(many.v == one.v);
  }
}

TEST_CASE("threads: subgroups projecting onto their parent without delays give the same spikes "
          "on 1, 2 and 3 threads",
          "[network][threads]") {
  std::size_t team = 0;
  std::vector<real> v_one, v_many;
  const auto one = run_brette(1, team, v_one);
  REQUIRE(one.size() > 300);  // about 5 Hz
  for (std::size_t threads : {2, 3}) {
    INFO(threads << " threads");
    const auto many = run_brette(threads, team, v_many);
    REQUIRE(team == threads);
    CHECK(many == one);
    CHECK(v_many == v_one);
  }
}

TEST_CASE("threads: STDP with delays and lateral inhibition learns the same weights on 2 threads",
          "[network][threads]") {
  std::uint64_t spikes_one = 0, spikes_two = 0;
  const auto one = run_plastic(1, spikes_one);
  const auto two = run_plastic(2, spikes_two);
  REQUIRE(spikes_one > 50);
  CHECK(spikes_two == spikes_one);
  CHECK(two == one);
  // Learning did something: the weights moved away from their initial uniform draws' bounds.
  CHECK(*std::max_element(one.begin(), one.end()) > 2.5f);
}

using conv_stack = network<
    layers<input<"X", encoding::poisson>, population<"C", neurons::lif, synapses::exp_current>,
           population<"P", neurons::fire_once, synapses::delta_current>>,
    projections<projection<"X", "C", topology::conv2d, learning::none, delays::uniform>,
                projection<"C", "C", topology::local2d, learning::none, delays::none,
                           receptor::inhibitory>,
                projection<"C", "P", topology::pool2d>>>;

// Conv layer spikes and V, and the pooled first spikes, of a two-channel 16x16 input.
std::pair<std::vector<real>, std::vector<std::uint32_t>> run_conv(std::size_t threads) {
  const topology::conv_params conv{.input = {2, 16, 16}, .out_channels = 6, .kernel = 5,
                                   .stride = 1, .padding = 2};
  const auto c = topology::conv2d::output_of(conv);
  const topology::conv_params lateral{.input = c, .out_channels = 6, .kernel = 3, .padding = 1};
  const topology::pool_params pool{.input = c, .kernel = 3, .stride = 2};
  conv_stack net({.dt_ms = 0.5, .seed = 5, .threads = threads},
                 {conv.input.size(), c.size(), topology::pool2d::output_of(pool).size()});
  net.set_params<"P">(neurons::fire_once::params{.v_thresh_mv = 0.5});
  net.connect<"X", "C">({.topology = conv, .weights = {0.5, 3.0}, .delays = {0.0, 2.0}});
  net.connect<"C", "C">({.topology = lateral, .weights = {0.0, 2.0}});
  net.connect<"C", "P">({.topology = pool, .weights = {1.0, 1.0}});
  std::vector<float> rates(conv.input.size());
  for (std::size_t i = 0; i < rates.size(); ++i) rates[i] = float(20 * (i % 17));
  net.run(rates, 40.0);
  const auto v = net.state<"C", "v">();
  std::vector<std::uint32_t> counts(net.spike_counts<"C">().begin(), net.spike_counts<"C">().end());
  counts.insert(counts.end(), net.spike_counts<"P">().begin(), net.spike_counts<"P">().end());
  REQUIRE(net.threads_used() == threads);
  return {std::vector<real>(v.begin(), v.end()), counts};
}

TEST_CASE("threads: conv2d, local2d and pool2d give the same spikes and potentials on 2 threads",
          "[network][threads][conv]") {
  const auto one = run_conv(1), two = run_conv(2);
  REQUIRE(std::count_if(one.second.begin(), one.second.end(), [](auto n) { return n > 0; }) > 500);
  CHECK(two.first == one.first);
  CHECK(two.second == one.second);
}

#endif

TEST_CASE("threads: at least one; more than one needs OpenMP", "[network][threads]") {
  CHECK_THROWS_WITH((recurrent_net({.dt_ms = 0.1, .seed = 1, .threads = 0}, {10, 10})),
                    Catch::Contains("threads must be >= 1, got 0"));
  recurrent_net net({.dt_ms = 0.1, .seed = 1}, {10, 10});
  CHECK(net.threads() == 1);
  CHECK_THROWS_WITH(net.set_threads(0), Catch::Contains("threads must be >= 1"));
#if defined(SPIKETORCH_USE_OPENMP)
  net.set_threads(2);
  CHECK(net.threads() == 2);
#else
  CHECK_THROWS_WITH(net.set_threads(2), Catch::Contains("needs a build with OpenMP"));
#endif
}
