// One full network step of the Diehl & Cook network (784 Poisson inputs -> N adaptive LIF ->
// N LIF -> all-but-self inhibition; dense input weights with 0-10 ms delays and triplet STDP):
// input, update of both populations, delivery over the three projections, learning, recording.
//
//   BM_network_step/N/learning/phase
//     phase 0: the 700 steps of a 350 ms presentation of an MNIST digit (input on);
//     phase 1: the 300 steps of the 150 ms rest that follows one (input off; conductances
//              decay towards zero, through the subnormal float range);
//   the other phase runs untimed in between (and, when learning, the weight normalisation), so
//   every timed step starts from the state the protocol leaves. The encoder's per-presentation
//   sampling is included, amortised over the steps.
// Counters: time/step (seconds), neuron_updates/s (2N per step), synaptic_events/s (input spikes
// x N delivered, Ae spikes x 1, Ai spikes x (N - 1); when learning also input spikes x N
// depressed and Ae spikes x 784 potentiated), and spikes per step of each layer.
#include <vector>

#include "bench_common.hpp"
#include "spiketorch/models/diehl_cook_2015.hpp"

namespace {

using namespace spiketorch;

void BM_network_step(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const bool learning = state.range(1) != 0;
  const bool rest_phase = state.range(2) != 0;
  models::diehl_cook_params p;
  p.n_neurons = n;
  models::diehl_cook_2015<> model(p);
  auto& net = model.net();
  model.train(bench::digit(0));  // leave the start-up transient (V from -105 mV) behind
  net.set_learning(learning);

  const std::vector<float> zeros(bench::n_input, 0.0f);
  std::vector<float> rates;
  const double present_ms = p.time_ms, rest_ms = p.rest_ms;
  const double timed_ms = rest_phase ? rest_ms : present_ms;
  std::size_t e = 1;
  std::uint64_t in_spikes = 0, exc_spikes = 0, inh_spikes = 0;
  auto prepare_presentation = [&] {
    if (learning) net.normalize<"X", "Ae">(p.norm);
    rates = bench::rates_of(bench::digit(e++));
    net.set_input<"X">(rates);
  };
  for (auto _ : state) {
    state.PauseTiming();
    if (rest_phase) {  // untimed presentation, then the rest is timed
      prepare_presentation();
      net.run(present_ms);
      net.set_input<"X">(zeros);
    } else {  // untimed rest, then the presentation is timed
      net.set_input<"X">(zeros);
      net.run(rest_ms);
      prepare_presentation();
    }
    net.reset_counts();
    state.ResumeTiming();
    net.run(timed_ms);
    in_spikes += net.total_spikes<"X">();
    exc_spikes += net.total_spikes<"Ae">();
    inh_spikes += net.total_spikes<"Ai">();
  }
  const double steps = double(state.iterations()) * timed_ms / p.dt_ms;
  const double nn = double(n);
  double events = double(in_spikes) * nn + double(exc_spikes) + double(inh_spikes) * (nn - 1);
  if (learning) events += double(in_spikes) * nn + double(exc_spikes) * double(bench::n_input);
  state.counters["time/step"] = benchmark::Counter(
      steps, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["neuron_updates/s"] = bench::per_second(steps * 2 * nn);
  state.counters["synaptic_events/s"] = bench::per_second(events);
  state.counters["in_spikes/step"] = double(in_spikes) / steps;
  state.counters["exc_spikes/step"] = double(exc_spikes) / steps;
  state.counters["inh_spikes/step"] = double(inh_spikes) / steps;
}

BENCHMARK(BM_network_step)
    ->ArgNames({"", "learning", "rest"})
    ->ArgsProduct({{100, 400, 1600, 6400}, {0, 1}, {0, 1}})
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
