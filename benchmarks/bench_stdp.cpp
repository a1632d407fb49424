// STDP: one step of the learn stage (step/stages.hpp) of a plastic projection on the CPU
// per rule, on a dense 784 x N projection (the input weights of Diehl & Cook), at N = 100..6400,
// without delays and (triplet, the Diehl & Cook rule) with delays uniform in 0-10 ms.
//
//   BM_stdp<Rule, Delays>/N/mode
//     mode 0 "train": MNIST input spikes (~3 per step) and postsynaptic spikes at the rate of
//                     the excitatory layer in training (one spike in 32 steps at a random
//                     neuron, ~22 per 350 ms);
//     mode 1 "post":  one postsynaptic spike every step and no input spikes: potentiation, 784
//                     synapses per spike down a column of the weight matrix (stride N floats);
//     mode 2 "busy":  MNIST input spikes and one postsynaptic spike every step, round robin, so
//                     that up to min(N, window) targets have live traces (a stress case for
//                     depression, which visits the targets whose traces are not negligible).
// Counters:
//   synaptic_events/s  the events the rule defines: pre spikes x N (depression) + post spikes x
//                      784 (potentiation), whether or not the implementation skips targets whose
//                      traces are negligible;
//   updated/s          weights actually visited, when the learning state reports its active
//                      targets (pre spikes x active targets + post spikes x 784);
//   active_targets     mean number of targets with live postsynaptic traces.
#include <random>
#include <vector>

#include "bench_common.hpp"
#include "spiketorch/backend/cpu/execution.hpp"
#include "spiketorch/step/stages.hpp"
#include "spiketorch/learning/stdp_pair.hpp"
#include "spiketorch/learning/stdp_triplet.hpp"
#include "spiketorch/learning/stdp_weight_dependent.hpp"
#include "spiketorch/network/projection.hpp"
#include "spiketorch/topology/delays.hpp"
#include "spiketorch/topology/dense.hpp"

namespace {

using namespace spiketorch;

enum mode : int { train = 0, post_only = 1, busy = 2 };

const bench::spike_trains& input_trains() {
  static const bench::spike_trains t = bench::mnist_input_trains();
  return t;
}

bench::spike_trains post_trains(mode m, std::size_t n, std::size_t steps) {
  bench::spike_trains post;
  std::mt19937_64 gen(13);
  for (std::size_t t = 0; t < steps; ++t) {
    index_t j = static_cast<index_t>(gen() % n);
    if (m == busy) j = static_cast<index_t>(t % n);
    const bool fire = m != train || gen() % 32 == 0;
    post.push_step(fire ? std::span<const index_t>(&j, 1) : std::span<const index_t>());
  }
  return post;
}

template <class Rule, class Delays>
void BM_stdp(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto m = static_cast<mode>(state.range(1));
  using proj_t = projection<"X", "Ae", topology::dense, Rule, Delays>;
  projection_state<proj_t> proj;
  connection_options<proj_t> options;
  options.weights = {0.003, 0.303};
  if constexpr (Delays::has_delays) options.delays = {.min_ms = 0.0, .max_ms = 10.0};
  proj.connect(bench::n_input, n, options, bench::dt_ms, random_stream(2015, 2),
               /*signed_weights=*/false);

  const std::size_t steps = input_trains().n_steps();
  bench::spike_trains pre;
  if (m == post_only)
    for (std::size_t t = 0; t < steps; ++t) pre.push_step({});
  else
    pre = input_trains();
  const bench::spike_trains post = post_trains(m, n, steps);

  std::size_t t = 0;
  std::uint64_t n_pre = 0, n_post = 0, active = 0, updated = 0;
  const auto view = proj.view(host_map{}, true);
  for (auto _ : state) {
    const auto s_pre = pre.at(t), s_post = post.at(t);
    stages::learn(backend::cpu_execution{}, view,
                  spike_list{s_pre.data(), static_cast<std::uint32_t>(s_pre.size())},
                  spike_list{s_post.data(), static_cast<std::uint32_t>(s_post.size())}, t);
    ++t;
    n_pre += s_pre.size();
    n_post += s_post.size();
    if constexpr (requires { proj.rule.state.active(); }) {
      const std::size_t a = proj.rule.state.active().size();
      active += a;
      updated += s_pre.size() * a + s_post.size() * bench::n_input;
    }
    benchmark::DoNotOptimize(proj.topo.weights().data());
    benchmark::ClobberMemory();
  }
  const double iters = double(state.iterations());
  state.counters["synaptic_events/s"] =
      bench::per_second(double(n_pre) * double(n) + double(n_post) * double(bench::n_input));
  if constexpr (requires { proj.rule.state.active(); }) {
    state.counters["updated/s"] = bench::per_second(double(updated));
    state.counters["active_targets"] = double(active) / iters;
  }
  state.counters["pre_spikes/step"] = double(n_pre) / iters;
  state.counters["post_spikes/step"] = double(n_post) / iters;
}

void stdp_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"", "mode"});
  for (auto n : bench::dc_sizes)
    for (int m : {train, post_only, busy}) b->Args({n, m});
}

BENCHMARK_TEMPLATE(BM_stdp, learning::stdp_pair, delays::none)->Apply(stdp_args);
BENCHMARK_TEMPLATE(BM_stdp, learning::stdp_triplet, delays::none)->Apply(stdp_args);
BENCHMARK_TEMPLATE(BM_stdp, learning::stdp_triplet, delays::uniform)->Apply(stdp_args);
BENCHMARK_TEMPLATE(BM_stdp, learning::stdp_weight_dependent, delays::none)->Apply(stdp_args);

}  // namespace

BENCHMARK_MAIN();
