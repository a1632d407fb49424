// Figures of the Diehl & Cook (2015) MNIST network that only this program draws: the 28x28
// receptive fields of the excitatory neurons, their digit assignments and the test confusion
// matrix. They are built from the library's general figures (image grid, heat map) and layout
// blocks, and check their input the same way: bad shapes throw invalid_argument before anything
// is written.
#pragma once

#include <spiketorch/core/errors.hpp>
#include <spiketorch/plot/figures.hpp>

#include <xtensor/xtensor.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace mnist_example {

/// Pixel geometry of plot_weight_grid, so that callers and tests can locate a neuron's tile.
inline spiketorch::plot::grid_layout weight_grid_layout(std::size_t n, std::size_t rows = 28, std::size_t cols = 28) {
  return spiketorch::plot::image_grid_layout(n, rows, cols);
}

/// Figure 2 of Diehl & Cook: the receptive field of every excitatory neuron. `weights` is
/// [rows * cols, N] (input pixel x neuron); column n, read row-major as rows x cols, is neuron n's
/// tile. Colours span [min(0, smallest weight), largest weight], so that zero is always white on
/// hot_r and tiles of different runs compare.
inline void plot_weight_grid(const std::string& path, const xt::xtensor<float, 2>& weights, std::size_t rows = 28,
                             std::size_t cols = 28, const std::string& title = "input to excitatory weights",
                             spiketorch::plot::colormap map = spiketorch::plot::colormap::hot_r) {
  using spiketorch::require;
  require(weights.shape(0) == rows * cols, "plot_weight_grid: weights have ", weights.shape(0),
          " rows, expected rows * cols = ", rows * cols);
  require(weights.shape(1) > 0, "plot_weight_grid: weights have no neurons (0 columns)");
  const std::size_t n = weights.shape(1);
  xt::xtensor<float, 3> tiles = xt::xtensor<float, 3>::from_shape({n, rows, cols});
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t p = 0; p < rows * cols; ++p) tiles(k, p / cols, p % cols) = weights(p, k);
  double lo = 0.0, hi = -std::numeric_limits<double>::infinity();
  for (float w : weights)
    if (std::isfinite(w)) {
      lo = std::min(lo, static_cast<double>(w));
      hi = std::max(hi, static_cast<double>(w));
    }
  if (!(hi > lo)) hi = lo + 1.0;
  spiketorch::plot::plot_image_grid(path, tiles, title, map, std::pair{lo, hi});
}

/// Class assigned to each excitatory neuron (-1: never fired, unassigned) as a grid of squares in
/// the digit's colour with the digit written in it, and a legend with the count per class.
inline void plot_assignments(const std::string& path, const std::vector<int>& labels,
                             const std::string& title = "neuron class assignments") {
  namespace plot = spiketorch::plot;
  spiketorch::require(!labels.empty(), "plot_assignments: no neurons");
  std::vector<std::size_t> count(11, 0);  // digits 0-9, then unassigned
  for (std::size_t i = 0; i < labels.size(); ++i) {
    spiketorch::require(labels[i] >= -1 && labels[i] <= 9, "plot_assignments: label of neuron ", i, " is ", labels[i],
                        ", expected -1..9");
    ++count[labels[i] < 0 ? 10 : static_cast<std::size_t>(labels[i])];
  }
  const std::size_t side = plot::grid_side(labels.size());
  const int cell = side <= 32 ? 28 : 14;
  const int scale = cell >= 28 ? 2 : 1;
  std::vector<std::string> entries;
  for (std::size_t d = 0; d < 11; ++d)
    entries.push_back((d < 10 ? std::to_string(d) : std::string("unassigned")) + " (" + std::to_string(count[d]) + ")");
  const int extent = plot::grid_extent(side, cell);
  const int legend_h = 11 * plot::legend_row_height();
  const auto b = plot::layout_block(extent, std::max(extent, legend_h), plot::legend_width(entries));

  plot::canvas c(b.width, b.height);
  plot::draw_title(c, title);
  c.fill_rect(b.x, b.y, extent, extent, plot::white);
  c.draw_rect(b.x, b.y, extent, extent, plot::mid_grey);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const int x = b.x + 1 + static_cast<int>(i % side) * (cell + 1);
    const int y = b.y + 1 + static_cast<int>(i / side) * (cell + 1);
    const plot::rgb fill = plot::digit_colour(labels[i]);
    c.fill_rect(x, y, cell, cell, fill);
    c.text(x + cell / 2 + scale / 2, y + (cell - plot::font_cap_height * scale) / 2,
           labels[i] < 0 ? "-" : std::to_string(labels[i]), plot::contrast_text(fill), scale, plot::align::centre);
  }
  for (std::size_t d = 0; d < 11; ++d) {
    const int y = b.y + static_cast<int>(d) * plot::legend_row_height();
    c.fill_rect(b.side_x, y, 24, plot::text_height(), plot::digit_colour(d < 10 ? static_cast<int>(d) : -1));
    c.draw_rect(b.side_x, y, 24, plot::text_height(), plot::mid_grey);
    c.text(b.side_x + 32, y, entries[d], plot::black);
  }
  c.save_png(path);
}

/// Confusion matrix, counts[true label, predicted label], as a heat map from 0 to the largest
/// count with each count written in its cell. Must be square (K classes).
inline void plot_confusion(const std::string& path, const xt::xtensor<std::int64_t, 2>& counts,
                           const std::string& title = "confusion matrix") {
  const std::size_t k = counts.shape(0);
  spiketorch::require(k > 0 && counts.shape(1) == k, "plot_confusion: counts must be square and non-empty, got ", k,
                      "x", counts.shape(1));
  std::int64_t top = 0;
  for (auto v : counts) {
    spiketorch::require(v >= 0, "plot_confusion: negative count ", v);
    top = std::max(top, v);
  }
  xt::xtensor<double, 2> values = xt::xtensor<double, 2>::from_shape({k, k});
  std::vector<std::string> text;
  for (std::size_t r = 0; r < k; ++r)
    for (std::size_t q = 0; q < k; ++q) {
      values(r, q) = static_cast<double>(counts(r, q));
      text.push_back(std::to_string(counts(r, q)));
    }
  const double hi = top > 0 ? static_cast<double>(top) : 1.0;
  spiketorch::plot::plot_heat_map(path, values, title, "predicted label", "true label", text,
                                  spiketorch::plot::colormap::viridis, std::pair{0.0, hi});
}

}  // namespace mnist_example
