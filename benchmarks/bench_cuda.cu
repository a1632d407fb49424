// Diehl & Cook (2015) on the GPU against the CPU, in the same run:
//   1. training examples (learning on, normalisation, retries, rest) at N = 400 and N = 6400:
//      ms per example on each backend, and whether the first examples gave identical spike counts;
//   2. batched evaluation at N = 400: B digits through one frozen network in one launch
//      (backend::evaluate_batch, 350 ms each, no retries), examples/s, against the CPU running
//      the same presentations one after another on one core.
// Real MNIST digits when the data are present ($SPIKETORCH_MNIST_DIR, data/mnist or
// ../shared/data/mnist), otherwise synthetic digit-like strokes. Exits 77 without a GPU.
//
//   bench_cuda [--train400 K] [--train6400 K] [--batch B] [--cpu-eval E] [--threads T]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "spiketorch/backend/cuda/batch.cuh"
#include "spiketorch/backend/cuda/device.hpp"
#include "spiketorch/datasets/idx.hpp"
#include "spiketorch/models/diehl_cook_2015.hpp"

using namespace spiketorch;
using clock_type = std::chrono::steady_clock;

namespace {

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

xt::xtensor<std::uint8_t, 3> digits(std::size_t n) {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("SPIKETORCH_MNIST_DIR")) dirs.emplace_back(env);
  dirs.insert(dirs.end(), {"data/mnist", "../data/mnist", "../shared/data/mnist",
                           "../../shared/data/mnist"});
  for (const auto& dir : dirs) {
    if (!std::filesystem::is_directory(dir)) continue;
    try {
      auto s = load_mnist(dir, "train", n);
      std::printf("data: %zu MNIST training digits from %s\n", s.images.shape(0), dir.c_str());
      return s.images;
    } catch (const std::exception& e) {
      std::printf("data: %s: %s\n", dir.c_str(), e.what());
    }
  }
  std::printf("data: MNIST not found, using %zu synthetic strokes\n", n);
  xt::xtensor<std::uint8_t, 3> synth = xt::zeros<std::uint8_t>({n, std::size_t(28), std::size_t(28)});
  for (std::size_t e = 0; e < n; ++e)
    for (std::size_t r = 6; r < 22; ++r)
      for (std::size_t c = 10 + (e + r) % 5; c < 14 + (e + r) % 5; ++c) synth(e, r, c) = 255;
  return synth;
}

std::span<const std::uint8_t> image(const xt::xtensor<std::uint8_t, 3>& images, std::size_t e) {
  return {images.data() + (e % images.shape(0)) * 784, 784};
}

struct train_figures {
  double ms_per_example = 0;
  double presentations_per_example = 0;
  std::vector<std::vector<std::uint32_t>> first_counts;
};

template <class Backend>
train_figures train(std::size_t n_neurons, std::size_t examples,
                    const xt::xtensor<std::uint8_t, 3>& images) {
  models::diehl_cook_params p;
  p.n_neurons = n_neurons;
  models::diehl_cook_2015<Backend> model(p);
  train_figures f;
  // One warm-up example (device allocation, first upload), not timed.
  model.train(image(images, 0));
  std::uint64_t presentations = 0;
  const auto t0 = clock_type::now();
  for (std::size_t e = 1; e <= examples; ++e) {
    const auto r = model.train(image(images, e));
    presentations += r.presentations;
    if (f.first_counts.size() < 5) f.first_counts.emplace_back(r.counts.begin(), r.counts.end());
  }
  f.ms_per_example = 1e3 * seconds_since(t0) / double(examples);
  f.presentations_per_example = double(presentations) / double(examples);
  return f;
}

void train_row(std::size_t n, std::size_t examples, const xt::xtensor<std::uint8_t, 3>& images) {
  if (examples == 0) return;
  std::printf("\n== training, N = %zu, %zu examples (after one warm-up example) ==\n", n, examples);
  std::fflush(stdout);
  const auto gpu = train<backend::cuda>(n, examples, images);
  std::printf("  gpu  %10.2f ms/example  (%.2f presentations/example)\n", gpu.ms_per_example,
              gpu.presentations_per_example);
  std::fflush(stdout);
  const auto cpu = train<backend::cpu>(n, examples, images);
  std::printf("  cpu  %10.2f ms/example  (%.2f presentations/example)\n", cpu.ms_per_example,
              cpu.presentations_per_example);
  std::printf("  speed-up gpu/cpu: %.2fx\n", cpu.ms_per_example / gpu.ms_per_example);
  std::size_t same = 0;
  for (std::size_t k = 0; k < std::min(cpu.first_counts.size(), gpu.first_counts.size()); ++k)
    same += cpu.first_counts[k] == gpu.first_counts[k];
  std::printf("  identical exc spike counts in %zu of the first %zu examples\n", same,
              std::min(cpu.first_counts.size(), gpu.first_counts.size()));
}

void evaluation(std::size_t batch, std::size_t cpu_examples, unsigned threads,
                const xt::xtensor<std::uint8_t, 3>& images) {
  if (batch == 0) return;
  std::printf("\n== batched evaluation, N = 400, %zu digits x 350 ms, learning off ==\n", batch);
  models::diehl_cook_params p;
  p.n_neurons = 400;
  models::diehl_cook_2015<backend::cuda> gpu_model(p);
  models::diehl_cook_2015<backend::cpu> cpu_model(p);
  for (std::size_t e = 0; e < 3; ++e) {  // a little training so that the network responds
    gpu_model.train(image(images, e));
    cpu_model.train(image(images, e));
  }
  auto& net = gpu_model.net();
  net.set_learning(false);
  xt::xtensor<float, 2> rates = xt::zeros<float>({batch, std::size_t(784)});
  const float scale = float(p.intensity / 8.0);
  for (std::size_t b = 0; b < batch; ++b) {
    const auto img = image(images, 100 + b);
    for (std::size_t i = 0; i < 784; ++i) rates(b, i) = float(img[i]) * scale;
  }
  backend::batch_options opt;
  opt.threads_per_sample = threads;
  (void)backend::evaluate_batch<"X">(net, rates, p.time_ms, opt);  // warm-up
  const auto t0 = clock_type::now();
  const auto r = backend::evaluate_batch<"X">(net, rates, p.time_ms, opt);
  const double gpu_s = seconds_since(t0);
  const auto counts = r.spike_counts<"Ae">();
  std::uint64_t total = 0;
  for (auto c : counts) total += c;
  std::printf("  gpu  %10.1f examples/s  (%zu digits in %.3f s, %zu threads per digit, "
              "%.1f exc spikes per digit)\n",
              double(batch) / gpu_s, batch, gpu_s, std::size_t(threads), double(total) / double(batch));
  // The CPU presents the same digits one after another (same protocol: a copy of the network
  // per digit, learning off, 350 ms).
  auto& cnet = cpu_model.net();
  cnet.set_learning(false);
  const std::size_t n_cpu = std::min(cpu_examples, batch);
  std::size_t same = 0;
  const std::uint64_t first = cnet.presentation_index();
  const auto t1 = clock_type::now();
  for (std::size_t b = 0; b < n_cpu; ++b) {
    auto copy = cnet;
    copy.set_presentation_index(first + b);
    copy.reset_counts();
    std::vector<float> row(rates.data() + b * 784, rates.data() + (b + 1) * 784);
    copy.run(row, p.time_ms);
    const auto c = copy.template spike_counts<"Ae">();
    bool equal = true;
    for (std::size_t j = 0; j < 400; ++j) equal = equal && c[j] == counts(b, j);
    same += equal;
  }
  const double cpu_s = seconds_since(t1);
  std::printf("  cpu  %10.1f examples/s  (%zu digits in %.3f s, one core, copy per digit)\n",
              double(n_cpu) / cpu_s, n_cpu, cpu_s);
  std::printf("  speed-up gpu/cpu: %.1fx; identical spike counts for %zu of %zu digits\n",
              (double(batch) / gpu_s) / (double(n_cpu) / cpu_s), same, n_cpu);
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t train400 = 20, train6400 = 3, batch = 1000, cpu_eval = 50;
  unsigned threads = 256;
  for (int a = 1; a + 1 < argc; a += 2) {
    const std::string k = argv[a];
    const auto v = std::strtoull(argv[a + 1], nullptr, 10);
    if (k == "--train400") train400 = v;
    else if (k == "--train6400") train6400 = v;
    else if (k == "--batch") batch = v;
    else if (k == "--cpu-eval") cpu_eval = v;
    else if (k == "--threads") threads = unsigned(v);
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (!backend::cuda_device_available()) {
    std::puts("SKIPPED: no CUDA device (cudaGetDeviceCount reports none)");
    return 77;
  }
  int device = 0;
  cudaGetDevice(&device);
  cudaDeviceProp prop{};
  cudaGetDeviceProperties(&prop, device);
  std::printf("device %d: %s, %d SMs, compute capability %d.%d\n", device, prop.name,
              prop.multiProcessorCount, prop.major, prop.minor);
  try {
    const auto images = digits(std::max<std::size_t>(1100, batch + 100));
    train_row(400, train400, images);
    train_row(6400, train6400, images);
    evaluation(batch, cpu_eval, threads, images);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_cuda: %s\n", e.what());
    return 1;
  }
  return 0;
}
