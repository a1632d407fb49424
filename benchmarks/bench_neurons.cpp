// Neuron update: the update stage of the step (step/stages.hpp) on the CPU (synaptic drive, integration,
// synapse decay, threshold and reset) per model and synapse kernel, at N = 100 .. 6400.
//
//   BM_update<Neuron, Synapse>/N        one step of a population with no input (the steady
//                                       state: nothing spikes, state stays normal floats);
//   BM_rest_period<Neuron, Synapse>/N/g0  the 150 ms (300 steps) rest of Diehl & Cook after the
//                                       excitatory channel was left at g0 (0 or 1): with a 1 ms
//                                       conductance the channel decays through the subnormal
//                                       float range (steps ~175-205), which this exposes.
// Counter: neuron_updates/s (neurons x steps per second).
#include <algorithm>

#include "bench_common.hpp"
#include "spiketorch/backend/cpu/execution.hpp"
#include "spiketorch/step/stages.hpp"
#include "spiketorch/network/layer.hpp"
#include "spiketorch/neurons/adaptive_lif.hpp"
#include "spiketorch/neurons/integrate_and_fire.hpp"
#include "spiketorch/neurons/izhikevich.hpp"
#include "spiketorch/neurons/lif.hpp"
#include "spiketorch/synapses/delta_current.hpp"
#include "spiketorch/synapses/exp_conductance.hpp"
#include "spiketorch/synapses/exp_current.hpp"

namespace {

using namespace spiketorch;

template <class Neuron, class Synapse>
using pop_state = layer_state<population<"P", Neuron, Synapse>>;

template <class Neuron, class Synapse>
void make_population(pop_state<Neuron, Synapse>& pop, std::size_t n) {
  pop.init(n);
  pop.derive(bench::dt_ms);
  pop.reset_state();
}

template <class Neuron, class Synapse>
void BM_update(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  pop_state<Neuron, Synapse> pop;
  make_population(pop, n);
  step_context ctx{0, true};
  std::uint64_t spikes = 0;
  const auto view = pop.view(host_map{});
  for (auto _ : state) {
    stages::update_population(backend::cpu_execution{}, view, ctx);
    spikes += pop.n_current;
    ++ctx.step;
    benchmark::DoNotOptimize(pop.neuron_state.data());
    benchmark::ClobberMemory();
  }
  const double steps = double(state.iterations());
  state.counters["neuron_updates/s"] = bench::per_second(steps * double(n));
  state.counters["spikes/step"] = double(spikes) / steps;
}

template <class Neuron, class Synapse>
void BM_rest_period(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const real g0 = static_cast<real>(state.range(1));
  constexpr std::size_t rest_steps = 300;
  pop_state<Neuron, Synapse> pop;
  make_population(pop, n);
  real* channel = pop.synapse_state.field(Synapse::channel_field(receptor::excitatory));
  step_context ctx{0, true};
  const auto view = pop.view(host_map{});
  for (auto _ : state) {
    pop.reset_state();
    std::fill_n(channel, n, g0);
    for (std::size_t t = 0; t < rest_steps; ++t) {
      stages::update_population(backend::cpu_execution{}, view, ctx);
      ++ctx.step;
    }
    benchmark::DoNotOptimize(pop.neuron_state.data());
    benchmark::ClobberMemory();
  }
  state.counters["neuron_updates/s"] =
      bench::per_second(double(state.iterations()) * double(rest_steps) * double(n));
}

using neurons::adaptive_lif;
using neurons::integrate_and_fire;
using neurons::izhikevich;
using neurons::lif;
using synapses::delta_current;
using synapses::exp_conductance;
using synapses::exp_current;

#define ST_UPDATE(NEURON, SYNAPSE) \
  BENCHMARK_TEMPLATE(BM_update, NEURON, SYNAPSE)->Apply(bench::dc_size_args)

ST_UPDATE(lif, exp_conductance);
ST_UPDATE(lif, exp_current);
ST_UPDATE(lif, delta_current);
ST_UPDATE(adaptive_lif, exp_conductance);
ST_UPDATE(adaptive_lif, exp_current);
ST_UPDATE(adaptive_lif, delta_current);
ST_UPDATE(integrate_and_fire, exp_conductance);
ST_UPDATE(integrate_and_fire, exp_current);
ST_UPDATE(integrate_and_fire, delta_current);
ST_UPDATE(izhikevich, exp_conductance);
ST_UPDATE(izhikevich, exp_current);
ST_UPDATE(izhikevich, delta_current);

BENCHMARK_TEMPLATE(BM_rest_period, adaptive_lif, exp_conductance)
    ->ArgNames({"N", "g0"})
    ->ArgsProduct({{100, 1600}, {0, 1}})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_TEMPLATE(BM_rest_period, lif, exp_current)
    ->ArgNames({"N", "g0"})
    ->ArgsProduct({{100, 1600}, {0, 1}})
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
