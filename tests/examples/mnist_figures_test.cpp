// The MNIST program's own figures (examples/mnist/figures.hpp): receptive-field tiles, digit
// assignments and the confusion matrix, written and read back like the library's figures.
#include "../../examples/mnist/figures.hpp"

#include "../plot/figure_checks.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

using namespace mnist_example;
using namespace figure_checks;
using spiketorch::plot::colormap;
using spiketorch::plot::digit_colour;
using spiketorch::plot::grid_layout;
using spiketorch::plot::sample;
using spiketorch::plot::white;
namespace detail = spiketorch::plot::detail;

TEST_CASE("weight grid shows each neuron's receptive field", "[mnist]") {
  temp_dir dir;
  const std::size_t n = 10;
  xt::xtensor<float, 2> w = xt::zeros<float>({std::size_t{784}, n});
  for (std::size_t r = 0; r < 28; ++r) w(r * 28 + 14, 0) = 1.0f;  // neuron 0: a vertical bar in column 14
  for (std::size_t k = 1; k < n; ++k)
    for (std::size_t p = 0; p < 784; ++p) w(p, k) = 0.1f * static_cast<float>(k);  // uniform, differing levels

  const std::string path = dir / "weights.png";
  plot_weight_grid(path, w, 28, 28, "receptive fields");
  const image img = read_png(path);
  const grid_layout g = weight_grid_layout(n, 28, 28);
  REQUIRE(img.width == g.width);
  REQUIRE(img.height == g.height);
  CHECK(g.across == 4);
  CHECK(g.down == 3);
  CHECK(img.distinct_colours() > 10);
  check_title_band(img);
  CHECK(dir.entries() == 1);  // the temporary file was renamed, not left behind

  // hot_r: the largest weight is near black, zero is white.
  const auto centre = [&](std::size_t k, int row, int col) {
    return img.at(g.tile_x(k) + col * g.pixel + g.pixel / 2, g.tile_y(k) + row * g.pixel + g.pixel / 2);
  };
  for (int row = 0; row < 28; ++row) {
    CHECK(brightness(centre(0, row, 14)) < 40);
    CHECK(centre(0, row, 5) == white);
    CHECK(centre(0, row, 20) == white);
  }
  // Uniform tiles are one colour each and differ from one another.
  std::set<int> levels;
  for (std::size_t k = 1; k < n; ++k) {
    CHECK(centre(k, 3, 3) == centre(k, 24, 20));
    levels.insert(brightness(centre(k, 3, 3)));
  }
  CHECK(levels.size() == n - 1);
}

TEST_CASE("weight grid layout scales with the number of neurons", "[mnist]") {
  const grid_layout small = weight_grid_layout(1);
  const grid_layout paper = weight_grid_layout(400);
  const grid_layout big = weight_grid_layout(6400);
  CHECK(small.across == 1);
  CHECK(paper.across == 20);
  CHECK(paper.down == 20);
  CHECK(big.across == 80);
  CHECK(small.width >= detail::min_figure_width);
  CHECK(paper.grid_width == 20 * (28 * paper.pixel + 1) + 1);
  CHECK(big.pixel == 1);
  CHECK(big.width < 3000);
  CHECK(weight_grid_layout(5, 3, 4).tile_width == 4 * weight_grid_layout(5, 3, 4).pixel);
  CHECK_THROWS_AS(weight_grid_layout(0), spiketorch::invalid_argument);
}

TEST_CASE("weight grid rejects bad shapes without writing", "[mnist]") {
  temp_dir dir;
  const std::string path = dir / "bad.png";
  CHECK_THROWS_AS(plot_weight_grid(path, xt::xtensor<float, 2>(xt::zeros<float>({783, 4}))),
                  spiketorch::invalid_argument);
  CHECK_THROWS_AS(plot_weight_grid(path, xt::xtensor<float, 2>(xt::zeros<float>({784, 0}))),
                  spiketorch::invalid_argument);
  CHECK_THROWS_AS(plot_weight_grid(path, xt::xtensor<float, 2>(xt::zeros<float>({784, 4})), 20, 20),
                  spiketorch::invalid_argument);
  CHECK(dir.entries() == 0);
}

TEST_CASE("assignments are coloured by digit", "[mnist]") {
  temp_dir dir;
  std::vector<int> labels;
  for (int i = 0; i < 30; ++i) labels.push_back(i % 11 - 1);
  const std::string path = dir / "assignments.png";
  plot_assignments(path, labels, "assignments");
  const image img = read_png(path);
  check_title_band(img);
  for (int d = 0; d < 10; ++d) CHECK(img.count(digit_colour(d)) > 28 * 28 / 2);
  CHECK_THROWS_AS(plot_assignments(dir / "x.png", {}), spiketorch::invalid_argument);
  CHECK_THROWS_AS(plot_assignments(dir / "x.png", {0, 10}), spiketorch::invalid_argument);
  CHECK_THROWS_AS(plot_assignments(dir / "x.png", {-2}), spiketorch::invalid_argument);
}

TEST_CASE("confusion matrix heat map", "[mnist]") {
  temp_dir dir;
  xt::xtensor<std::int64_t, 2> counts = xt::full_like(xt::xtensor<std::int64_t, 2>::from_shape({10, 10}), 3);
  for (std::size_t i = 0; i < 10; ++i) counts(i, i) = 950;
  const std::string path = dir / "confusion.png";
  plot_confusion(path, counts, "confusion");
  const image img = read_png(path);
  check_title_band(img);
  // The diagonal cells are the top of the map; more than 10 cells' worth of it (bar included).
  CHECK(img.count(sample(colormap::viridis, 1.0)) > 10 * 30 * 30);
  CHECK(img.count(sample(colormap::viridis, 3.0 / 950)) > 80 * 30 * 30);
  CHECK_THROWS_AS(plot_confusion(dir / "x.png", xt::xtensor<std::int64_t, 2>(xt::zeros<std::int64_t>({10, 9}))),
                  spiketorch::invalid_argument);
  CHECK_THROWS_AS(plot_confusion(dir / "x.png", xt::xtensor<std::int64_t, 2>(xt::zeros<std::int64_t>({0, 0}))),
                  spiketorch::invalid_argument);
  counts(0, 1) = -1;
  CHECK_THROWS_AS(plot_confusion(dir / "x.png", counts), spiketorch::invalid_argument);
}
