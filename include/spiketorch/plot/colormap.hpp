// Colour maps for the figure module: continuous maps for heat maps and weight images, a qualitative
// palette for the ten digit classes, and the vertical colour bar that goes beside a heat map.
#pragma once

#include "spiketorch/config.hpp"

#include <spiketorch/plot/canvas.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <span>
#include <string>
#include <vector>

namespace spiketorch::plot {

/// `_r` variants run backwards; hot_r is white at 0 and black at the top, as in Diehl & Cook's Fig. 2.
enum class colormap { viridis, hot, hot_r, grey, grey_r };

namespace detail {

struct colour_anchor {
  double t;
  rgb c;
};

// A handful of anchors with linear interpolation between them is visually indistinguishable from
// the 256-entry tables at figure sizes and keeps the file short.
inline constexpr std::array<colour_anchor, 11> viridis_anchors{{{0.0, {68, 1, 84}},
                                                                {0.1, {72, 36, 117}},
                                                                {0.2, {65, 68, 135}},
                                                                {0.3, {53, 95, 141}},
                                                                {0.4, {42, 120, 142}},
                                                                {0.5, {33, 145, 140}},
                                                                {0.6, {34, 168, 132}},
                                                                {0.7, {67, 191, 113}},
                                                                {0.8, {122, 209, 81}},
                                                                {0.9, {188, 223, 39}},
                                                                {1.0, {253, 231, 37}}}};
// Black -> red -> yellow -> white, each channel ramping in turn.
inline constexpr std::array<colour_anchor, 4> hot_anchors{
    {{0.0, {10, 0, 0}}, {0.365, {255, 0, 0}}, {0.746, {255, 255, 0}}, {1.0, {255, 255, 255}}}};
inline constexpr std::array<colour_anchor, 2> grey_anchors{{{0.0, {0, 0, 0}}, {1.0, {255, 255, 255}}}};

inline rgb interpolate(std::span<const colour_anchor> anchors, double t) {
  std::size_t i = 1;
  while (i + 1 < anchors.size() && anchors[i].t < t) ++i;
  const colour_anchor& a = anchors[i - 1];
  const colour_anchor& b = anchors[i];
  const double f = std::clamp((t - a.t) / (b.t - a.t), 0.0, 1.0);
  const auto mix = [f](std::uint8_t x, std::uint8_t y) {
    return static_cast<std::uint8_t>(std::lround(x + f * (static_cast<double>(y) - x)));
  };
  return {mix(a.c.r, b.c.r), mix(a.c.g, b.c.g), mix(a.c.b, b.c.b)};
}

}  // namespace detail

/// Colour at `t` in [0, 1] (clamped). NaN maps to magenta so that it stands out instead of
/// passing for a legitimate extreme.
inline rgb sample(colormap map, double t) {
  if (std::isnan(t)) return {255, 0, 255};
  t = std::clamp(t, 0.0, 1.0);
  switch (map) {
    case colormap::viridis: return detail::interpolate(detail::viridis_anchors, t);
    case colormap::hot: return detail::interpolate(detail::hot_anchors, t);
    case colormap::hot_r: return detail::interpolate(detail::hot_anchors, 1.0 - t);
    case colormap::grey: return detail::interpolate(detail::grey_anchors, t);
    case colormap::grey_r: return detail::interpolate(detail::grey_anchors, 1.0 - t);
  }
  return {255, 0, 255};
}

/// Colour of `value` on a map spanning [lo, hi].
inline rgb sample(colormap map, double value, double lo, double hi) {
  return sample(map, hi > lo ? (value - lo) / (hi - lo) : 0.5);
}

/// Qualitative palette for digit classes 0-9 (the familiar "tab10" hues); anything else, e.g. -1
/// for a neuron that never fired, is light grey.
inline rgb digit_colour(int digit) {
  static constexpr std::array<rgb, 10> palette{{{31, 119, 180},
                                                {255, 127, 14},
                                                {44, 160, 44},
                                                {214, 39, 40},
                                                {148, 103, 189},
                                                {140, 86, 75},
                                                {227, 119, 194},
                                                {127, 127, 127},
                                                {188, 189, 34},
                                                {23, 190, 207}}};
  return digit >= 0 && digit < 10 ? palette[static_cast<std::size_t>(digit)] : light_grey;
}

/// Black or white, whichever reads better on `background` (by perceived luminance).
inline rgb contrast_text(rgb background) {
  const double y = 0.299 * background.r + 0.587 * background.g + 0.114 * background.b;
  return y > 140.0 ? black : white;
}

inline constexpr int colour_bar_thickness = 18;

/// Horizontal space a colour bar of draw_colour_bar takes, labels included, so layouts can reserve
/// it before the values are known.
inline int colour_bar_extent(int scale = 2) {
  return colour_bar_thickness + 4 + 4 + text_width("-8.88e+88", scale);
}

/// Vertical colour bar with its top-left corner at (x, y), `h` pixels tall, lo at the bottom and hi
/// at the top. Both ends are labelled, plus round values between them where they don't collide.
/// End labels are centred on the ends, so keep text_height(scale) / 2 free above and below.
inline void draw_colour_bar(canvas& c, int x, int y, int h, colormap map, double lo, double hi, int scale = 2) {
  if (!(hi > lo)) hi = lo + 1.0;
  for (int r = 0; r < h; ++r)
    c.fill_rect(x, y + r, colour_bar_thickness, 1, sample(map, 1.0 - (r + 0.5) / h));
  c.draw_rect(x, y, colour_bar_thickness, h, black);

  const int th = text_height(scale);
  const auto label = [&](double v, const std::string& s) {
    const int py = y + h - 1 - static_cast<int>(std::lround((v - lo) / (hi - lo) * (h - 1)));
    c.fill_rect(x + colour_bar_thickness, py, 4, 1, black);
    c.text(x + colour_bar_thickness + 8, py - th / 2, s, black, scale);
    return py;
  };
  const int top = label(hi, detail::format_number(hi));
  const int bottom = label(lo, detail::format_number(lo));
  const std::vector<double> ticks = detail::nice_ticks(lo, hi, std::max(2, h / (6 * th)));
  for (double v : ticks) {
    const int py = y + h - 1 - static_cast<int>(std::lround((v - lo) / (hi - lo) * (h - 1)));
    if (py - top > th + 4 && bottom - py > th + 4) label(v, detail::format_number(v, detail::tick_step(ticks)));
  }
}

}  // namespace spiketorch::plot
