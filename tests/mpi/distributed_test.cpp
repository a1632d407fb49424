// A network stepped by several MPI ranks (network_config::ranks,
// distributed/distributed_execution.hpp) gives the same bits as one process: spikes, potentials,
// recordings and learned weights. Run under mpirun with 1, 2 and 4 ranks (tests/mpi/meson.build);
// each rank also runs the network alone and compares, so every rank's copy is checked.
#include <spiketorch/spiketorch.hpp>

#include <mpi.h>
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>
#include <xtensor/xmath.hpp>
#include <xtensor/xtensor.hpp>

#include "spiketorch/distributed/rank_group.hpp"
#include "spiketorch/models/diehl_cook_checkpoint.hpp"

using namespace spiketorch;

namespace {

rank_group world() { return rank_group::of(MPI_COMM_WORLD); }

// Brette et al.'s CUBA network, small, with axonal delays on the excitatory connections (0-2 ms)
// and InhibitoryDelays on the inhibitory ones.
template <class InhibitoryDelays>
using ei_net = network<layers<population<"E", neurons::lif, synapses::exp_current>,
                              population<"I", neurons::lif, synapses::exp_current>>,
                       projections<projection<"E", "E", topology::sparse, learning::none,
                                              delays::uniform, receptor::excitatory>,
                                   projection<"E", "I", topology::sparse, learning::none,
                                              delays::uniform, receptor::excitatory>,
                                   projection<"I", "E", topology::sparse, learning::none,
                                              InhibitoryDelays, receptor::inhibitory>,
                                   projection<"I", "I", topology::sparse, learning::none,
                                              InhibitoryDelays, receptor::inhibitory>>>;
// No delays on the inhibitory connections.
using recurrent_net = ei_net<delays::none>;
// Delays of 0.5-2 ms on every projection: the ranks exchange the spikes of 6 steps at once
// (network::exchange_interval: the shortest delay, 5 steps, + 1).
using delayed_net = ei_net<delays::uniform>;

struct recurrent_run {
  std::vector<index_t> neurons;
  std::vector<std::int64_t> steps;
  std::vector<real> v, ge;
  std::vector<std::uint8_t> raster;
  std::vector<real> trace;
  exchange_stats exchanged;
  std::uint64_t steps_run = 0;
};

// sizes not multiples of 16 or of the rank count: the shares are uneven.
// synchronous: three neurons in four start above threshold and spike in the first step, more
// than the exchange's first block holds (distributed_execution.hpp: the second collective).
template <class Net = recurrent_net>
recurrent_run run_recurrent(const rank_group& ranks, bool synchronous = false) {
  Net net({.dt_ms = 0.1, .seed = 3, .ranks = ranks}, {803, 197});
  constexpr bool all_delayed = std::is_same_v<Net, delayed_net>;
  const neurons::lif::params p{.tau_m_ms = 20,
                               .v_rest_mv = -49,
                               .v_reset_mv = -60,
                               .v_thresh_mv = -50,
                               .refractory_ms = 5,
                               .v_init_mv = -60,
                               .refractory = neurons::refractory_rule::since_spike};
  const synapses::exp_current::params s{
      .tau_exc_ms = 5, .tau_inh_ms = 10, .scheme = synapses::current_scheme::exact};
  net.template set_params<"E">(p, s);
  net.template set_params<"I">(p, s);
  const topology::sparse::params sparse{.probability = 0.08};
  const double shortest = all_delayed ? 0.5 : 0.0;
  net.template connect<"E", "E">(
      {.topology = sparse, .weights = {1.62, 1.62}, .delays = {shortest, 2.0}});
  net.template connect<"E", "I">(
      {.topology = sparse, .weights = {1.62, 1.62}, .delays = {shortest, 2.0}});
  if constexpr (all_delayed) {
    net.template connect<"I", "E">(
        {.topology = sparse, .weights = {9.0, 9.0}, .delays = {shortest, 2.0}});
    net.template connect<"I", "I">(
        {.topology = sparse, .weights = {9.0, 9.0}, .delays = {shortest, 2.0}});
  } else {
    net.template connect<"I", "E">({.topology = sparse, .weights = {9.0, 9.0}});
    net.template connect<"I", "I">({.topology = sparse, .weights = {9.0, 9.0}});
  }
  net.template set_initial_uniform<"E">("v", -60, -50);
  net.template set_initial_uniform<"I">("v", -60, -50);
  if (synchronous) {
    for (auto v : {net.template state<"E", "v">(), net.template state<"I", "v">()})
      for (std::size_t i = 0; i < v.size(); ++i)
        if (i % 4 != 0) v[i] = real(-45);
  }
  net.template record_events<"E">(100000);
  net.template record_events<"I">(100000);
  net.template record_spikes<"E">(1000);
  // Neurons of both ranks' shares (and of the last of four).
  net.template record_state<"E">("v", {0, 5, 450, 802}, 3, 400);
  net.run(60.0);
  net.run(40.0);  // continues the first: delay rings, refractory counters, recorders
  recurrent_run r;
  for (auto [first, events] :
       {std::pair{0, &net.template events<"E">()}, std::pair{803, &net.template events<"I">()}}) {
    for (std::size_t e = 0; e < events->size(); ++e) {
      r.neurons.push_back(events->neurons()[e] + index_t(first));
      r.steps.push_back(events->steps()[e]);
    }
  }
  for (auto x : net.template state<"E", "v">()) r.v.push_back(x);
  for (auto x : net.template state<"I", "v">()) r.v.push_back(x);
  for (auto x : net.template state<"E", "i_exc">()) r.ge.push_back(x);
  const auto raster = net.template spike_raster<"E">();
  const auto trace = net.template state_trace<"E">();
  r.raster.assign(raster.begin(), raster.end());
  r.trace.assign(trace.begin(), trace.end());
  r.exchanged = net.exchange_stats();
  r.steps_run = net.steps_done();
  return r;
}

}  // namespace

TEST_CASE(
    "distributed: a recurrent network with delays gives one process's spikes, potentials "
    "and recordings on every rank",
    "[mpi]") {
  const rank_group g = world();
  const bool synchronous = GENERATE(false, true);
  const recurrent_run alone = run_recurrent({}, synchronous);
  const recurrent_run split = run_recurrent(g, synchronous);
  INFO("rank " << g.rank << " of " << g.size << (synchronous ? ", synchronous start" : ""));
  REQUIRE(alone.neurons.size() > 300);  // self-sustained activity
  CHECK(split.neurons == alone.neurons);
  CHECK(split.steps == alone.steps);
  CHECK(split.v == alone.v);
  CHECK(split.ge == alone.ge);
  CHECK(split.raster == alone.raster);
  CHECK(split.trace == alone.trace);
  CHECK(alone.exchanged.exchanges == 0);
  if (g.distributed()) {
    // One exchange per step for both populations, carrying every spike once.
    CHECK(split.exchanged.exchanges == split.steps_run);
    CHECK(split.exchanged.spikes == alone.neurons.size());
  }
}

TEST_CASE(
    "distributed: where every synapse has a delay, the ranks exchange the spikes of several steps "
    "at once, with one process's results",
    "[mpi]") {
  const rank_group g = world();
  const bool synchronous = GENERATE(false, true);
  const recurrent_run alone = run_recurrent<delayed_net>({}, synchronous);
  const recurrent_run split = run_recurrent<delayed_net>(g, synchronous);
  INFO("rank " << g.rank << " of " << g.size << (synchronous ? ", synchronous start" : ""));
  REQUIRE(alone.neurons.size() > 300);
  CHECK(split.neurons == alone.neurons);
  CHECK(split.steps == alone.steps);
  CHECK(split.v == alone.v);
  CHECK(split.ge == alone.ge);
  CHECK(split.raster == alone.raster);
  CHECK(split.trace == alone.trace);
  if (g.distributed()) {
    // 600 and 400 steps in exchanges of 6 steps, the last of each run shorter.
    CHECK(split.exchanged.exchanges == 100 + 67);
    CHECK(split.exchanged.spikes == alone.neurons.size());
  }
}

namespace {

// Brette et al.'s layout: subgroups of one population, one projecting into the other subgroup
// (whose shares are not its parent's) with delays.
using subgroup_net = network<
    layers<population<"P", neurons::lif, synapses::exp_current>, subgroup<"Pe", "P">,
           subgroup<"Pi", "P">>,
    projections<
        projection<"Pe", "P", topology::sparse, learning::none, delays::none, receptor::excitatory>,
        projection<"Pi", "P", topology::sparse, learning::none, delays::none, receptor::inhibitory>,
        projection<"Pi", "Pe", topology::sparse, learning::none, delays::uniform,
                   receptor::inhibitory>>>;

using delayed_subgroup_net =
    network<layers<population<"P", neurons::lif, synapses::exp_current>, subgroup<"Pe", "P">,
                   subgroup<"Pi", "P">>,
            projections<projection<"Pe", "P", topology::sparse, learning::none, delays::uniform,
                                   receptor::excitatory>,
                        projection<"Pi", "P", topology::sparse, learning::none, delays::uniform,
                                   receptor::inhibitory>,
                        projection<"Pi", "Pe", topology::sparse, learning::none, delays::uniform,
                                   receptor::inhibitory>>>;

// all_delayed: delays of 0.3-3 ms on every projection, so that the ranks exchange every 4 steps.
template <class Net = subgroup_net>
std::pair<std::vector<index_t>, std::vector<real>> run_subgroups(const rank_group& ranks) {
  constexpr bool all_delayed = !std::is_same_v<Net, subgroup_net>;
  Net net({.dt_ms = 0.1, .seed = 5, .ranks = ranks}, {1000, 790, 210});
  net.template set_params<"P">({.tau_m_ms = 20,
                                .v_rest_mv = -49,
                                .v_reset_mv = -60,
                                .v_thresh_mv = -50,
                                .refractory_ms = 5,
                                .v_init_mv = -60},
                               {.tau_exc_ms = 5, .tau_inh_ms = 10});
  net.template set_initial_uniform<"P">("v", -60, -50);
  const topology::sparse::params sp{.probability = 0.06};
  if constexpr (all_delayed) {
    net.template connect<"Pe", "P">(
        {.topology = sp, .weights = {1.62, 1.62}, .delays = {0.3, 3.0}});
    net.template connect<"Pi", "P">({.topology = sp, .weights = {9.0, 9.0}, .delays = {0.3, 3.0}});
  } else {
    net.template connect<"Pe", "P">({.topology = sp, .weights = {1.62, 1.62}});
    net.template connect<"Pi", "P">({.topology = sp, .weights = {9.0, 9.0}});
  }
  // Pe = [0, 790) straddles the shares' boundaries on 2 and 4 ranks.
  net.template connect<"Pi", "Pe">({.topology = sp, .weights = {0.5, 1.0}, .delays = {0.5, 3.0}});
  net.template record_events<"P">(100000);
  net.run(50.0);
  net.run(30.0);  // continues from the delay rings each rank keeps
  std::vector<index_t> events;
  const auto& e = net.template events<"P">();
  for (std::size_t k = 0; k < e.size(); ++k) {
    events.push_back(index_t(e.steps()[k]));
    events.push_back(e.neurons()[k]);
  }
  const auto v = net.template state<"P", "v">();
  const auto gi = net.template state<"P", "i_inh">();
  std::vector<real> state(v.begin(), v.end());
  state.insert(state.end(), gi.begin(), gi.end());
  return {events, state};
}

}  // namespace

TEST_CASE(
    "distributed: subgroups, and a projection with delays into a subgroup, give one "
    "process's spikes and state",
    "[mpi]") {
  const auto alone = run_subgroups({});
  const auto split = run_subgroups(world());
  INFO("rank " << world().rank << " of " << world().size);
  REQUIRE(alone.first.size() > 600);  // steps and neurons: 300 spikes
  CHECK(split.first == alone.first);
  CHECK(split.second == alone.second);
  // Every projection delayed (0.3 ms and more: 3 steps), the exchanges 4 steps apart.
  const auto alone4 = run_subgroups<delayed_subgroup_net>({});
  const auto split4 = run_subgroups<delayed_subgroup_net>(world());
  REQUIRE(alone4.first.size() > 600);
  CHECK(split4.first == alone4.first);
  CHECK(split4.second == alone4.second);
}

namespace {

using plastic_net = network<
    layers<input<"X", encoding::poisson>, population<"E", neurons::lif, synapses::exp_current>>,
    projections<projection<"X", "E", topology::dense, learning::stdp_pair, delays::uniform>,
                projection<"E", "E", topology::all_but_self, learning::none, delays::none,
                           receptor::inhibitory>>>;

// Two runs of STDP with delays and lateral inhibition, the first on `first`, the second on
// `second` (set_ranks between them); the learned weights, and the spikes in `spikes`.
std::vector<real> run_plastic_moved(const rank_group& first, const rank_group& second,
                                    std::size_t n_e = 37, std::uint64_t* spikes = nullptr) {
  plastic_net net({.dt_ms = 0.5, .seed = 42, .ranks = first}, {100, n_e});
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
  net.set_ranks(second);
  net.run(rates, 100.0);
  if (spikes) *spikes = net.total_spikes<"E">();
  return net.gather_weights<"X", "E">();
}

std::vector<real> run_plastic(const rank_group& ranks, std::uint64_t& spikes) {
  return run_plastic_moved(ranks, ranks, 37, &spikes);
}

}  // namespace

TEST_CASE("distributed: STDP with delays and lateral inhibition learns one process's weights",
          "[mpi]") {
  std::uint64_t spikes_alone = 0, spikes_split = 0;
  const auto alone = run_plastic({}, spikes_alone);
  const auto split = run_plastic(world(), spikes_split);
  REQUIRE(spikes_alone > 20);
  CHECK(spikes_split == spikes_alone);
  CHECK(split == alone);
}

TEST_CASE(
    "distributed: each rank stores the synapses into its own neurons; set_ranks moves them with "
    "their spikes in flight and learning state",
    "[mpi]") {
  const rank_group g = world();
  plastic_net net({.dt_ms = 0.5, .seed = 42, .ranks = g}, {100, 37});
  net.connect<"X", "E">({.weights = {0.5, 2.5}, .delays = {.min_ms = 0, .max_ms = 5}});
  net.connect<"E", "E">({.weights = {2.0, 2.0}});
  // The shares of the targets partition them, and a rank stores its targets' synapses only.
  const auto cx = net.stored_columns<"X", "E">(), ce = net.stored_columns<"E", "E">();
  CHECK(cx.first == ce.first);
  CHECK(cx.count == ce.count);
  CHECK(net.stored_synapses<"X", "E">().n_synapses() == 100 * cx.count);
  CHECK(net.stored_synapses<"E", "E">().n_synapses() == 36 * ce.count);
  CHECK(sum_over_ranks(g, cx.count) == 37);
  CHECK(sum_over_ranks(g, net.stored_synapses<"X", "E">().n_synapses()) == 3700);
  CHECK(sum_over_ranks(g, net.stored_synapses<"E", "E">().n_synapses()) == 37 * 36);
  if (g.distributed()) {
    CHECK(cx.count < 37);
    CHECK_THROWS_WITH((net.weights<"X", "E">()), Catch::Contains("gather_weights"));
  }
  // One run on the ranks, the next alone on each, and the other way round: the weights of a
  // single process throughout, though spikes are in flight (delays up to 10 steps) and traces
  // non-zero when the synapses move.
  const auto same = run_plastic_moved({}, {});
  const auto to_one = run_plastic_moved(g, {});
  const auto to_all = run_plastic_moved({}, g);
  CHECK(to_one == same);
  CHECK(to_all == same);
  // 10 neurons: on 2 ranks one holds them all (shares start at multiples of 16), so its share
  // stays as it is when the other's changes.
  CHECK(run_plastic_moved(g, {}, 10) == run_plastic_moved({}, {}, 10));
}

namespace {

models::diehl_cook_params small_diehl_cook() {
  models::diehl_cook_params p;
  p.n_neurons = 37;
  p.seed = 11;
  return p;
}

// Images with a bright bar whose place depends on the example.
std::vector<std::uint8_t> bar_image(std::size_t e) {
  std::vector<std::uint8_t> image(784, 0);
  const std::size_t row = 4 + (e * 7) % 20;
  for (std::size_t c = 4; c < 24; ++c) image[row * 28 + c] = 255;
  for (std::size_t r = 4; r < 24; ++r) image[r * 28 + (e * 5) % 28] = 200;
  return image;
}

struct diehl_cook_run {
  std::vector<real> weights, theta;
  std::vector<std::uint32_t> counts;
};

template <class Model>
diehl_cook_run train_and_respond(Model& model, std::size_t first, std::size_t n) {
  diehl_cook_run r;
  for (std::size_t e = first; e < first + n; ++e) {
    const auto image = bar_image(e);
    const auto res = model.train(image);
    r.counts.insert(r.counts.end(), res.counts.begin(), res.counts.end());
  }
  const auto image = bar_image(99);
  const auto res = model.respond(image, 99);
  r.counts.insert(r.counts.end(), res.counts.begin(), res.counts.end());
  r.weights = model.gather_input_weights();
  r.theta.assign(model.theta().begin(), model.theta().end());
  return r;
}

std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE(
    "distributed: Diehl & Cook trains the same weights and thresholds; its checkpoint is "
    "one process's and loads on any number of ranks",
    "[mpi][diehl_cook]") {
  const rank_group g = world();
  models::diehl_cook_2015<> alone(small_diehl_cook());
  models::diehl_cook_2015<> split(small_diehl_cook(), g);
  const auto a = train_and_respond(alone, 0, 4);
  const auto s = train_and_respond(split, 0, 4);
  REQUIRE(a.theta != std::vector<real>(a.theta.size(), 0));  // it learned
  CHECK(s.counts == a.counts);
  CHECK(s.weights == a.weights);
  CHECK(s.theta == a.theta);

  // Rank 0 writes both checkpoints; the directory name is the same on every rank.
  std::string dir_name =
      (std::filesystem::temp_directory_path() / "spiketorch_mpi_XXXXXX").string();
  // Every rank learns whether rank 0 made it before any REQUIRE, so none is left waiting.
  int made = g.leads() ? int(mkdtemp(dir_name.data()) != nullptr) : 0;
  MPI_Bcast(&made, 1, MPI_INT, 0, MPI_COMM_WORLD);
  REQUIRE(made == 1);
  MPI_Bcast(dir_name.data(), static_cast<int>(dir_name.size()), MPI_CHAR, 0, MPI_COMM_WORLD);
  const std::filesystem::path dir = dir_name;
  evaluation::label_assignment assignment;
  assignment.labels.assign(37, -1);
  assignment.proportions = xt::zeros<double>({std::size_t(37), std::size_t(10)});
  if (g.leads()) models::save_diehl_cook(dir / "alone", alone, assignment, 4);
  models::save_diehl_cook(dir / "split", split, assignment, 4);
  MPI_Barrier(MPI_COMM_WORLD);
  for (const char* f : {"weights.npy", "theta.npy", "manifest.json"})
    CHECK(file_bytes(dir / "split" / f) == file_bytes(dir / "alone" / f));

  // Saved by these ranks, loaded by one process and by all ranks: the same continuation.
  auto [one, info1] = models::load_diehl_cook(dir / "split");
  auto [all, info2] = models::load_diehl_cook(dir / "split", nullptr, g);
  CHECK(all.net().ranks().size == g.size);
  const auto c1 = train_and_respond(one, 4, 2);
  const auto c2 = train_and_respond(all, 4, 2);
  CHECK(c2.weights == c1.weights);
  CHECK(c2.theta == c1.theta);
  CHECK(c2.counts == c1.counts);
  MPI_Barrier(MPI_COMM_WORLD);
  if (g.leads()) std::filesystem::remove_all(dir);
}

TEST_CASE("distributed: one thread per rank, the CPU backend, a rank of the group", "[mpi]") {
  const rank_group g = world();
  using net_t =
      network<layers<population<"E", neurons::lif, synapses::exp_current>>, projections<>>;
  if (g.distributed()) {
    REQUIRE_THROWS_WITH((net_t({.threads = 2, .ranks = g}, {10})),
                        Catch::Contains("one thread per rank"));
  }
  rank_group bad = g;
  bad.rank = g.size;
  REQUIRE_THROWS_WITH((net_t({.ranks = bad}, {10})), Catch::Contains("is not a rank of the group"));
}

TEST_CASE(
    "distributed: respond_all splits the examples over the ranks and gives one process's "
    "counts, also for fewer examples than ranks",
    "[mpi][diehl_cook]") {
  const rank_group g = world();
  models::diehl_cook_2015<> alone(small_diehl_cook());
  models::diehl_cook_2015<> split(small_diehl_cook(), g);
  for (std::size_t e = 0; e < 2; ++e) {
    alone.train(bar_image(e));
    split.train(bar_image(e));
  }
  xt::xtensor<std::uint8_t, 3> images = xt::xtensor<std::uint8_t, 3>::from_shape({9, 28, 28});
  for (std::size_t e = 0; e < 9; ++e) {
    const auto image = bar_image(10 + e);
    std::copy(image.begin(), image.end(), images.data() + e * 784);
  }
  // 7 examples from the third: blocks of 3 and 4 on 2 ranks, of 1 and 2 on 4; one example:
  // ranks without any.
  for (const auto& [first, count] : {std::pair{2, 7}, std::pair{0, 1}}) {
    INFO("examples " << first << " + " << count << ", rank " << g.rank << " of " << g.size);
    std::uint64_t spikes_a = 0, pres_a = 0, spikes_s = 0, pres_s = 0;
    const auto none = [](std::uint64_t) {};
    const auto a = models::respond_all(alone, images, first, count, 1, 5, none, &spikes_a, &pres_a);
    const auto s = models::respond_all(split, images, first, count, 1, 5, none, &spikes_s, &pres_s);
    REQUIRE(a.shape()[0] == std::size_t(count));
    CHECK(xt::sum(a)() > 0);
    CHECK(s == a);
    CHECK(spikes_s == spikes_a);
    CHECK(pres_s == pres_a);
  }
  // The model built over the ranks stays so.
  CHECK(split.net().ranks().size == g.size);
}
