// One full Diehl & Cook example (presentation, retries and rest) at N = 100, 400, 1600, 6400:
// training (learning on) and evaluation (learning off). Real MNIST digits when the data are
// present (data/mnist or ../shared/data/mnist), otherwise synthetic digit-like images.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "spiketorch/datasets/idx.hpp"
#include "spiketorch/models/diehl_cook_2015.hpp"

namespace {

using namespace spiketorch;

const xt::xtensor<std::uint8_t, 3>& digits() {
  static const xt::xtensor<std::uint8_t, 3> images = [] {
    for (const char* dir : {"data/mnist", "../shared/data/mnist", "../../shared/data/mnist"})
      if (std::filesystem::is_directory(dir)) return load_mnist(dir, "train", 1000).images;
    // A stroke-like blob per image so that rates and spike counts are MNIST-like.
    xt::xtensor<std::uint8_t, 3> synth = xt::zeros<std::uint8_t>({std::size_t(1000), std::size_t(28), std::size_t(28)});
    for (std::size_t e = 0; e < 1000; ++e)
      for (std::size_t r = 6; r < 22; ++r)
        for (std::size_t c = 10 + (e + r) % 5; c < 14 + (e + r) % 5; ++c) synth(e, r, c) = 255;
    return synth;
  }();
  return images;
}

void run_examples(benchmark::State& state, bool learning) {
  models::diehl_cook_params p;
  p.n_neurons = static_cast<std::size_t>(state.range(0));
  models::diehl_cook_2015<> model(p);
  const auto& images = digits();
  std::size_t e = 0;
  std::uint64_t input_spikes = 0, examples = 0;
  for (auto _ : state) {
    const std::span<const std::uint8_t> img(images.data() + (e++ % images.shape(0)) * 784, 784);
    const auto r = learning ? model.train(img) : model.respond(img);
    input_spikes += r.input_spikes;
    ++examples;
  }
  // Each input spike touches N synapses on delivery (and N more for depression when learning).
  state.counters["examples/s"] = benchmark::Counter(double(examples), benchmark::Counter::kIsRate);
  state.counters["synaptic_events/s"] =
      benchmark::Counter(double(input_spikes) * double(p.n_neurons), benchmark::Counter::kIsRate);
  state.counters["input_spikes/example"] = double(input_spikes) / double(examples);
}

void BM_diehl_cook_train_example(benchmark::State& state) { run_examples(state, true); }
void BM_diehl_cook_eval_example(benchmark::State& state) { run_examples(state, false); }

BENCHMARK(BM_diehl_cook_train_example)->Arg(100)->Arg(400)->Arg(1600)->Arg(6400)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_diehl_cook_eval_example)->Arg(100)->Arg(400)->Arg(1600)->Arg(6400)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
