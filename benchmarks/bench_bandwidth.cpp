// Memory references measured in the same run as the SpikeTorch benchmarks, to judge them by
// (benchmarks/README.md compares the synaptic event rates with these). Single-threaded, as the
// library's per-step loop is.
//
//   BM_triad/KiB        STREAM triad a[i] = b[i] + s * c[i] on three float arrays of KiB each;
//                       65536 KiB (3 x 64 MiB) is far beyond the 32 MiB L3: main memory.
//                       bytes/s counts 12 bytes per element (read b, read c, write a: the STREAM
//                       convention, 24 for doubles, 12 for floats); with write-allocate the
//                       hardware moves 16, so the true traffic is 4/3 of the figure.
//   BM_read/KiB         sum of one float array (read-only stream, 4 bytes per element): what
//                       a dense delivery without delays needs from the weight matrix.
//   BM_add_row/N        y[j] += x[j] on N floats resident in L1: the arithmetic and L1 bound of
//                       a dense delivery (one add per synaptic event).
//   BM_scatter_add/KiB  y[idx[k]] += x[k] with random indices into a float buffer of KiB (L1, L2,
//                       L3 sized), reading 64 Ki (index, value) pairs sequentially: the latency
//                       of dependent, irregular read-modify-writes.
//   BM_ring_scatter/N   the delay ring's pattern, buf[off[d[j]] + j] += w[j] over 21 slots of N
//                       floats, with one row of weights and delays resident in cache: the bound
//                       of a delivery with delays when nothing comes from memory.
//   BM_decay/N/subnormal  x[i] *= f on N floats in L1 (the per-step decay of conductances and
//                       traces), with the values normal (0) or subnormal (1): state that decays
//                       exponentially spends some steps below FLT_MIN = 1.2e-38 before it
//                       rounds to zero, and some CPUs take a slow path on such operands.
// Counters: bytes/s (streams) or updates/s (per element or synaptic event).
#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "bench_common.hpp"

namespace {

using spiketorch::bench::per_second;

std::size_t floats_in_kib(std::int64_t kib) { return static_cast<std::size_t>(kib) * 1024 / 4; }

void BM_triad(benchmark::State& state) {
  const std::size_t n = floats_in_kib(state.range(0));
  std::vector<float> a(n, 0.0f), b(n, 1.0f), c(n, 2.0f);
  const float s = 3.0f;
  for (auto _ : state) {
    float* __restrict pa = a.data();
    const float* __restrict pb = b.data();
    const float* __restrict pc = c.data();
    for (std::size_t i = 0; i < n; ++i) pa[i] = pb[i] + s * pc[i];
    benchmark::DoNotOptimize(a.data());
    benchmark::ClobberMemory();
  }
  state.counters["bytes/s"] = per_second(double(state.iterations()) * 12.0 * double(n));
}

void BM_read(benchmark::State& state) {
  const std::size_t n = floats_in_kib(state.range(0));
  std::vector<float> x(n, 1.0f);
  for (auto _ : state) {
    // 16 independent partial sums so the loop is limited by loads, not by the add latency.
    float acc[16] = {};
    const float* __restrict p = x.data();
    for (std::size_t i = 0; i + 16 <= n; i += 16)
      for (int k = 0; k < 16; ++k) acc[k] += p[i + k];
    float sum = 0;
    for (float v : acc) sum += v;
    benchmark::DoNotOptimize(sum);
  }
  state.counters["bytes/s"] = per_second(double(state.iterations()) * 4.0 * double(n));
}

void BM_add_row(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<float> x(n, 0.25f), y(n, 0.0f);
  for (auto _ : state) {
    float* __restrict py = y.data();
    const float* __restrict px = x.data();
    for (std::size_t j = 0; j < n; ++j) py[j] += px[j];
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.counters["updates/s"] = per_second(double(state.iterations()) * double(n));
}

void BM_scatter_add(benchmark::State& state) {
  const std::size_t buf_n = floats_in_kib(state.range(0));
  constexpr std::size_t n_updates = 64 * 1024;
  std::vector<float> buf(buf_n, 0.0f), x(n_updates);
  std::vector<std::uint32_t> idx(n_updates);
  std::mt19937 gen(42);
  std::uniform_int_distribution<std::uint32_t> pick(0, static_cast<std::uint32_t>(buf_n - 1));
  for (std::size_t k = 0; k < n_updates; ++k) {
    idx[k] = pick(gen);
    x[k] = 1e-3f * float(k % 7);
  }
  for (auto _ : state) {
    float* __restrict pb = buf.data();
    const float* __restrict px = x.data();
    const std::uint32_t* __restrict pi = idx.data();
    for (std::size_t k = 0; k < n_updates; ++k) pb[pi[k]] += px[k];
    benchmark::DoNotOptimize(buf.data());
    benchmark::ClobberMemory();
  }
  state.counters["updates/s"] = per_second(double(state.iterations()) * double(n_updates));
}

void BM_ring_scatter(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  constexpr std::size_t slots = 21;  // 0-10 ms at dt = 0.5 ms
  std::vector<float> ring(slots * n, 0.0f), w(n);
  std::vector<std::uint8_t> d(n);
  std::vector<std::size_t> off(slots);
  std::mt19937 gen(7);
  for (std::size_t j = 0; j < n; ++j) {
    w[j] = 0.3f * float(gen() % 1000) / 1000.0f;
    d[j] = static_cast<std::uint8_t>(gen() % slots);
  }
  std::size_t head = 0;
  for (auto _ : state) {
    for (std::size_t s = 0; s < slots; ++s) off[s] = ((head + s) % slots) * n;
    head = (head + 1) % slots;
    float* __restrict buf = ring.data();
    const float* __restrict pw = w.data();
    const std::uint8_t* __restrict pd = d.data();
    const std::size_t* __restrict po = off.data();
    for (std::size_t j = 0; j < n; ++j) buf[po[pd[j]] + j] += pw[j];
    benchmark::DoNotOptimize(ring.data());
    benchmark::ClobberMemory();
  }
  state.counters["updates/s"] = per_second(double(state.iterations()) * double(n));
}

void BM_decay(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const bool subnormal = state.range(1) != 0;
  // tau = 20 ms at dt = 0.5 ms (an STDP trace); the values are refilled every 16 steps so that
  // they stay in their range (the refill is the same for both cases and included).
  const float start = subnormal ? 1e-39f : 0.5f;
  const float factor = 0.975310f;
  std::vector<float> x(n, start);
  std::size_t t = 0;
  for (auto _ : state) {
    if (++t % 16 == 0) std::fill(x.begin(), x.end(), start);
    float* __restrict p = x.data();
    for (std::size_t i = 0; i < n; ++i) p[i] *= factor;
    benchmark::DoNotOptimize(x.data());
    benchmark::ClobberMemory();
  }
  state.counters["updates/s"] = per_second(double(state.iterations()) * double(n));
}

BENCHMARK(BM_triad)->Arg(128)->Arg(4096)->Arg(65536)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_read)->Arg(128)->Arg(4096)->Arg(65536)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_add_row)->Arg(100)->Arg(400)->Arg(1600)->Arg(6400);
BENCHMARK(BM_scatter_add)->Arg(16)->Arg(512)->Arg(16384)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ring_scatter)->Arg(100)->Arg(400)->Arg(1600)->Arg(6400);
BENCHMARK(BM_decay)->ArgNames({"N", "subnormal"})->ArgsProduct({{6400}, {0, 1}});

}  // namespace

BENCHMARK_MAIN();
