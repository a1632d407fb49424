// Layers laid out as (channels, height, width) grids and the sliding windows that connect them:
// the geometry shared by the convolutional, locally connected and pooling topologies
// (topology/window2d.hpp). Neuron (c, y, x) of a grid is index (y·width + x)·channels + c:
// channels last (an HWC image, TensorFlow's NHWC), so that the maps of one position are
// neighbours in memory and a spike's delivery into them is a unit-stride loop.
#pragma once

#include "spiketorch/config.hpp"

#include <cstddef>

#include "spiketorch/core/errors.hpp"

namespace spiketorch::topology {

/// The shape of a layer seen as a stack of 2-D maps.
struct grid3 {
  std::size_t channels = 1;
  std::size_t height = 0;
  std::size_t width = 0;
  constexpr std::size_t size() const { return channels * height * width; }
  /// The index of neuron (c, y, x).
  constexpr std::size_t index(std::size_t c, std::size_t y, std::size_t x) const {
    return (y * width + x) * channels + c;
  }
  friend constexpr bool operator==(const grid3&, const grid3&) = default;
};

/// One axis of a window: output o covers inputs o·stride - padding + q·dilation, q < kernel.
/// All host-and-device functions are plain integer arithmetic.
struct window_axis {
  std::size_t in = 0, out = 0;
  std::size_t kernel = 1, stride = 1, padding = 0, dilation = 1;

  /// The outputs along this axis (the error names the axis and what does not fit).
  static window_axis make(const char* what, const char* axis, std::size_t in, std::size_t kernel,
                          std::size_t stride, std::size_t padding, std::size_t dilation) {
    require(kernel > 0, what, ": kernel size must be > 0");
    require(stride > 0, what, ": stride must be > 0");
    require(dilation > 0, what, ": dilation must be > 0");
    require(in > 0, what, ": input ", axis, " must be > 0");
    const std::size_t span = dilation * (kernel - 1) + 1, padded = in + 2 * padding;
    require(span <= padded, what, ": kernel (", kernel, " with dilation ", dilation, ", spanning ",
            span, ") is larger than the padded input ", axis, " (", in, " + 2·", padding, " = ",
            padded, ")");
    return {in, (padded - span) / stride + 1, kernel, stride, padding, dilation};
  }

  /// The kernel positions [first, last) whose input lies inside [0, in) for output o.
  SPIKETORCH_HD void taps(std::size_t o, std::size_t& first, std::size_t& last) const {
    const std::ptrdiff_t origin = std::ptrdiff_t(o * stride) - std::ptrdiff_t(padding);
    const std::ptrdiff_t d = std::ptrdiff_t(dilation);
    // The smallest q with origin + q·d >= 0, and one past the largest with origin + q·d < in.
    std::ptrdiff_t lo = origin >= 0 ? 0 : (-origin + d - 1) / d;
    std::ptrdiff_t hi =
        std::ptrdiff_t(in) - 1 - origin < 0 ? 0 : (std::ptrdiff_t(in) - 1 - origin) / d + 1;
    if (hi > std::ptrdiff_t(kernel)) hi = std::ptrdiff_t(kernel);
    if (lo > hi) lo = hi;
    first = std::size_t(lo);
    last = std::size_t(hi);
  }
  /// The input under kernel position q of output o (inside [0, in) for q in taps(o)).
  SPIKETORCH_HD std::size_t input_at(std::size_t o, std::size_t q) const {
    return o * stride + q * dilation - padding;
  }
  /// Calls f(o, q) for every output o whose window holds input x at kernel position q, in
  /// increasing o (decreasing q).
  template <class F>
  SPIKETORCH_HD void for_each_output(std::size_t x, F&& f) const {
    // o·stride + q·dilation = t for 0 <= q < kernel: o in [ceil((t - span) / stride), t / stride].
    const std::size_t t = x + padding, reach = (kernel - 1) * dilation;
    std::size_t o = t > reach ? (t - reach + stride - 1) / stride : 0;
    std::size_t last = t / stride;
    if (last >= out) last = out - 1;
    for (; o <= last; ++o) {
      const std::size_t r = t - o * stride;  // = q·dilation
      if (dilation == 1) {
        f(o, r);
      } else if (r % dilation == 0) {
        f(o, r / dilation);
      }
    }
  }
  /// The kernel position at which output o's window holds input x, or kernel if none.
  SPIKETORCH_HD std::size_t position_of(std::size_t x, std::size_t o) const {
    const std::ptrdiff_t t =
        std::ptrdiff_t(x + padding) - std::ptrdiff_t(o * stride);  // = q·dilation
    if (t < 0 || std::size_t(t) % dilation != 0) return kernel;
    const std::size_t q = std::size_t(t) / dilation;
    return q < kernel ? q : kernel;
  }
};

}  // namespace spiketorch::topology
