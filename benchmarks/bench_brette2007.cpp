// The benchmark networks of Brette et al. (2007) (examples/brette2007: CUBA and COBA, 80 inputs
// per neuron, dt = 0.1 ms): time per simulated second, and where it goes.
//
//   BM_brette2007/model/N/threads   100 ms of the whole network, after 100 ms untimed (the
//                                   start-up transient); model 0 = CUBA, 1 = COBA
//   BM_brette2007_update/model/N    the same populations with the same state, unconnected: the
//                                   neuron update, the spike lists and the counts alone
//                                   (delivery costs the difference, on one thread); the state is
//                                   copied from the connected network again before each 100 ms
// Counters: sim_s_per_s (simulated seconds per second of wall time; 1 / it is the wall time per
// simulated second), neuron_updates/s, synaptic_events/s (spikes x their synapses), rate_hz, and
// for the update the state traffic state_bytes/s: per neuron and step the four float32 state
// variables (v, refractory count and the two synaptic variables) are read and written (32 B) and
// the spike flag written and read (2 B), to compare with BM_triad of bench_bandwidth at the same
// footprint (34 B x N: L2 up to about 30,000 neurons, L3 up to about 900,000).
//
//   BM_team_barrier/threads         one meeting of a team (backend/cpu/team_execution.hpp), the
//                                   price of each of the step's synchronisations on this machine
//                                   (a team meets twice per step of these networks: step/step.hpp,
//                                   owner_computes)
//   BM_omp_barrier/threads          the same with OpenMP's barrier, for reference
#include <cstdint>
#if defined(_OPENMP)
#include <omp.h>
#endif

#include "../examples/brette2007/coba.hpp"
#include "../examples/brette2007/cuba.hpp"
#include "bench_common.hpp"

namespace {

using namespace spiketorch;
using bench::per_second;

constexpr double warm_up_ms = 100, timed_ms = 100;

template <class Model>
void whole_network(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(1));
  auto net = brette2007::build<Model>(n, 1, static_cast<std::size_t>(state.range(2)));
  net.run(warm_up_ms);
  const std::uint64_t spikes0 = net.template total_spikes<"P">();
  const double events0 = brette2007::delivered_events(net);
  std::uint64_t runs = 0;
  for (auto _ : state) {
    net.run(timed_ms);
    ++runs;
  }
  const double spikes = double(net.template total_spikes<"P">() - spikes0);
  const double sim_s = double(runs) * timed_ms / 1000.0;
  state.counters["sim_s_per_s"] = per_second(sim_s);
  state.counters["neuron_updates/s"] = per_second(double(n) * sim_s * 1000.0 / brette2007::dt_ms);
  state.counters["synaptic_events/s"] = per_second(brette2007::delivered_events(net) - events0);
  state.counters["rate_hz"] = spikes / double(n) / sim_s;
}

template <class Model>
void update_only(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(1));
  auto net = brette2007::build<Model>(n, 1, 1);
  net.run(warm_up_ms);
  using synapse_t = typename Model::network_type::template layer_type<"P">::synapse_type;
  brette2007::unconnected_of<synapse_t> alone({.dt_ms = brette2007::dt_ms, .seed = 1},
                                              std::array<std::size_t, 1>{n});
  std::uint64_t runs = 0;
  for (auto _ : state) {
    // The connected network's state again for each 100 ms: unconnected, the synaptic variables
    // decay into subnormal floats within about half a second (87 time constants), which this
    // CPU handles some 20x slower, and the update would measure that instead.
    state.PauseTiming();
    brette2007::copy_population(net, alone);
    state.ResumeTiming();
    alone.run(timed_ms);
    ++runs;
  }
  const double steps = double(runs) * timed_ms / brette2007::dt_ms;
  state.counters["sim_s_per_s"] = per_second(double(runs) * timed_ms / 1000.0);
  state.counters["neuron_updates/s"] = per_second(double(n) * steps);
  state.counters["state_bytes/s"] = per_second(34.0 * double(n) * steps);
}

void BM_brette2007(benchmark::State& state) {
  if (state.range(0) == 0)
    whole_network<brette2007::cuba>(state);
  else
    whole_network<brette2007::coba>(state);
}
void BM_brette2007_update(benchmark::State& state) {
  if (state.range(0) == 0)
    update_only<brette2007::cuba>(state);
  else
    update_only<brette2007::coba>(state);
}

#if defined(SPIKETORCH_USE_OPENMP)
constexpr int meetings = 20000;

void BM_team_barrier(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    backend::team_barrier meeting(static_cast<std::uint32_t>(threads));
#pragma omp parallel num_threads(threads)
    for (int i = 0; i < meetings; ++i) meeting.wait();
  }
  state.counters["barriers/s"] = per_second(double(state.iterations()) * meetings);
}

void BM_omp_barrier(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
#pragma omp parallel num_threads(threads)
    for (int i = 0; i < meetings; ++i) {
#pragma omp barrier
    }
  }
  state.counters["barriers/s"] = per_second(double(state.iterations()) * meetings);
}
#endif

#if defined(SPIKETORCH_USE_OPENMP)
constexpr bool openmp = true;
#else
constexpr bool openmp = false;  // more than one thread is refused
#endif

void sizes(benchmark::internal::Benchmark* b, bool threads) {
  for (std::int64_t model : {0, 1})
    for (std::int64_t n : {4000, 16000, 64000, 256000})
      for (std::int64_t t : {1, 2})
        if (t == 1 || (threads && openmp))
          b->Args(threads ? std::vector<std::int64_t>{model, n, t}
                          : std::vector<std::int64_t>{model, n});
}

}  // namespace

BENCHMARK(BM_brette2007)
    ->ArgNames({"model", "N", "threads"})
    ->Apply([](auto* b) { sizes(b, true); }) -> Unit(benchmark::kMillisecond) -> UseRealTime();
BENCHMARK(BM_brette2007_update)->ArgNames({"model", "N"})->Apply([](auto* b) {
                                                           sizes(b, false);
                                                         }) -> Unit(benchmark::kMillisecond);

#if defined(SPIKETORCH_USE_OPENMP)
BENCHMARK(BM_team_barrier)
    ->ArgName("threads")
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_omp_barrier)->ArgName("threads")->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
#endif

BENCHMARK_MAIN();
