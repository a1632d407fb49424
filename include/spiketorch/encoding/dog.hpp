// Difference-of-Gaussians on/off filtering and local normalisation of images, the front end of
// Kheradpisheh et al. 2018 as SpykeTorch writes it (utils.DoGKernel, utils.Filter,
// functional.local_normalization), for rank-order coding (encoding/rank_order.hpp).
//
//   dog_kernel(size, s1, s2)  (1/2π)(e^{-r²/2s1²}/s1² - e^{-r²/2s2²}/s2²) on a size x size grid
//                             centred at 0, minus its mean, divided by its maximum;
//   dog_filter                each kernel correlated with the image (zero padding), values below
//                             `threshold` set to 0: one channel per kernel, (h, w, channels)
//                             as topology::grid3 lays layers out (channels last);
//   local_normalization       each value divided by the mean of the (2r+1)² window around it
//                             (zero padding, the window's full area) plus 1e-12.
// Host-side preprocessing, once per image.
#pragma once

#include "spiketorch/config.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <span>
#include <utility>
#include <vector>

#include "spiketorch/core/errors.hpp"
#include "spiketorch/topology/grid.hpp"

namespace spiketorch::encoding {

/// A size x size kernel, row-major.
inline std::vector<float> dog_kernel(std::size_t size, double sigma1, double sigma2) {
  require(size % 2 == 1, "dog_kernel: size must be odd, got ", size);
  require(sigma1 > 0 && sigma2 > 0 && sigma1 != sigma2,
          "dog_kernel: sigmas must be > 0 and differ, got ", sigma1, " and ", sigma2);
  const long h = long(size / 2);
  std::vector<double> k;
  for (long y = -h; y <= h; ++y)
    for (long x = -h; x <= h; ++x) {
      const double r2 = double(x * x + y * y);
      k.push_back((std::exp(-0.5 * r2 / (sigma1 * sigma1)) / (sigma1 * sigma1) -
                   std::exp(-0.5 * r2 / (sigma2 * sigma2)) / (sigma2 * sigma2)) /
                  (2 * M_PI));
    }
  const double mean = std::accumulate(k.begin(), k.end(), 0.0) / double(k.size());
  for (double& v : k) v -= mean;
  const double max = *std::max_element(k.begin(), k.end());
  std::vector<float> out(k.size());
  for (std::size_t q = 0; q < k.size(); ++q) out[q] = float(k[q] / max);
  return out;
}

struct dog_params {
  std::size_t size = 7;
  /// (sigma1, sigma2) per output channel: (1, 2) on-centre, (2, 1) off-centre.
  std::vector<std::pair<double, double>> sigmas{{1.0, 2.0}, {2.0, 1.0}};
  std::size_t padding = 3;
  float threshold = std::numeric_limits<float>::lowest();  // none (SpykeTorch: 50 on 0-255)
};

/// The shape of dog_filter's output for an image of height x width.
inline topology::grid3 dog_output(const dog_params& p, std::size_t height, std::size_t width) {
  const auto y =
      topology::window_axis::make("dog_filter", "height", height, p.size, 1, p.padding, 1);
  const auto x = topology::window_axis::make("dog_filter", "width", width, p.size, 1, p.padding, 1);
  return {p.sigmas.size(), y.out, x.out};
}

/// `image`: height x width, row-major. Returns the dog_output(p, height, width) grid's values.
inline std::vector<float> dog_filter(std::span<const float> image, std::size_t height,
                                     std::size_t width, const dog_params& p) {
  require(image.size() == height * width, "dog_filter: the image has ", image.size(),
          " values, not ", height, "x", width);
  require(!p.sigmas.empty(), "dog_filter: no kernels");
  const topology::grid3 g = dog_output(p, height, width);
  std::vector<float> out(g.size(), 0.0f);
  const long pad = long(p.padding), n = long(p.size);
  for (std::size_t c = 0; c < g.channels; ++c) {
    const auto k = dog_kernel(p.size, p.sigmas[c].first, p.sigmas[c].second);
    for (std::size_t oy = 0; oy < g.height; ++oy)
      for (std::size_t ox = 0; ox < g.width; ++ox) {
        double sum = 0;
        for (long qy = 0; qy < n; ++qy) {
          const long y = long(oy) - pad + qy;
          if (y < 0 || y >= long(height)) continue;
          for (long qx = 0; qx < n; ++qx) {
            const long x = long(ox) - pad + qx;
            if (x < 0 || x >= long(width)) continue;
            sum += double(k[std::size_t(qy * n + qx)]) *
                   image[std::size_t(y) * width + std::size_t(x)];
          }
        }
        const float v = float(sum);
        out[g.index(c, oy, ox)] = v < p.threshold ? 0.0f : v;
      }
  }
  return out;
}

/// Divides each value of `maps` (shape g) by its local mean over a (2·radius + 1)² window.
inline void local_normalization(std::span<float> maps, topology::grid3 g, std::size_t radius) {
  require(maps.size() == g.size(), "local_normalization: ", maps.size(), " values for a grid of ",
          g.size());
  const double area = double((2 * radius + 1) * (2 * radius + 1));
  std::vector<double> sat((g.height + 1) * (g.width + 1));  // summed-area table of one channel
  const auto at = [&](std::size_t y, std::size_t x) -> double& {
    return sat[y * (g.width + 1) + x];
  };
  for (std::size_t c = 0; c < g.channels; ++c) {
    std::fill(sat.begin(), sat.end(), 0.0);
    for (std::size_t y = 0; y < g.height; ++y)
      for (std::size_t x = 0; x < g.width; ++x)
        at(y + 1, x + 1) = maps[g.index(c, y, x)] + at(y, x + 1) + at(y + 1, x) - at(y, x);
    for (std::size_t y = 0; y < g.height; ++y)
      for (std::size_t x = 0; x < g.width; ++x) {
        const std::size_t y0 = y >= radius ? y - radius : 0, x0 = x >= radius ? x - radius : 0;
        const std::size_t y1 = std::min(g.height, y + radius + 1),
                          x1 = std::min(g.width, x + radius + 1);
        const double sum = at(y1, x1) - at(y0, x1) - at(y1, x0) + at(y0, x0);
        float& m = maps[g.index(c, y, x)];
        m = float(m / (sum / area + 1e-12));
      }
  }
}

}  // namespace spiketorch::encoding
