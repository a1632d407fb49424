// Shared set-up for the benchmarks: MNIST-like inputs, realistic spike lists and counters.
//
// Input spikes are those of the Diehl & Cook protocol: Poisson rates of pixel / 4 Hz
// (intensity 2), dt = 0.5 ms, which gives about 3 input spikes per step on MNIST digits. Real
// digits are used when the data are present (SPIKETORCH_MNIST_DIR, data/mnist or
// ../shared/data/mnist next to the source tree), otherwise synthetic stroke-like images with
// about the same pixel mass.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "spiketorch/core/random.hpp"
#include "spiketorch/datasets/idx.hpp"
#include "spiketorch/encoding/poisson.hpp"

#ifndef SPIKETORCH_SOURCE_ROOT
#define SPIKETORCH_SOURCE_ROOT "."
#endif

namespace spiketorch::bench {

inline constexpr double dt_ms = 0.5;
inline constexpr std::size_t n_input = 784;
/// Layer sizes of the Diehl & Cook paper.
inline constexpr std::int64_t dc_sizes[] = {100, 400, 1600, 6400};

/// Adds the Diehl & Cook sizes as the first argument of a benchmark.
inline void dc_size_args(benchmark::internal::Benchmark* b) {
  for (auto n : dc_sizes) b->Arg(n);
}

/// Where the MNIST files are, or "" when they are not found.
inline std::string mnist_dir() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("SPIKETORCH_MNIST_DIR")) candidates.emplace_back(env);
  for (const char* rel : {"/data/mnist", "/../shared/data/mnist"})
    candidates.push_back(std::string(SPIKETORCH_SOURCE_ROOT) + rel);
  for (const char* rel : {"data/mnist", "../shared/data/mnist", "../../shared/data/mnist"})
    candidates.emplace_back(rel);
  std::error_code ec;
  for (const auto& dir : candidates)
    if (std::filesystem::is_regular_file(dir + "/train-images-idx3-ubyte.gz", ec) ||
        std::filesystem::is_regular_file(dir + "/train-images-idx3-ubyte", ec))
      return dir;
  return {};
}

/// 1000 training digits (28 x 28, 0..255), loaded once per process.
inline const xt::xtensor<std::uint8_t, 3>& digits() {
  static const xt::xtensor<std::uint8_t, 3> images = [] {
    if (const std::string dir = mnist_dir(); !dir.empty())
      return load_mnist(dir, "train", 1000).images;
    // A stroke-like blob per image (about 64 pixels at 255, the ink of an MNIST digit), so that
    // rates and spike counts are MNIST-like.
    xt::xtensor<std::uint8_t, 3> synth =
        xt::zeros<std::uint8_t>({std::size_t(1000), std::size_t(28), std::size_t(28)});
    for (std::size_t e = 0; e < 1000; ++e)
      for (std::size_t r = 6; r < 22; ++r)
        for (std::size_t c = 10 + (e + r) % 5; c < 14 + (e + r) % 5; ++c) synth(e, r, c) = 255;
    return synth;
  }();
  return images;
}

inline bool using_real_mnist() { return !mnist_dir().empty(); }

inline std::span<const std::uint8_t> digit(std::size_t e) {
  const auto& images = digits();
  return {images.data() + (e % images.shape(0)) * n_input, n_input};
}

/// Diehl & Cook input rates of one digit (Hz): pixel / 8 * intensity.
inline std::vector<float> rates_of(std::span<const std::uint8_t> image, double intensity = 2.0) {
  std::vector<float> r(image.size());
  for (std::size_t i = 0; i < image.size(); ++i) r[i] = float(image[i] * intensity / 8.0);
  return r;
}

/// Spike lists for a run of steps, as a CSR over steps (what a layer's emitted() returns).
struct spike_trains {
  std::vector<index_t> ids;
  std::vector<std::size_t> offsets{0};

  std::size_t n_steps() const { return offsets.size() - 1; }
  std::size_t n_spikes() const { return ids.size(); }
  std::span<const index_t> at(std::size_t t) const {
    t %= n_steps();
    return {ids.data() + offsets[t], offsets[t + 1] - offsets[t]};
  }
  double spikes_per_step() const { return double(n_spikes()) / double(n_steps()); }
  void push_step(std::span<const index_t> s) {
    ids.insert(ids.end(), s.begin(), s.end());
    offsets.push_back(ids.size());
  }
};

/// Input spikes of `n_examples` consecutive digits, each presented for 350 ms (700 steps) with the
/// library's Poisson encoder (no rest, so every step is an input step).
inline spike_trains mnist_input_trains(std::size_t n_examples = 8, std::size_t first = 0) {
  spike_trains out;
  encoding::poisson enc;
  const std::uint64_t steps = 700;
  for (std::size_t e = 0; e < n_examples; ++e) {
    const auto rates = rates_of(digit(first + e));
    enc.begin(rates, steps, dt_ms, random_stream(12345, 1), static_cast<std::uint32_t>(e));
    for (std::uint64_t t = 0; t < steps; ++t) out.push_step(enc.spikes_at(t));
  }
  return out;
}

/// Spikes of `n` neurons where each step has a Poisson(mean) number of spikes at uniformly
/// random distinct neurons (used where the source is not the input layer).
inline spike_trains random_trains(std::size_t n, double mean_per_step, std::size_t n_steps,
                                  std::uint64_t seed = 7) {
  spike_trains out;
  std::mt19937_64 gen(seed);
  std::poisson_distribution<int> count(mean_per_step);
  std::uniform_int_distribution<index_t> pick(0, static_cast<index_t>(n - 1));
  std::vector<index_t> step;
  for (std::size_t t = 0; t < n_steps; ++t) {
    step.clear();
    const int k = std::min<int>(count(gen), static_cast<int>(n));
    while (static_cast<int>(step.size()) < k) {
      const index_t i = pick(gen);
      if (std::find(step.begin(), step.end(), i) == step.end()) step.push_back(i);
    }
    std::sort(step.begin(), step.end());
    out.push_step(step);
  }
  return out;
}

/// A rate counter: value per iteration, reported per second.
inline benchmark::Counter per_second(double total) {
  return benchmark::Counter(total, benchmark::Counter::kIsRate);
}

}  // namespace spiketorch::bench
