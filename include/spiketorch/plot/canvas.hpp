// RGB8 raster canvas for the figure module: rectangles, lines, bitmap text and PNG output.
//
// The machines that run the examples have no display, so figures are rendered in memory and written
// as PNG files. Encoding is done by stb_image_write and glyphs come from stb_easy_font (both from
// libstb-dev); this file only rasterises and handles files.
//
// stb_image_write is compiled here with static linkage (STB_IMAGE_WRITE_STATIC), so every translation
// unit that includes the plot headers gets a private copy and a program can include them from any
// number of files without duplicate symbols. Consequence: a translation unit that includes these
// headers must not also compile its own STB_IMAGE_WRITE_IMPLEMENTATION (other translation units may).
#pragma once

#include "spiketorch/config.hpp"

#include <spiketorch/core/errors.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

// The stb headers are written as C; silence what stricter C++ warning sets say about them (they are
// quiet anyway when found in a system include directory, as with libstb-dev).
#if !defined(INCLUDE_STB_IMAGE_WRITE_H)
#pragma GCC diagnostic push
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wunknown-warning-option"
#endif
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#pragma GCC diagnostic ignored "-Wuseless-cast"
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#if !defined(STBI_WRITE_NO_STDIO)
#define STBI_WRITE_NO_STDIO  // we write files ourselves (atomically); keeps the private copy small
#define SPIKETORCH_DEFINED_STBI_WRITE_NO_STDIO
#endif
#include <stb/stb_image_write.h>
#undef STB_IMAGE_WRITE_IMPLEMENTATION
#undef STB_IMAGE_WRITE_STATIC
#if defined(SPIKETORCH_DEFINED_STBI_WRITE_NO_STDIO)
#undef STBI_WRITE_NO_STDIO
#undef SPIKETORCH_DEFINED_STBI_WRITE_NO_STDIO
#endif
#pragma GCC diagnostic pop
#endif

#pragma GCC diagnostic push
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wunknown-warning-option"
#endif
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wcast-align"
#include <stb/stb_easy_font.h>
#pragma GCC diagnostic pop

namespace spiketorch::plot {

struct rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  friend bool operator==(const rgb&, const rgb&) = default;
};

inline constexpr rgb white{255, 255, 255};
inline constexpr rgb black{0, 0, 0};
inline constexpr rgb mid_grey{128, 128, 128};
inline constexpr rgb light_grey{220, 220, 220};

enum class align { left, centre, right };

/// stb_easy_font metrics in font units (multiply by the text scale). Digits and capitals span
/// [0, cap_height); descenders reach descent.
inline constexpr int font_cap_height = 7;
inline constexpr int font_descent = 9;
inline constexpr int font_line_height = 12;

namespace detail {

// stb_easy_font indexes a table with (c - 32) and wants a mutable buffer.
inline std::string printable(std::string_view text) {
  std::string s(text);
  for (char& c : s)
    if (c != '\n' && (static_cast<unsigned char>(c) < 32 || static_cast<unsigned char>(c) > 126)) c = '?';
  return s;
}

}  // namespace detail

/// Width in pixels of `text` drawn at `scale` (the longest line when it contains newlines).
inline int text_width(std::string_view text, int scale = 2) {
  std::string s = detail::printable(text);
  return stb_easy_font_width(s.data()) * scale;
}

/// Height of one line of digits/capitals at `scale`; what layouts reserve for a label.
inline constexpr int text_height(int scale = 2) { return font_cap_height * scale; }

namespace detail {

/// About `target` evenly spaced round values (steps of 1, 2 or 5 x 10^k) inside [lo, hi], so tick
/// labels stay short. `min_step` keeps integer axes (neuron index) from getting fractional ticks.
inline std::vector<double> nice_ticks(double lo, double hi, int target = 6, double min_step = 0.0) {
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {lo};
  const double raw = std::max((hi - lo) / std::max(target, 1), min_step);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  const double step = (norm < 1.5 ? 1.0 : norm < 3.0 ? 2.0 : norm < 7.0 ? 5.0 : 10.0) * mag;
  std::vector<double> ticks;
  const double eps = step * 1e-9;
  // The cap only matters when hi - lo is lost in the rounding of lo (k + 1 == k): never loop forever.
  for (double k = std::ceil((lo - eps) / step); k * step <= hi + eps && ticks.size() < 1000; k += 1.0) {
    const double v = k * step;
    ticks.push_back(std::abs(v) < eps ? 0.0 : v);  // no "-0"
  }
  return ticks;
}

/// Spacing of a tick vector (0 when it has fewer than two ticks).
inline double tick_step(const std::vector<double>& ticks) { return ticks.size() > 1 ? ticks[1] - ticks[0] : 0.0; }

/// Label for a value on an axis whose ticks are `step` apart: just enough decimals to tell
/// neighbours apart; exponent form for very large or tiny magnitudes. step 0: whole numbers in
/// full, anything else to three significant digits.
inline std::string format_number(double v, double step = 0.0) {
  char buf[64];
  const double a = std::abs(v);
  if (!std::isfinite(v))
    std::snprintf(buf, sizeof buf, "%g", v);
  else if (step <= 0.0 && a < 1e7 && v == std::round(v))  // counts and other whole numbers in full
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else if (step <= 0.0 || a >= 1e6 || (a > 0 && step < 1e-4))
    std::snprintf(buf, sizeof buf, "%.3g", v);
  else {
    const int decimals = std::clamp(static_cast<int>(std::ceil(-std::log10(step) - 1e-9)), 0, 6);
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  }
  std::string s(buf);
  if (s[0] == '-' && s.find_first_not_of("0.", 1) == std::string::npos) s.erase(0, 1);  // "-0.00" -> "0.00"
  return s;
}

}  // namespace detail

class canvas {
 public:
  /// Largest side accepted; guards against a layout bug asking for gigabytes.
  static constexpr int max_side = 16384;

  canvas(int width, int height, rgb background = white) : width_(width), height_(height) {
    require(width > 0 && height > 0 && width <= max_side && height <= max_side,
            "canvas size must be in [1, ", max_side, "] per side, got ", width, "x", height);
    pixels_.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3);
    reset_clip();
    fill_rect(0, 0, width, height, background);
  }

  int width() const noexcept { return width_; }
  int height() const noexcept { return height_; }
  /// Row-major RGB8, 3 bytes per pixel, no padding.
  const std::vector<std::uint8_t>& pixels() const noexcept { return pixels_; }

  rgb at(int x, int y) const {
    require(x >= 0 && y >= 0 && x < width_ && y < height_, "pixel (", x, ", ", y, ") outside ", width_, "x",
            height_, " canvas");
    const std::uint8_t* p = &pixels_[offset(x, y)];
    return {p[0], p[1], p[2]};
  }

  /// Restricts all drawing to a rectangle, so that data lines cannot spill out of their axes.
  void set_clip(int x, int y, int w, int h) {
    clip_x0_ = std::max(0, x);
    clip_y0_ = std::max(0, y);
    clip_x1_ = std::min(width_, x + w);
    clip_y1_ = std::min(height_, y + h);
  }
  void reset_clip() { set_clip(0, 0, width_, height_); }

  /// Pixels outside the clip rectangle are ignored rather than an error: shapes may overhang.
  void put(int x, int y, rgb c) {
    if (x < clip_x0_ || y < clip_y0_ || x >= clip_x1_ || y >= clip_y1_) return;
    std::uint8_t* p = &pixels_[offset(x, y)];
    p[0] = c.r;
    p[1] = c.g;
    p[2] = c.b;
  }

  void fill_rect(int x, int y, int w, int h, rgb c) {
    const int x0 = std::max(x, clip_x0_), x1 = std::min(x + w, clip_x1_);
    const int y0 = std::max(y, clip_y0_), y1 = std::min(y + h, clip_y1_);
    for (int yy = y0; yy < y1; ++yy)
      for (int xx = x0; xx < x1; ++xx) put(xx, yy, c);
  }

  /// One-pixel outline just inside the rectangle.
  void draw_rect(int x, int y, int w, int h, rgb c) {
    if (w <= 0 || h <= 0) return;
    fill_rect(x, y, w, 1, c);
    fill_rect(x, y + h - 1, w, 1, c);
    fill_rect(x, y, 1, h, c);
    fill_rect(x + w - 1, y, 1, h, c);
  }

  /// Bresenham line; thickness > 1 stamps a square brush centred on each point.
  void line(int x0, int y0, int x1, int y1, rgb c, int thickness = 1) {
    const int dx = std::abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
    const int dy = -std::abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
    const int lo = -(thickness - 1) / 2;
    int err = dx + dy;
    for (;;) {
      fill_rect(x0 + lo, y0 + lo, std::max(thickness, 1), std::max(thickness, 1), c);
      if (x0 == x1 && y0 == y1) break;
      const int e2 = 2 * err;
      if (e2 >= dy) { err += dy; x0 += sx; }
      if (e2 <= dx) { err += dx; y0 += sy; }
    }
  }

  /// Draws `text` with stb_easy_font, each font unit a scale x scale block.
  /// Horizontal: `x` is the left edge, centre or right edge per `a`; `y` is the top of the capitals.
  /// Rotated (reads bottom to top, as y-axis labels do): `x` is the left edge (the tops of the
  /// glyphs face left) and `y` is where the text starts, is centred or ends, per `a`.
  void text(int x, int y, std::string_view str, rgb c, int scale = 2, align a = align::left, bool rotated = false) {
    if (str.empty() || scale <= 0) return;
    std::string s = detail::printable(str);
    const int w = stb_easy_font_width(s.data()) * scale;
    const int shift = a == align::left ? 0 : a == align::centre ? w / 2 : w;
    // ~11 quads of 64 bytes for the busiest glyph; size the buffer so nothing is truncated.
    std::vector<char> buf(s.size() * 16 * 64 + 64);
    const int quads = stb_easy_font_print(0.f, 0.f, s.data(), nullptr, buf.data(), static_cast<int>(buf.size()));
    for (int q = 0; q < quads; ++q) {
      // Quads are axis-aligned with integer corners: vertex 0 is the top-left, vertex 2 the bottom-right.
      float v[4];
      std::copy_n(buf.data() + q * 64, 2 * sizeof(float), reinterpret_cast<char*>(v));
      std::copy_n(buf.data() + q * 64 + 32, 2 * sizeof(float), reinterpret_cast<char*>(v + 2));
      const int u0 = static_cast<int>(std::lround(v[0])) * scale, t0 = static_cast<int>(std::lround(v[1])) * scale;
      const int u1 = static_cast<int>(std::lround(v[2])) * scale, t1 = static_cast<int>(std::lround(v[3])) * scale;
      if (!rotated)
        fill_rect(x - shift + u0, y + t0, u1 - u0, t1 - t0, c);
      else  // text-space (u right, t down) -> image (x + t, y - u)
        fill_rect(x + t0, y + shift - u1, t1 - t0, u1 - u0, c);
    }
  }

  /// Writes the canvas as a PNG. The bytes go to a temporary file next to `path` that is then
  /// renamed over it, so a reader never sees a half-written figure. Parent directories must exist.
  void save_png(const std::string& path) const {
    std::vector<unsigned char> png;
    const auto sink = [](void* ctx, void* data, int size) {
      auto* out = static_cast<std::vector<unsigned char>*>(ctx);
      const auto* bytes = static_cast<const unsigned char*>(data);
      out->insert(out->end(), bytes, bytes + size);
    };
    if (!stbi_write_png_to_func(sink, &png, width_, height_, 3, pixels_.data(), width_ * 3) || png.empty())
      throw io_error(spiketorch::detail::concat("cannot encode PNG for '", path, "'"));

    namespace fs = std::filesystem;
    const fs::path target(path);
    fs::path tmp = target;
    tmp += ".tmp-" + std::to_string(std::random_device{}());
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (out) out.write(reinterpret_cast<const char*>(png.data()), static_cast<std::streamsize>(png.size()));
      if (out) out.flush();
      if (!out) {
        std::error_code ignored;
        fs::remove(tmp, ignored);
        throw io_error(spiketorch::detail::concat("cannot write PNG '", path, "'"));
      }
    }
    std::error_code ec;
    fs::rename(tmp, target, ec);
    if (ec) {
      std::error_code ignored;
      fs::remove(tmp, ignored);
      throw io_error(spiketorch::detail::concat("cannot write PNG '", path, "': ", ec.message()));
    }
  }

 private:
  std::size_t offset(int x, int y) const {
    return (static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) + static_cast<std::size_t>(x)) * 3;
  }

  int width_, height_;
  int clip_x0_ = 0, clip_y0_ = 0, clip_x1_ = 0, clip_y1_ = 0;
  std::vector<std::uint8_t> pixels_;
};

}  // namespace spiketorch::plot
