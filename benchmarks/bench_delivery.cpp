// Spike delivery: the deliver stage of the step (step/stages.hpp) on the CPU, per topology, without delays and with
// delays uniform in 0-10 ms (21 ring slots at dt = 0.5 ms), at realistic input rates.
//
//   BM_deliver<dense | sparse, Delays>/N        784 -> N; the input spikes of MNIST digits under
//                                               the Diehl & Cook Poisson code (~3 per step);
//                                               sparse: connection probability 0.1;
//   BM_deliver<one_to_one | all_but_self, Delays>/N   N -> N with Poisson(3) random spikes a step.
//
// A synaptic event is one (spike, target synapse) pair: spikes x fan-out. With delays each step
// also moves the ring slot due now into the channel and zeroes it (2 x N floats, whatever the
// number of spikes): that fixed cost is included, as in the network.
//   BM_deliver_dense_reference/N   the same work as BM_deliver<dense, delays::none>/N (same
//                                   weights, same spikes) with a hand-written loop: one call of a
//                                   non-inlined unit-stride row add per spike. It is what the
//                                   library kernel should reach; see README.md for why it differs.
//   BM_deliver<conv2d | local2d, Delays>/maps:C     the MNIST input spikes as a 1x28x28 map
//                                               into C maps of 5x5 windows (24x24 each; 25 C
//                                               events per spike away from the border), as
//                                               Kheradpisheh et al.'s first layer.
// Counters: synaptic_events/s, spikes/step, and bytes/event (what the kernel must move per event
// from wherever the weights live: 4 for the weight, +1 for the delay byte).
#include <type_traits>
#include <vector>

#include "bench_common.hpp"
#include "spiketorch/backend/cpu/execution.hpp"
#include "spiketorch/step/stages.hpp"
#include "spiketorch/network/projection.hpp"
#include "spiketorch/topology/all_but_self.hpp"
#include "spiketorch/topology/delays.hpp"
#include "spiketorch/topology/dense.hpp"
#include "spiketorch/topology/one_to_one.hpp"
#include "spiketorch/topology/sparse.hpp"
#include "spiketorch/topology/window2d.hpp"

namespace {

using namespace spiketorch;

template <class Topo>
constexpr bool from_input = std::is_same_v<Topo, topology::dense> ||
                            std::is_same_v<Topo, topology::sparse>;

const bench::spike_trains& input_trains() {
  static const bench::spike_trains t = bench::mnist_input_trains();
  return t;
}

template <class Topo>
constexpr bool windowed = topology::shares_weights_v<Topo> || std::is_same_v<Topo, topology::local2d>;

template <class Topo, class Delays>
void BM_deliver(benchmark::State& state) {
  const auto arg = static_cast<std::size_t>(state.range(0));
  using proj_t = projection<"X", "E", Topo, learning::none, Delays>;
  connection_options<proj_t> options;
  std::size_t n_pre = arg, n = arg;
  if constexpr (windowed<Topo>) {
    options.topology = {.input = {1, 28, 28}, .out_channels = arg, .kernel = 5};
    n_pre = bench::n_input;
    n = Topo::output_of(options.topology).size();
  } else if constexpr (from_input<Topo>) {
    n_pre = bench::n_input;
  }
  projection_state<proj_t> proj;
  options.weights = {0.0, 0.3};
  if constexpr (std::is_same_v<Topo, topology::sparse>) options.topology.probability = 0.1;
  if constexpr (Delays::has_delays) options.delays = {.min_ms = 0.0, .max_ms = 10.0};
  proj.connect(n_pre, n, options, bench::dt_ms, random_stream(2015, 1), /*signed_weights=*/false);

  // Fan-out of each source, to count events exactly (sparse rows differ).
  std::vector<std::uint64_t> fan_out(n_pre, 0);
  for (index_t i = 0; i < n_pre; ++i)
    proj.topo.for_each_target(i, [&](index_t, std::size_t) { ++fan_out[i]; });

  const bench::spike_trains trains =
      from_input<Topo> || windowed<Topo> ? input_trains() : bench::random_trains(n, 3.0, 5600);
  std::vector<real> channel(n, real(0));
  std::size_t t = 0;
  std::uint64_t events = 0, spikes = 0;
  const auto view = proj.view(host_map{}, false);
  for (auto _ : state) {
    const auto s = trains.at(t);
    stages::deliver(backend::cpu_execution{}, view,
                    spike_list{s.data(), static_cast<std::uint32_t>(s.size())}, channel.data());
    ++t;
    for (index_t i : s) events += fan_out[i];
    spikes += s.size();
    benchmark::DoNotOptimize(channel.data());
    benchmark::ClobberMemory();
  }
  const double steps = double(state.iterations());
  state.counters["synaptic_events/s"] = bench::per_second(double(events));
  state.counters["spikes/step"] = double(spikes) / steps;
  state.counters["events/step"] = double(events) / steps;
  state.counters["bytes/event"] = Delays::has_delays ? 5.0 : 4.0;
}

// Kept out of line so the compiler cannot fuse the rows of consecutive spikes (see README.md).
[[gnu::noinline]] void add_row(real* __restrict channel, const real* __restrict row, std::size_t n) {
  for (std::size_t j = 0; j < n; ++j) channel[j] += row[j];
}

void BM_deliver_dense_reference(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  using proj_t = projection<"X", "E", topology::dense>;
  projection_state<proj_t> proj;
  proj.connect(bench::n_input, n, {.weights = {0.0, 0.3}}, bench::dt_ms, random_stream(2015, 1),
               /*signed_weights=*/false);
  const bench::spike_trains& trains = input_trains();
  const real* w = proj.topo.weights().data();
  std::vector<real> channel(n, real(0));
  std::size_t t = 0;
  std::uint64_t spikes = 0;
  for (auto _ : state) {
    const auto s = trains.at(t++);
    for (index_t i : s) add_row(channel.data(), w + std::size_t(i) * n, n);
    spikes += s.size();
    benchmark::DoNotOptimize(channel.data());
    benchmark::ClobberMemory();
  }
  state.counters["synaptic_events/s"] = bench::per_second(double(spikes) * double(n));
  state.counters["spikes/step"] = double(spikes) / double(state.iterations());
  state.counters["bytes/event"] = 4.0;
}
BENCHMARK(BM_deliver_dense_reference)->Apply(bench::dc_size_args);

using topology::all_but_self;
using topology::dense;
using topology::one_to_one;
using topology::sparse;

#define ST_DELIVER(TOPO, DELAYS) \
  BENCHMARK_TEMPLATE(BM_deliver, TOPO, DELAYS)->Apply(bench::dc_size_args)

ST_DELIVER(dense, delays::none);
ST_DELIVER(dense, delays::uniform);
ST_DELIVER(sparse, delays::none);
ST_DELIVER(sparse, delays::uniform);
ST_DELIVER(one_to_one, delays::none);
ST_DELIVER(one_to_one, delays::uniform);
ST_DELIVER(all_but_self, delays::none);
ST_DELIVER(all_but_self, delays::uniform);

#define ST_DELIVER_WINDOW(TOPO, DELAYS) \
  BENCHMARK_TEMPLATE(BM_deliver, TOPO, DELAYS)->ArgName("maps")->Arg(8)->Arg(32)

ST_DELIVER_WINDOW(topology::conv2d, delays::none);
ST_DELIVER_WINDOW(topology::conv2d, delays::uniform);
ST_DELIVER_WINDOW(topology::local2d, delays::none);

}  // namespace

BENCHMARK_MAIN();
