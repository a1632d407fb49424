// Bad input to the Diehl & Cook model that once crashed the program instead of being refused:
// damaged checkpoint arrays (labels outside -1..9, proportions not [N, 10] or not finite) and an
// exception inside respond_all's worker threads. Needs no MNIST data.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <span>
#include <utility>
#include <string>
#include <vector>
#include <xtensor/xarray.hpp>
#include <xtensor/xmanipulation.hpp>
#include <xtensor/xtensor.hpp>

#include "spiketorch/io/checkpoint.hpp"
#include "spiketorch/models/diehl_cook_2015.hpp"
#include "spiketorch/models/diehl_cook_checkpoint.hpp"

namespace fs = std::filesystem;
using namespace spiketorch;
using Catch::Matchers::Contains;

namespace {

struct temp_dir {
  fs::path path;
  temp_dir() {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() / ("spiketorch-dc-bad-" + std::to_string(std::random_device{}()) +
                                        "-" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

constexpr std::size_t n_neurons = 10;

models::diehl_cook_params small_params() {
  models::diehl_cook_params p;
  p.n_neurons = n_neurons;
  return p;
}

// A checkpoint of a fresh 10-neuron model with the given assignments and proportions, written
// array by array so that any shape can be stored (the manifest agrees with the files).
xt::xarray<float> fresh_weights() {
  const auto p = small_params();
  models::diehl_cook_2015<> model(p);
  const auto weights = model.input_weights();
  xt::xarray<float> wa = xt::xarray<float>::from_shape({p.n_input, p.n_neurons});
  std::copy(weights.begin(), weights.end(), wa.begin());
  return wa;
}

fs::path write_checkpoint(const fs::path& dir, const xt::xarray<std::int32_t>& assignments,
                          const xt::xarray<double>& proportions,
                          const xt::xarray<float>& weights = fresh_weights(),
                          const xt::xarray<float>& theta = xt::zeros<float>({n_neurons})) {
  const auto p = small_params();
  checkpoint_writer w(dir);
  w.set("model", std::string("diehl_cook_2015"));
  w.set("params", p);
  w.set("examples_trained", std::uint64_t{0});
  w.add_array("weights", weights);
  w.add_array("theta", theta);
  w.add_array("assignments", assignments);
  w.add_array("proportions", proportions);
  w.commit();
  return dir;
}

xt::xarray<std::int32_t> good_labels() { return {0, 1, 2, 3, 4, 5, 6, 7, 8, -1}; }
xt::xarray<double> good_proportions() {
  return xt::xarray<double>(xt::zeros<double>({n_neurons, std::size_t{10}}));
}

}  // namespace

TEST_CASE("a checkpoint's labels must be -1..9", "[diehl_cook][checkpoint]") {
  temp_dir t;
  const fs::path dir = t.path / "ck";
  {
    const auto [model, info] = models::load_diehl_cook(write_checkpoint(dir, good_labels(), good_proportions()));
    CHECK(info.assignment.labels[9] == -1);
    CHECK(info.assignment.labels[8] == 8);
  }
  for (std::int32_t bad : {10, 42, std::numeric_limits<std::int32_t>::max(), -2}) {
    auto labels = good_labels();
    labels(3) = bad;
    write_checkpoint(dir, labels, good_proportions());
    CHECK_THROWS_WITH(models::load_diehl_cook(dir),
                      Contains((dir / "assignments.npy").string()) &&
                          Contains("neuron 3 has label " + std::to_string(bad)) &&
                          Contains("expected -1 (unassigned) or 0..9"));
  }
}

TEST_CASE("a checkpoint's proportions must be [N, 10], fractions in [0, 1]", "[diehl_cook][checkpoint]") {
  temp_dir t;
  const fs::path dir = t.path / "ck";
  const std::string file = (dir / "proportions.npy").string();
  const std::vector<std::pair<xt::xarray<double>, std::string>> bad_shapes{
      {xt::zeros<double>({2, 10}), "shape (2, 10)"},
      {xt::zeros<double>({10, 3}), "shape (10, 3)"},
      {xt::zeros<double>({0}), "shape (0)"},
      {xt::zeros<double>({10, 10, 1}), "shape (10, 10, 1)"}};
  for (const auto& [proportions, shape] : bad_shapes) {
    write_checkpoint(dir, good_labels(), proportions);
    CHECK_THROWS_WITH(models::load_diehl_cook(dir), Contains(file) && Contains(shape) &&
                                                        Contains("expected (10, 10)"));
  }
  for (double bad : {std::nan(""), std::numeric_limits<double>::infinity(), -0.5, 2.0}) {
    auto proportions = good_proportions();
    proportions(4, 7) = bad;
    write_checkpoint(dir, good_labels(), proportions);
    CHECK_THROWS_WITH(models::load_diehl_cook(dir), Contains(file) &&
                                                        Contains("at neuron 4, class 7") &&
                                                        Contains("is not a fraction in [0, 1]"));
  }
}

TEST_CASE("a checkpoint's weights must be [784, N], finite and >= 0, its theta [N], finite and >= 0",
          "[diehl_cook][checkpoint]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  {
    temp_dir dir;
    CHECK_NOTHROW(models::load_diehl_cook(write_checkpoint(dir.path, good_labels(), good_proportions())));
  }
  const auto w = fresh_weights();
  std::vector<std::pair<std::string, xt::xarray<float>>> bad_weights;
  bad_weights.emplace_back("transposed", xt::xarray<float>(xt::transpose(w)));
  auto negative = w;
  negative(3, 4) = -1e30f;
  bad_weights.emplace_back("-1e30", negative);
  auto not_a_number = w;
  not_a_number(0, 0) = nan;
  bad_weights.emplace_back("NaN", not_a_number);
  for (const auto& [what, weights] : bad_weights) {
    INFO("weights: " << what);
    temp_dir dir;
    write_checkpoint(dir.path, good_labels(), good_proportions(), weights);
    CHECK_THROWS_WITH(models::load_diehl_cook(dir.path), Contains("weights.npy"));
  }
  for (float bad : {nan, std::numeric_limits<float>::infinity(), -1e30f, -0.01f}) {
    INFO("theta " << bad);
    temp_dir dir;
    xt::xarray<float> theta = xt::zeros<float>({n_neurons});
    theta(7) = bad;
    write_checkpoint(dir.path, good_labels(), good_proportions(), w, theta);
    CHECK_THROWS_WITH(models::load_diehl_cook(dir.path),
                      Contains("theta.npy") && Contains("of neuron 7"));
  }
  // One neuron too many or too few: the message names the file and both shapes.
  for (std::size_t n : {n_neurons + 1, std::size_t{1}}) {
    INFO("theta of " << n << " neurons");
    temp_dir dir;
    write_checkpoint(dir.path, good_labels(), good_proportions(), w, xt::zeros<float>({n}));
    CHECK_THROWS_WITH(models::load_diehl_cook(dir.path),
                      Contains("theta.npy") && Contains("shape (" + std::to_string(n) + ")") &&
                          Contains("expected (10)"));
  }
}

TEST_CASE("a checkpoint's examples_trained is a count >= 0", "[diehl_cook][checkpoint]") {
  temp_dir dir;
  write_checkpoint(dir.path, good_labels(), good_proportions());
  {
    // The writer only takes unsigned counts: the manifest is edited as a user could.
    const fs::path manifest = dir.path / "manifest.json";
    std::ifstream in(manifest);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string count = "\"examples_trained\": 0";
    const auto at = text.find(count);
    REQUIRE(at != std::string::npos);
    text.replace(at, count.size(), "\"examples_trained\": -1");
    std::ofstream(manifest) << text;
  }
  CHECK_THROWS_WITH(models::load_diehl_cook(dir.path),
                    Contains("examples_trained = -1") && Contains(dir.path.string()));
}

namespace {
// A model whose every response throws, as the Poisson encoder did for the rates of intensity
// 1e300 (not finite as float) before diehl_cook_params refused such an intensity up front.
struct throwing_model {
  static constexpr std::uint64_t max_example_id = models::diehl_cook_2015<>::max_example_id;
  models::diehl_cook_params p = small_params();
  const models::diehl_cook_params& params() const { return p; }
  void set_threads(std::size_t) {}
  void record_spike_order(std::size_t) {}
  models::example_result respond(std::span<const std::uint8_t>, std::uint64_t id) {
    throw invalid_argument("poisson encoder: rate of example " + std::to_string(id) +
                           " is not finite");
  }
};
}  // namespace

TEST_CASE("an exception inside respond_all reaches the caller, whatever the threads",
          "[diehl_cook][respond_all]") {
  // That exception was thrown in worker threads (std::terminate) or unwound past joinable
  // threads (std::terminate).
  const throwing_model model;
  xt::xtensor<std::uint8_t, 3> images = xt::xtensor<std::uint8_t, 3>::from_shape({6, 28, 28});
  images.fill(100);
  for (std::size_t threads : {1, 2, 4}) {
    std::uint64_t last_progress = 0;
    CHECK_THROWS_WITH(models::respond_all(model, images, 0, 6, threads, 0,
                                          [&](std::uint64_t d) { last_progress = d; }),
                      Contains("poisson encoder") && Contains("rate"));
    CHECK(last_progress < 6);  // no report of a finished pass
  }
  // The intensity that provoked it is now refused when the model is built.
  auto p = small_params();
  p.intensity = 1e300;
  CHECK_THROWS_WITH(models::diehl_cook_2015<>(p), Contains("intensity"));
  // The same call with valid parameters still runs to the end.
  const models::diehl_cook_2015<> fine(small_params());
  const auto counts = models::respond_all(fine, images, 0, 6, 4, 0, [](std::uint64_t) {});
  CHECK(counts.shape(0) == 6);
  CHECK(counts.shape(1) == n_neurons);
}
