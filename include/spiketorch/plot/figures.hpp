// General figures: grids of images (receptive fields, feature maps), bar charts, line plots, single
// images, spike rasters and heat maps. Each function renders one PNG with a title, axis labels and,
// where colour carries a value, a colour bar. Shapes are checked first: bad input throws
// invalid_argument and nothing is written; a file that cannot be written throws io_error. Figures
// that belong to one model live with it (the MNIST example's are in examples/mnist/figures.hpp)
// and are built from these and from the layout blocks below.
#pragma once

#include "spiketorch/config.hpp"

#include <spiketorch/core/errors.hpp>
#include <spiketorch/plot/canvas.hpp>
#include <spiketorch/plot/colormap.hpp>

#include <xtensor/xtensor.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace spiketorch::plot {

namespace detail {

inline constexpr int font_scale = 2;
inline constexpr int margin = 14;
inline constexpr int title_band = 2 * margin + font_cap_height * font_scale + 2;  // space above the content
inline constexpr int min_figure_width = 480;  // so that a short grid still has room for its title
inline constexpr int tick_length = 5;
inline constexpr int label_gap = 6;
inline constexpr int th = font_cap_height * font_scale;     // height of a label line
inline constexpr int descent = font_descent * font_scale;  // height of a label with descenders
inline constexpr rgb frame_grey{90, 90, 90};
inline constexpr rgb grid_grey{228, 228, 228};

struct ticks {
  std::vector<double> at;
  std::vector<std::string> labels;
};

inline ticks make_ticks(std::vector<double> at) {
  const double step = tick_step(at);
  ticks t{std::move(at), {}};
  for (double v : t.at) t.labels.push_back(format_number(v, step == 0.0 ? 1.0 : step));
  return t;
}

inline int widest(const std::vector<std::string>& labels, int scale = font_scale) {
  int w = 0;
  for (const auto& s : labels) w = std::max(w, text_width(s, scale));
  return w;
}

/// A data rectangle: [x, x + w) x [y, y + h) in pixels showing [x0, x1] x [y0, y1]. y grows upwards
/// unless y_down (matrix convention: row 0 on top).
struct axes {
  int x = 0, y = 0, w = 1, h = 1;
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  bool y_down = false;
  double px(double v) const { return x + (v - x0) / (x1 - x0) * w; }
  double py(double v) const {
    const double f = (v - y0) / (y1 - y0);
    return y_down ? y + f * h : y + h - f * h;
  }
  void clip(canvas& c) const { c.set_clip(x, y, w, h); }
};

/// Panels of equal width stacked vertically, sharing one x axis whose label goes under the last.
struct panels_layout {
  int width, height, ylabel_x;
  std::vector<axes> panels;
};

inline panels_layout layout_panels(int plot_w, const std::vector<int>& plot_hs, int ytick_w, bool has_ylabel,
                                   bool has_xlabel, const ticks& xt, int right_w) {
  const int left = margin + (has_ylabel ? descent + 2 * label_gap : 0) + ytick_w + label_gap + tick_length + 1;
  const int x_axis = 1 + tick_length + label_gap + th;  // ticks and their labels under a panel
  const int last_label = xt.labels.empty() ? 0 : text_width(xt.labels.back()) / 2;
  const int right = margin + std::max(right_w, last_label);
  panels_layout l{left + plot_w + right, title_band, margin, {}};
  for (std::size_t i = 0; i < plot_hs.size(); ++i) {
    axes a;
    a.x = left;
    a.y = l.height;
    a.w = plot_w;
    a.h = plot_hs[i];
    l.panels.push_back(a);
    l.height += plot_hs[i] + x_axis + (i + 1 < plot_hs.size() ? margin : 0);
  }
  l.height += (has_xlabel ? 2 * label_gap + descent : 0) + margin;
  return l;
}

/// Light lines at the ticks, drawn before the data so that the data stays on top.
inline void draw_grid(canvas& c, const axes& a, const ticks& xt, const ticks& yt) {
  for (double v : xt.at) c.fill_rect(static_cast<int>(std::lround(a.px(v))), a.y, 1, a.h, grid_grey);
  for (double v : yt.at) c.fill_rect(a.x, static_cast<int>(std::lround(a.py(v))), a.w, 1, grid_grey);
}

/// Frame, outward ticks, tick labels and axis labels (empty labels are skipped).
inline void draw_frame(canvas& c, const axes& a, const ticks& xt, const ticks& yt, const std::string& xlabel,
                       const std::string& ylabel, int ylabel_x) {
  c.reset_clip();
  c.draw_rect(a.x - 1, a.y - 1, a.w + 2, a.h + 2, frame_grey);
  const int below = a.y + a.h + 1;
  for (std::size_t i = 0; i < xt.at.size(); ++i) {
    const int px = std::clamp(static_cast<int>(std::lround(a.px(xt.at[i]))), a.x, a.x + a.w - 1);
    c.fill_rect(px, below, 1, tick_length, frame_grey);
    c.text(px, below + tick_length + label_gap, xt.labels[i], black, font_scale, align::centre);
  }
  for (std::size_t i = 0; i < yt.at.size(); ++i) {
    const int py = std::clamp(static_cast<int>(std::lround(a.py(yt.at[i]))), a.y, a.y + a.h - 1);
    c.fill_rect(a.x - 1 - tick_length, py, tick_length, 1, frame_grey);
    c.text(a.x - 1 - tick_length - label_gap, py - th / 2, yt.labels[i], black, font_scale, align::right);
  }
  if (!xlabel.empty())
    c.text(a.x + a.w / 2, below + tick_length + label_gap + th + 2 * label_gap, xlabel, black, font_scale,
           align::centre);
  if (!ylabel.empty()) c.text(ylabel_x, a.y + a.h / 2, ylabel, black, font_scale, align::centre, true);
}

/// Smallest and largest finite value; nullopt when there is none.
template <class It>
std::optional<std::pair<double, double>> finite_range(It first, It last) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (; first != last; ++first) {
    const double v = static_cast<double>(*first);
    if (std::isfinite(v)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (lo > hi) return std::nullopt;
  return std::pair{lo, hi};
}

/// Widens a degenerate range so that constant data still gets an axis.
inline std::pair<double, double> widen(double lo, double hi) {
  if (hi > lo) return {lo, hi};
  const double pad = lo == 0.0 ? 1.0 : 0.5 * std::abs(lo);
  return {lo - pad, hi + pad};
}

/// Span of a colour scale: `range` when given (checked), else the data's finite [min, max],
/// widened when the data are constant.
template <class It>
std::pair<double, double> colour_range(It first, It last, const std::optional<std::pair<double, double>>& range,
                                       const char* who) {
  if (!range) {
    const auto [lo, hi] = finite_range(first, last).value_or(std::pair{0.0, 1.0});
    return widen(lo, hi);
  }
  require(std::isfinite(range->first) && std::isfinite(range->second) && range->first < range->second, who,
          ": range must be finite with lower < upper, got [", range->first, ", ", range->second, "]");
  return *range;
}

/// Value axis: extends [lo, hi] out to the enclosing round ticks so the data never touches the frame
/// at an unlabelled place.
inline ticks value_ticks(double& lo, double& hi, int target) {
  std::tie(lo, hi) = widen(lo, hi);
  const std::vector<double> first = nice_ticks(lo, hi, target);
  const double step = tick_step(first);
  if (step > 0) {
    lo = std::floor(lo / step + 1e-9) * step;
    hi = std::ceil(hi / step - 1e-9) * step;
  }
  return make_ticks(nice_ticks(lo, hi, target));
}

/// Index axis for n items drawn as cells [i - 0.5, i + 0.5]: integer ticks, every one if they fit.
inline ticks index_ticks(std::size_t n, int target) {
  if (n <= static_cast<std::size_t>(target) + 2) {
    std::vector<double> at;
    for (std::size_t i = 0; i < n; ++i) at.push_back(static_cast<double>(i));
    return make_ticks(std::move(at));
  }
  return make_ticks(nice_ticks(0.0, static_cast<double>(n - 1), target, 1.0));
}

inline void render_rasters(const std::string& path, const std::vector<const xt::xtensor<std::uint8_t, 2>*>& rasters,
                           const std::vector<std::string>& names, double dt_ms, const std::string& title);

}  // namespace detail

// Building blocks for figures of one's own, so that they share the look of the figures below (the
// MNIST example draws its digit assignments with them).

/// Title centred in the top band; shrinks to the small font, then truncates, rather than clip.
inline void draw_title(canvas& c, std::string title) {
  const int room = c.width() - 2 * detail::margin;
  int scale = detail::font_scale;
  if (text_width(title, scale) > room) scale = 1;
  while (text_width(title, scale) > room && title.size() > 3) title = title.substr(0, title.size() - 4) + "...";
  c.text(c.width() / 2, (detail::title_band - font_cap_height * scale) / 2, title, black, scale, align::centre);
}

/// Figures without axes: content block of content_w x content_h under the title, with `side_w`
/// pixels beside it (colour bar or legend), centred when the figure is widened to min_figure_width.
struct block_layout {
  int width, height, x, y, side_x;
};

inline block_layout layout_block(int content_w, int content_h, int side_w) {
  using namespace detail;
  const int used = content_w + (side_w > 0 ? 2 * margin + side_w : 0);
  const int width = std::max(min_figure_width, 2 * margin + used);
  const int x = (width - used) / 2;
  return {width, title_band + content_h + margin + th / 2, x, title_band, x + content_w + 2 * margin};
}

/// Cells per row of the most nearly square grid that holds n cells: ceil(sqrt(n)).
inline std::size_t grid_side(std::size_t n) {
  std::size_t s = static_cast<std::size_t>(std::sqrt(static_cast<double>(n)));
  while (s * s < n) ++s;
  while (s > 0 && (s - 1) * (s - 1) >= n) --s;
  return s;
}

/// Length of a row (or column) of `cells` cells, each `cell` pixels, with 1-pixel separators
/// between them and around the outside.
inline int grid_extent(std::size_t cells, int cell) { return static_cast<int>(cells) * (cell + 1) + 1; }

/// Legend geometry: one row per entry, a 24-pixel swatch, a gap, then the name.
inline int legend_row_height() { return detail::th + 10; }
inline int legend_width(const std::vector<std::string>& names) { return 24 + 8 + detail::widest(names); }

/// Pixel geometry of plot_image_grid, exposed so callers and tests can locate tiles.
struct grid_layout {
  int width = 0, height = 0;            // whole figure
  int title_height = 0;                 // band at the top that holds the title
  int across = 0, down = 0;             // tiles per row, rows of tiles
  int pixel = 0;                        // screen pixels per image pixel
  int tile_width = 0, tile_height = 0;  // one image, separators excluded
  int grid_x = 0, grid_y = 0;           // top-left of the grid, on its outer separator
  int grid_width = 0, grid_height = 0;
  int colour_bar_x = 0;

  /// Top-left pixel of image i (tiles fill rows left to right).
  int tile_x(std::size_t i) const {
    return grid_x + 1 + static_cast<int>(i % static_cast<std::size_t>(across)) * (tile_width + 1);
  }
  int tile_y(std::size_t i) const {
    return grid_y + 1 + static_cast<int>(i / static_cast<std::size_t>(across)) * (tile_height + 1);
  }
};

/// Layout of a grid of n images of rows x cols pixels, `across` per row (0: as square as possible).
/// Images are scaled up 3x, less when that would make the grid wider or taller than about 1200
/// pixels.
inline grid_layout image_grid_layout(std::size_t n, std::size_t rows, std::size_t cols, std::size_t across = 0) {
  require(n > 0 && rows > 0 && cols > 0, "image grid needs images and an image size, got n=", n, " rows=", rows,
          " cols=", cols);
  grid_layout g;
  const std::size_t a = across > 0 ? std::min(across, n) : grid_side(n);
  const std::size_t d = (n + a - 1) / a;
  g.across = static_cast<int>(a);
  g.down = static_cast<int>(d);
  const std::size_t span = std::max(a * cols, d * rows);
  g.pixel = static_cast<int>(std::clamp<std::size_t>(1200 / span, 1, 3));
  g.tile_width = static_cast<int>(cols) * g.pixel;
  g.tile_height = static_cast<int>(rows) * g.pixel;
  g.grid_width = grid_extent(a, g.tile_width);
  g.grid_height = grid_extent(d, g.tile_height);
  const auto b = layout_block(g.grid_width, std::max(g.grid_height, 4 * detail::th), colour_bar_extent());
  g.width = b.width;
  g.height = b.height;
  g.title_height = detail::title_band;
  g.grid_x = b.x;
  g.grid_y = b.y;
  g.colour_bar_x = b.side_x;
  return g;
}

/// Images side by side on one colour scale, e.g. learned receptive fields or feature maps.
/// `images` is [n, rows, cols]; image k fills tile k of image_grid_layout(n, rows, cols, across).
/// Colours span `range`, by default [min, max] of the finite values.
inline void plot_image_grid(const std::string& path, const xt::xtensor<float, 3>& images,
                            const std::string& title = "images", colormap map = colormap::grey,
                            std::optional<std::pair<double, double>> range = std::nullopt, std::size_t across = 0) {
  const std::size_t n = images.shape(0), rows = images.shape(1), cols = images.shape(2);
  require(n > 0 && rows > 0 && cols > 0, "plot_image_grid: images are empty (", n, "x", rows, "x", cols, ")");
  const auto [lo, hi] = detail::colour_range(images.begin(), images.end(), range, "plot_image_grid");
  const grid_layout g = image_grid_layout(n, rows, cols, across);
  canvas c(g.width, g.height);
  draw_title(c, title);
  c.fill_rect(g.grid_x, g.grid_y, g.grid_width, g.grid_height, mid_grey);
  for (std::size_t k = 0; k < n; ++k) {
    const int x = g.tile_x(k), y = g.tile_y(k);
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t q = 0; q < cols; ++q)
        c.fill_rect(x + static_cast<int>(q) * g.pixel, y + static_cast<int>(r) * g.pixel, g.pixel, g.pixel,
                    sample(map, images(k, r, q), lo, hi));
  }
  draw_colour_bar(c, g.colour_bar_x, g.grid_y, std::max(g.grid_height, 4 * detail::th), map, lo, hi);
  c.save_png(path);
}

/// One bar per entry (e.g. the adaptive threshold theta of each excitatory neuron).
inline void plot_bar(const std::string& path, const std::vector<float>& values, const std::string& title,
                     const std::string& xlabel = "neuron", const std::string& ylabel = "value") {
  require(!values.empty(), "plot_bar: no values");
  for (std::size_t i = 0; i < values.size(); ++i)
    require(std::isfinite(values[i]), "plot_bar: value ", i, " is not finite (", values[i], ")");
  const auto [vmin, vmax] = *detail::finite_range(values.begin(), values.end());
  double lo = std::min(0.0, vmin), hi = std::max(0.0, vmax);
  const detail::ticks yt = detail::value_ticks(lo, hi, 6);
  const detail::ticks xt = detail::index_ticks(values.size(), 10);
  const int plot_w = static_cast<int>(std::clamp<std::size_t>(values.size() * 6, 480, 1200));
  auto l = detail::layout_panels(plot_w, {320}, detail::widest(yt.labels), !ylabel.empty(), !xlabel.empty(), xt, 0);
  detail::axes& a = l.panels[0];
  a.x0 = -0.5;
  a.x1 = static_cast<double>(values.size()) - 0.5;
  a.y0 = lo;
  a.y1 = hi;

  canvas c(l.width, l.height);
  draw_title(c, title);
  detail::draw_grid(c, a, {}, yt);
  a.clip(c);
  const int base = static_cast<int>(std::lround(a.py(0.0)));
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double fi = static_cast<double>(i);
    const int x0 = static_cast<int>(std::lround(a.px(fi - 0.5))), x1 = static_cast<int>(std::lround(a.px(fi + 0.5)));
    const int gap = x1 - x0 >= 4 ? 1 : 0;  // separate wide bars, let narrow ones merge into an area
    const int top = static_cast<int>(std::lround(a.py(values[i])));
    c.fill_rect(x0 + gap, std::min(base, top), std::max(1, x1 - x0 - gap), std::abs(top - base) + 1, digit_colour(0));
  }
  detail::draw_frame(c, a, xt, yt, xlabel, ylabel, l.ylabel_x);
  c.save_png(path);
}

/// Several series y(x) on one axes with a legend on the right, e.g. accuracy against examples seen
/// or membrane voltage against time. Non-finite points leave gaps. `ylim` fixes the y range (points
/// outside are clipped); without it the range is the data's, widened to round ticks.
inline void plot_lines(const std::string& path, const std::vector<std::string>& names,
                       const std::vector<std::vector<double>>& xs, const std::vector<std::vector<double>>& ys,
                       const std::string& title, const std::string& xlabel, const std::string& ylabel,
                       std::optional<std::pair<double, double>> ylim = std::nullopt) {
  require(!names.empty(), "plot_lines: no series");
  require(xs.size() == names.size() && ys.size() == names.size(), "plot_lines: ", names.size(), " names but ",
          xs.size(), " x and ", ys.size(), " y series");
  std::vector<double> all_x, all_y;
  for (std::size_t s = 0; s < names.size(); ++s) {
    require(xs[s].size() == ys[s].size(), "plot_lines: series '", names[s], "' has ", xs[s].size(), " x but ",
            ys[s].size(), " y values");
    for (std::size_t i = 0; i < xs[s].size(); ++i)
      if (std::isfinite(xs[s][i]) && std::isfinite(ys[s][i])) {
        all_x.push_back(xs[s][i]);
        all_y.push_back(ys[s][i]);
      }
  }
  require(!all_x.empty(), "plot_lines: no finite (x, y) point in any series");
  if (ylim)
    require(std::isfinite(ylim->first) && std::isfinite(ylim->second) && ylim->first < ylim->second,
            "plot_lines: ylim must be finite with lower < upper, got [", ylim->first, ", ", ylim->second, "]");

  auto [x0, x1] = detail::widen(*std::min_element(all_x.begin(), all_x.end()), *std::max_element(all_x.begin(), all_x.end()));
  double y0 = ylim ? ylim->first : *std::min_element(all_y.begin(), all_y.end());
  double y1 = ylim ? ylim->second : *std::max_element(all_y.begin(), all_y.end());
  const detail::ticks yt = ylim ? detail::make_ticks(detail::nice_ticks(y0, y1, 6)) : detail::value_ticks(y0, y1, 6);
  const detail::ticks xt = detail::make_ticks(detail::nice_ticks(x0, x1, 8));
  const int plot_h = std::max(360, static_cast<int>(names.size()) * legend_row_height());  // legend fits
  auto l = detail::layout_panels(640, {plot_h}, detail::widest(yt.labels), !ylabel.empty(), !xlabel.empty(), xt,
                                 detail::margin + legend_width(names));
  detail::axes& a = l.panels[0];
  a.x0 = x0;
  a.x1 = x1;
  a.y0 = y0;
  a.y1 = y1;

  canvas c(l.width, l.height);
  draw_title(c, title);
  detail::draw_grid(c, a, xt, yt);
  a.clip(c);
  for (std::size_t s = 0; s < names.size(); ++s) {
    const rgb colour = digit_colour(static_cast<int>(s % 10));
    const bool markers = xs[s].size() <= 60;  // sparse curves (accuracy checkpoints) show their samples
    bool have_prev = false;
    int px = 0, py = 0;
    for (std::size_t i = 0; i < xs[s].size(); ++i) {
      if (!std::isfinite(xs[s][i]) || !std::isfinite(ys[s][i])) {
        have_prev = false;
        continue;
      }
      const int qx = static_cast<int>(std::lround(a.px(xs[s][i]))), qy = static_cast<int>(std::lround(a.py(ys[s][i])));
      if (have_prev) c.line(px, py, qx, qy, colour, 2);
      if (markers) c.fill_rect(qx - 2, qy - 2, 5, 5, colour);
      px = qx;
      py = qy;
      have_prev = true;
    }
  }
  detail::draw_frame(c, a, xt, yt, xlabel, ylabel, l.ylabel_x);
  const int lx = a.x + a.w + 1 + detail::margin;
  for (std::size_t s = 0; s < names.size(); ++s) {
    const int y = a.y + static_cast<int>(s) * legend_row_height();
    c.line(lx, y + detail::th / 2, lx + 23, y + detail::th / 2, digit_colour(static_cast<int>(s % 10)), 3);
    c.text(lx + 32, y, names[s], black);
  }
  c.save_png(path);
}

/// A 2-D array as an image (e.g. an input digit), scaled up to about 320 pixels, with a colour bar
/// over [min, max] of its finite values.
inline void plot_image(const std::string& path, const xt::xtensor<float, 2>& image, const std::string& title = "input",
                       colormap map = colormap::grey) {
  require(image.shape(0) > 0 && image.shape(1) > 0, "plot_image: image is empty (", image.shape(0), "x",
          image.shape(1), ")");
  const std::size_t rows = image.shape(0), cols = image.shape(1);
  const int scale = static_cast<int>(std::clamp<std::size_t>(320 / std::max(rows, cols), 1, 16));
  const int w = static_cast<int>(cols) * scale, h = static_cast<int>(rows) * scale;
  const auto range = detail::finite_range(image.begin(), image.end()).value_or(std::pair{0.0, 1.0});
  const auto [lo, hi] = detail::widen(range.first, range.second);
  const auto b = layout_block(w + 2, std::max(h + 2, 4 * detail::th), colour_bar_extent());

  canvas c(b.width, b.height);
  draw_title(c, title);
  c.draw_rect(b.x, b.y, w + 2, h + 2, detail::frame_grey);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t q = 0; q < cols; ++q)
      c.fill_rect(b.x + 1 + static_cast<int>(q) * scale, b.y + 1 + static_cast<int>(r) * scale, scale, scale,
                  sample(map, image(r, q), lo, hi));
  draw_colour_bar(c, b.side_x, b.y, std::max(h + 2, 4 * detail::th), map, lo, hi);
  c.save_png(path);
}

/// Spike raster of one population: `spikes` is [time step, neuron], non-zero = spike; x is time in
/// ms (a spike in step t is drawn mid-step, at (t + 0.5) * dt_ms), y the neuron index.
inline void plot_raster(const std::string& path, const xt::xtensor<std::uint8_t, 2>& spikes, double dt_ms,
                        const std::string& title = "spikes", const std::string& ylabel = "neuron index") {
  detail::render_rasters(path, {&spikes}, {ylabel}, dt_ms, title);
}

/// Rasters of several populations over the same time steps (e.g. excitatory and inhibitory),
/// stacked with a shared time axis; each panel's y label is its name.
inline void plot_rasters(const std::string& path, const std::vector<xt::xtensor<std::uint8_t, 2>>& rasters,
                         const std::vector<std::string>& names, double dt_ms, const std::string& title = "spikes") {
  std::vector<const xt::xtensor<std::uint8_t, 2>*> ptrs;
  for (const auto& r : rasters) ptrs.push_back(&r);
  detail::render_rasters(path, ptrs, names, dt_ms, title);
}

/// A matrix as a heat map, values[row, column] with row 0 on top, and a colour bar: a confusion
/// matrix, a correlation matrix, weights between two small populations. `cell_text`, when not
/// empty, holds one label per cell (row-major) written in the cell when it fits. Colours span
/// `range`, by default [min, max] of the finite values.
inline void plot_heat_map(const std::string& path, const xt::xtensor<double, 2>& values, const std::string& title,
                          const std::string& xlabel, const std::string& ylabel,
                          const std::vector<std::string>& cell_text = {}, colormap map = colormap::viridis,
                          std::optional<std::pair<double, double>> range = std::nullopt) {
  const std::size_t rows = values.shape(0), cols = values.shape(1);
  require(rows > 0 && cols > 0, "plot_heat_map: values are empty (", rows, "x", cols, ")");
  require(cell_text.empty() || cell_text.size() == rows * cols, "plot_heat_map: ", cell_text.size(),
          " cell labels for ", rows, "x", cols, " = ", rows * cols, " cells");
  const auto [lo, hi] = detail::colour_range(values.begin(), values.end(), range, "plot_heat_map");
  const std::size_t k = std::max(rows, cols);
  const int widest_text = detail::widest(cell_text);
  // Cells big enough for the labels in the large font, unless there are so many cells that the
  // figure would get huge.
  const int cell = std::clamp(
      std::max(static_cast<int>(480 / std::min<std::size_t>(k, 480)), k <= 20 ? widest_text + 8 : 0), 12, 72);
  const detail::ticks x_ticks = detail::index_ticks(cols, 20), y_ticks = detail::index_ticks(rows, 20);
  auto l = detail::layout_panels(cell * static_cast<int>(cols), {cell * static_cast<int>(rows)},
                                 detail::widest(y_ticks.labels), !ylabel.empty(), !xlabel.empty(), x_ticks,
                                 detail::margin + colour_bar_extent());
  detail::axes& a = l.panels[0];
  a.x0 = a.y0 = -0.5;
  a.x1 = static_cast<double>(cols) - 0.5;
  a.y1 = static_cast<double>(rows) - 0.5;
  a.y_down = true;
  const int scale = cell_text.empty()                          ? 0
                    : widest_text <= cell - 4                  ? 2
                    : detail::widest(cell_text, 1) <= cell - 2 ? 1
                                                               : 0;

  canvas c(l.width, l.height);
  draw_title(c, title);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t q = 0; q < cols; ++q) {
      const rgb fill = sample(map, values(r, q), lo, hi);
      const int x = a.x + static_cast<int>(q) * cell, y = a.y + static_cast<int>(r) * cell;
      c.fill_rect(x, y, cell, cell, fill);
      if (scale > 0)  // labels too long for the cell: the colour alone has to do
        c.text(x + cell / 2, y + (cell - font_cap_height * scale) / 2, cell_text[r * cols + q], contrast_text(fill),
               scale, align::centre);
    }
  detail::draw_frame(c, a, x_ticks, y_ticks, xlabel, ylabel, l.ylabel_x);
  draw_colour_bar(c, a.x + a.w + 1 + detail::margin, a.y, a.h, map, lo, hi);
  c.save_png(path);
}

namespace detail {

inline void render_rasters(const std::string& path, const std::vector<const xt::xtensor<std::uint8_t, 2>*>& rasters,
                           const std::vector<std::string>& names, double dt_ms, const std::string& title) {
  require(!rasters.empty(), "plot_rasters: no rasters");
  require(names.size() == rasters.size(), "plot_rasters: ", rasters.size(), " rasters but ", names.size(), " names");
  require(std::isfinite(dt_ms) && dt_ms > 0.0, "plot_raster: dt_ms must be finite and > 0, got ", dt_ms);
  const std::size_t steps = rasters[0]->shape(0);
  for (std::size_t p = 0; p < rasters.size(); ++p) {
    require(rasters[p]->shape(0) > 0 && rasters[p]->shape(1) > 0, "plot_raster: raster '", names[p],
            "' is empty (", rasters[p]->shape(0), " steps x ", rasters[p]->shape(1), " neurons)");
    require(rasters[p]->shape(0) == steps, "plot_rasters: raster '", names[p], "' has ", rasters[p]->shape(0),
            " time steps, the first has ", steps);
  }
  const double t_end = static_cast<double>(steps) * dt_ms;
  const ticks xt = make_ticks(nice_ticks(0.0, t_end, 8));
  std::vector<ticks> yts;
  std::vector<int> heights;
  int ytick_w = 0;
  bool any_name = false;
  for (std::size_t p = 0; p < rasters.size(); ++p) {
    yts.push_back(index_ticks(rasters[p]->shape(1), 5));
    ytick_w = std::max(ytick_w, widest(yts.back().labels));
    heights.push_back(rasters.size() == 1 ? 320 : 240);
    any_name = any_name || !names[p].empty();
  }
  auto l = layout_panels(800, heights, ytick_w, any_name, true, xt, 0);

  canvas c(l.width, l.height);
  draw_title(c, title);
  for (std::size_t p = 0; p < rasters.size(); ++p) {
    const auto& s = *rasters[p];
    axes& a = l.panels[p];
    a.x1 = t_end;
    a.y0 = -0.5;
    a.y1 = static_cast<double>(s.shape(1)) - 0.5;
    // Dots at least 2 px so isolated spikes are visible, at most the cell size so bursts stay apart.
    const double cell_w = a.w / static_cast<double>(steps), cell_h = a.h / static_cast<double>(s.shape(1));
    const int dot = static_cast<int>(std::clamp(std::floor(std::min(cell_w, cell_h)), 2.0, 4.0));
    a.clip(c);
    std::size_t total = 0;
    for (std::size_t t = 0; t < steps; ++t)
      for (std::size_t n = 0; n < s.shape(1); ++n)
        if (s(t, n)) {
          ++total;
          const int x = static_cast<int>(std::lround(a.px((static_cast<double>(t) + 0.5) * dt_ms)));
          const int y = static_cast<int>(std::lround(a.py(static_cast<double>(n))));
          c.fill_rect(x - dot / 2, y - dot / 2, dot, dot, black);
        }
    if (total == 0) c.text(a.x + a.w / 2, a.y + (a.h - th) / 2, "no spikes", mid_grey, font_scale, align::centre);
    draw_frame(c, a, xt, yts[p], p + 1 == rasters.size() ? "time (ms)" : "", names[p], l.ylabel_x);
  }
  c.save_png(path);
}

}  // namespace detail

}  // namespace spiketorch::plot
