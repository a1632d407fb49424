// The convolutional MNIST example's run: train layer 1 then layer 2 with STDP (one image after
// the other), compute the spike features of the training and test images (in parallel: one copy
// of the network per thread; an image's features do not depend on the others), train the
// linear readout, classify the test set, report.
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "../common/paths.hpp"
#include "checkpoint.hpp"
#include "options.hpp"
#include "../common/linear_readout.hpp"
#include "spiketorch/datasets/idx.hpp"
#include "spiketorch/io/atomic_file.hpp"
#include "spiketorch/io/checkpoint.hpp"
#include "spiketorch/io/progress_bar.hpp"
#include "spiketorch/models/kheradpisheh_2018.hpp"
#include "spiketorch/plot/figures.hpp"

namespace conv_mnist {

namespace st = spiketorch;
using report_json = nlohmann::ordered_json;
using clock_type = std::chrono::steady_clock;

inline double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

/// Image i of a split (28 x 28 bytes).
inline std::span<const std::uint8_t> image(const st::mnist_split& s, std::size_t i) {
  const std::size_t pixels = s.images.shape(1) * s.images.shape(2);
  return {s.images.data() + i * pixels, pixels};
}

/// The features of images [0, n) of a split: `threads` copies of the model, each taking every
/// threads-th image.
template <class Model>
std::vector<std::vector<st::index_t>> features_of(Model& model, const st::mnist_split& s,
                                                  std::size_t n, std::size_t threads,
                                                  const char* label, bool quiet) {
  std::vector<std::vector<st::index_t>> out(n);
  threads = std::max<std::size_t>(1, std::min(threads, n));
  // One copy on a GPU: the device takes the images one after the other.
  if constexpr (!std::is_same_v<typename Model::backend_type, st::backend::cpu>) threads = 1;
  st::progress_bar bar(label, n, quiet);
  std::atomic<std::size_t> done{0};
  std::vector<std::exception_ptr> errors(threads);
  auto work = [&](Model& m, std::size_t t) {
    try {
      for (std::size_t i = t; i < n; i += threads) {
        out[i] = m.features(image(s, i));
        const std::size_t d = ++done;
        if (t == 0) bar.update(d);
      }
    } catch (...) {
      errors[t] = std::current_exception();
    }
  };
  {
    std::vector<Model> copies(threads - 1, model);
    std::vector<std::jthread> pool;
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work, std::ref(copies[t - 1]), t);
    work(model, 0);
  }
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  bar.finish();
  return out;
}

/// The learned features as image grids: layer 1's kernels (on minus off channel), and layer
/// 2's kernels drawn through layer 1's and the pooling between them.
template <class Model>
void plot_features(const std::filesystem::path& dir, const Model& model) {
  std::filesystem::create_directories(dir);
  const auto& p = model.params();
  const auto& s = model.shapes();
  const auto k1 = model.kernels(1), k2 = model.kernels(2);
  const std::size_t n1 = p.conv1.kernel, c_in = s.x.channels, maps1 = p.conv1.maps;
  auto w1 = [&](std::size_t qy, std::size_t qx, std::size_t c, std::size_t o) {
    return k1[((qy * n1 + qx) * c_in + c) * maps1 + o];
  };
  xt::xtensor<float, 3> f1 = xt::zeros<float>({maps1, n1, n1});
  for (std::size_t o = 0; o < maps1; ++o)
    for (std::size_t qy = 0; qy < n1; ++qy)
      for (std::size_t qx = 0; qx < n1; ++qx)
        f1(o, qy, qx) = w1(qy, qx, 0, o) - (c_in > 1 ? w1(qy, qx, 1, o) : 0.0f);
  st::plot::plot_image_grid((dir / "conv1_features.png").string(), f1,
                            "layer 1: 32 kernels, on minus off channel");
  // A layer-2 tap covers a pooling window (stride pool1.stride) of layer-1 positions.
  const std::size_t n2 = p.conv2.kernel, maps2 = p.conv2.maps, c2 = s.p1.channels;
  const std::size_t pk = p.pool1.kernel, ps = p.pool1.stride;
  const std::size_t side = (n2 - 1) * ps + pk - 1 + n1;
  xt::xtensor<float, 3> f2 = xt::zeros<float>({maps2, side, side});
  for (std::size_t m = 0; m < maps2; ++m)
    for (std::size_t qy = 0; qy < n2; ++qy)
      for (std::size_t qx = 0; qx < n2; ++qx)
        for (std::size_t c = 0; c < c2; ++c) {
          const float w = k2[((qy * n2 + qx) * c2 + c) * maps2 + m];
          for (std::size_t dy = 0; dy < pk; ++dy)
            for (std::size_t dx = 0; dx < pk; ++dx)
              for (std::size_t y = 0; y < n1; ++y)
                for (std::size_t x = 0; x < n1; ++x)
                  f2(m, qy * ps + dy + y, qx * ps + dx + x) += w * f1(c, y, x) / float(pk * pk);
        }
  st::plot::plot_image_grid((dir / "conv2_features.png").string(), f2,
                            "layer 2: 150 features through layer 1");
}

template <class Backend>
int run(const options& o) {
  using model_t = st::models::kheradpisheh_2018<Backend>;
  const auto t_start = clock_type::now();
  spiketorch_examples::check_output_paths(o);
  if (!o.save.empty()) st::check_checkpoint_target(o.save);
  std::optional<loaded_checkpoint> ck;
  if (!o.load.empty()) ck = load_checkpoint(o.load);
  const auto data = spiketorch_examples::resolve_data_dir(o.data);
  st::models::kheradpisheh_params p;
  p.seed = o.seed;
  if (ck) p = ck->params;
  model_t model(p);
  if (ck) {
    model.set_kernels(1, ck->conv1);
    model.set_kernels(2, ck->conv2);
    model.set_images_learned(ck->images_learned1, ck->images_learned2);
  }
  const bool training = o.mode == "train";
  std::optional<linear_readout> readout;
  if (ck && !training) readout = ck->readout;
  const std::size_t n_readout = readout ? 0 : o.n_train;
  const std::size_t n_images = std::max(training ? o.n_stdp : 0, n_readout);
  st::mnist_split train, test;
  if (n_images > 0) train = st::load_mnist(data, "train", n_images, 784);
  if (o.n_test > 0) test = st::load_mnist(data, "test", o.n_test, 784);
  const auto& sh = model.shapes();
  std::printf(
      "network: DoG %zux%zux%zu -> conv %zu maps -> pool %zux%zu -> conv %zu maps -> pool "
      "%zux%zu = %zu features\n",
      sh.x.height, sh.x.width, sh.x.channels, sh.c1.channels, sh.p1.height, sh.p1.width,
      sh.c2.channels, sh.p2.height, sh.p2.width, sh.p2.size());

  report_json report = report_json::object();
  report["model"] = model_name;
  report["seed"] = p.seed;
  report["threads"] = o.threads;
  report["device"] = o.device;
  if (training) {
    for (int layer : {1, 2}) {
      const std::size_t epochs = layer == 1 ? o.epochs1 : o.epochs2;
      const std::size_t n = epochs * o.n_stdp;
      const auto t0 = clock_type::now();
      st::progress_bar bar(layer == 1 ? "layer 1" : "layer 2", n, o.quiet);
      std::size_t winners = 0;
      for (std::size_t e = 0; e < n; ++e) {
        winners += model.train(image(train, e % o.n_stdp), layer);
        bar.update(e + 1, layer == 1 ? st::detail::concat(
                                           "a+ ", p.schedule1.at(model.images_learned(1)).a_plus)
                                     : std::string());
      }
      bar.finish();
      const double s = seconds_since(t0);
      std::printf(
          "layer %d: %zu images (%zu epochs) in %.1f s, %.2f ms per image, %.2f winners "
          "per image\n",
          layer, n, epochs, s, n ? 1e3 * s / double(n) : 0.0,
          n ? double(winners) / double(n) : 0.0);
      auto& j = report[layer == 1 ? "layer1" : "layer2"];
      j["images"] = n;
      j["seconds"] = s;
      j["ms_per_image"] = n ? 1e3 * s / double(n) : 0.0;
      j["winners_per_image"] = n ? double(winners) / double(n) : 0.0;
    }
  }
  if (!readout) {
    const auto t0 = clock_type::now();
    const auto x = features_of(model, train, n_readout, o.threads, "features", o.quiet);
    const double fs = seconds_since(t0);
    double active = 0;
    for (const auto& f : x) active += double(f.size());
    const auto t1 = clock_type::now();
    readout = linear_readout::train(
        x, std::span<const std::uint8_t>(train.labels.data(), n_readout), sh.p2.size(), o.C);
    const double rs = seconds_since(t1);
    std::printf(
        "readout: features of %zu training images in %.1f s (%.2f ms per image on %zu "
        "threads, %.0f of %zu active on average); linear SVM (C = %g) in %.1f s\n",
        n_readout, fs, 1e3 * fs / double(n_readout), o.threads, active / double(n_readout),
        sh.p2.size(), o.C, rs);
    report["features"] = {
        {"images", n_readout}, {"seconds", fs}, {"mean_active", active / double(n_readout)}};
    report["readout"] = {{"C", o.C}, {"seconds", rs}};
  }
  if (o.n_test > 0) {
    const auto t0 = clock_type::now();
    const auto x = features_of(model, test, o.n_test, o.threads, "test", o.quiet);
    std::size_t correct = 0, silent = 0;
    for (std::size_t i = 0; i < o.n_test; ++i) {
      if (x[i].empty()) ++silent;
      correct += readout->predict(x[i]) == int(test.labels(i));
    }
    const double s = seconds_since(t0);
    const double accuracy = 100.0 * double(correct) / double(o.n_test);
    std::printf("test: %zu images in %.1f s; accuracy %.2f %% (%zu silent)\n", o.n_test, s,
                accuracy, silent);
    report["test"] = {
        {"images", o.n_test}, {"seconds", s}, {"accuracy", accuracy}, {"silent", silent}};
  }
  if (!o.save.empty()) {
    save_checkpoint(o.save, model, readout);
    std::printf("checkpoint written to %s\n", o.save.c_str());
  }
  if (!o.plot.empty()) {
    plot_features(o.plot, model);
    std::printf("figures written to %s\n", o.plot.c_str());
  }
  const double total = seconds_since(t_start);
  report["total_seconds"] = total;
  std::printf("total: %.1f s\n", total);
  if (!o.json.empty()) {
    st::write_text_atomically(o.json, report.dump(2) + "\n");
    std::printf("results written to %s\n", o.json.c_str());
  }
  return 0;
}

}  // namespace conv_mnist
