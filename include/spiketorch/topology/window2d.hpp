// Sliding-window topologies between (channels, height, width) layers, channels last
// (topology/grid.hpp):
//
//   conv2d   shared kernels: kernel x kernel x in_channels x out_channels weights, stored
//            [qy][qx][c][o] (TensorFlow's HWIO; `kernel_index`), stride, padding, dilation;
//   local2d  the same windows with a kernel of its own at every output position (BindsNET's
//            LocalConnection): [output position][qy][qx][c][o];
//   pool2d   one window per channel (channel c feeds channel c only) with one kernel x kernel
//            weight array shared by all channels: a constant weight 1 sums the window, 1/k²
//            averages it, and into neurons that fire once (neurons/fire_once.hpp) it passes the
//            window's earliest spike (max pooling of single-spike codes, as SpykeTorch's).
//
// Delivery is event-driven: a presynaptic spike visits the output positions whose window holds
// it, and at each the maps in a unit-stride run of targets and weights (the output maps are the
// innermost index of both). Each pair is visited once, with the index of the weight that joins
// it (a kernel entry where weights are shared: conv2d and pool2d report `shares_weights`, and
// per-synapse learning rules and normalisation refuse them). Positions in the padding have no
// synapse.
#pragma once

#include "spiketorch/config.hpp"

#include <span>
#include <type_traits>
#include <vector>

#include "spiketorch/core/array_map.hpp"
#include "spiketorch/core/random.hpp"
#include "spiketorch/topology/concepts.hpp"
#include "spiketorch/topology/grid.hpp"

namespace spiketorch::topology {

enum class window_weights { shared, unshared, per_channel_shared };

/// conv2d and local2d: the windows from `input` into out_channels maps.
struct conv_params {
  grid3 input{};
  std::size_t out_channels = 1;
  std::size_t kernel = 3;
  std::size_t stride = 1;
  std::size_t padding = 0;
  std::size_t dilation = 1;
};
/// pool2d: windows of each channel of `input` into the same channel; 2x2 windows, 2 apart, by
/// default (a stride has no "same as the kernel" value here: give both).
struct pool_params {
  grid3 input{};
  std::size_t kernel = 2;
  std::size_t stride = 2;
  std::size_t padding = 0;
};

/// The sizes of both layers and of the windows: plain integers for the view.
struct window_geometry {
  std::size_t in_channels = 0, out_channels = 0;
  window_axis y{}, x{};
  SPIKETORCH_HD std::size_t in_plane() const { return y.in * x.in; }
  SPIKETORCH_HD std::size_t out_plane() const { return y.out * x.out; }
  SPIKETORCH_HD std::size_t taps() const { return y.kernel * x.kernel; }
  grid3 input() const { return {in_channels, y.in, x.in}; }
  grid3 output() const { return {out_channels, y.out, x.out}; }
};

template <window_weights Kind>
class window2d : public visits_through_view<window2d<Kind>> {
 public:
  using params =
      std::conditional_t<Kind == window_weights::per_channel_shared, pool_params, conv_params>;
  static constexpr bool shares_weights = Kind != window_weights::unshared;
  static constexpr const char* name = Kind == window_weights::shared     ? "conv2d"
                                      : Kind == window_weights::unshared ? "local2d"
                                                                         : "pool2d";

  /// The geometry of params p, checked: what the target layer must hold is output().size().
  static window_geometry geometry(const params& p) {
    window_geometry g;
    g.in_channels = p.input.channels;
    require(p.input.channels > 0, name, ": input channels must be > 0");
    if constexpr (Kind == window_weights::per_channel_shared) {
      g.out_channels = p.input.channels;
      g.y = window_axis::make(name, "height", p.input.height, p.kernel, p.stride, p.padding, 1);
      g.x = window_axis::make(name, "width", p.input.width, p.kernel, p.stride, p.padding, 1);
    } else {
      require(p.out_channels > 0, name, ": out_channels must be > 0");
      g.out_channels = p.out_channels;
      g.y = window_axis::make(name, "height", p.input.height, p.kernel, p.stride, p.padding,
                              p.dilation);
      g.x = window_axis::make(name, "width", p.input.width, p.kernel, p.stride, p.padding,
                              p.dilation);
    }
    return g;
  }
  /// The shape of the target layer for params p.
  static grid3 output_of(const params& p) { return geometry(p).output(); }

  struct view_type {
    static constexpr bool contiguous_rows = false;
    static constexpr bool one_source_per_target = false;
    static constexpr bool shares_weights = window2d::shares_weights;
    // On a device: a thread per block of targets scatters the step's spikes into it
    // (step/stages.hpp); a spike touches a block in a few of its positions at most.
    static constexpr bool scatters_in_blocks = true;
    static constexpr std::size_t block_targets = 256;
    real* w;
    std::size_t n_pre, n_post;  // n_post: the stored targets, col0..col0 + n_post of the layer
    std::size_t col0;
    std::size_t w0;  // local2d: the index in the whole projection of stored weight 0
    window_geometry g;

    /// The weight joining input channel c at taps (qy, qx) to map o at output position s.
    SPIKETORCH_HD std::size_t weight_index(std::size_t s, std::size_t o, std::size_t c,
                                           std::size_t qy, std::size_t qx) const {
      const std::size_t tap = qy * g.x.kernel + qx;
      if constexpr (Kind == window_weights::shared)
        return (tap * g.in_channels + c) * g.out_channels + o;
      else if constexpr (Kind == window_weights::unshared)
        return ((s * g.taps() + tap) * g.in_channels + c) * g.out_channels + o - w0;
      else
        return tap;
    }
    template <class F>
    SPIKETORCH_HD void for_each_target(index_t i, F&& f) const {
      for_each_target_between(i, 0, n_post, f);
    }
    /// The targets in [lo, hi) only (a thread's share: step/stages.hpp, for_each_target_in),
    /// found without visiting the others: the output positions of the window, then the maps
    /// whose neuron there lies in the range.
    template <class F>
    SPIKETORCH_HD void for_each_target_between(index_t i, std::size_t lo, std::size_t hi,
                                               F&& f) const {
      const std::size_t c = std::size_t(i) % g.in_channels, p = std::size_t(i) / g.in_channels;
      const std::size_t glo = lo + col0, ghi = hi + col0;  // as indices of the whole layer
      const std::size_t maps = g.out_channels;
      g.y.for_each_output(p / g.x.in, [&](std::size_t oy, std::size_t qy) {
        g.x.for_each_output(p % g.x.in, [&](std::size_t ox, std::size_t qx) {
          const std::size_t s = oy * g.x.out + ox;
          if constexpr (Kind == window_weights::per_channel_shared) {
            const std::size_t j = s * maps + c;
            if (j >= glo && j < ghi) f(index_t(j - col0), qy * g.x.kernel + qx);
          } else {
            // Maps o with glo <= s·maps + o < ghi.
            const std::size_t base = s * maps;
            const std::size_t o_lo = glo > base ? glo - base : 0;
            const std::size_t o_hi = ghi > base ? (ghi - base < maps ? ghi - base : maps) : 0;
            if (o_lo >= o_hi) return;
            const std::size_t j0 = base - col0, k0 = weight_index(s, 0, c, qy, qx);
            SPIKETORCH_SIMD_LOOP
            for (std::size_t o = o_lo; o < o_hi; ++o) f(index_t(j0 + o), k0 + o);
          }
        });
      });
    }
    SPIKETORCH_HD std::size_t find(index_t i, index_t local) const {
      const std::size_t j = std::size_t(local) + col0;
      const std::size_t c = std::size_t(i) % g.in_channels, p = std::size_t(i) / g.in_channels;
      const std::size_t o = j % g.out_channels, s = j / g.out_channels;
      if (Kind == window_weights::per_channel_shared && c != o) return no_synapse;
      const std::size_t qy = g.y.position_of(p / g.x.in, s / g.x.out);
      const std::size_t qx = g.x.position_of(p % g.x.in, s % g.x.out);
      if (qy == g.y.kernel || qx == g.x.kernel) return no_synapse;
      return weight_index(s, o, c, qy, qx);
    }
    /// The synapses onto target j are its window's inside taps, row by row, each with the
    /// channels in order (one for pooling): increasing source index with q.
    SPIKETORCH_HD std::size_t n_sources(index_t local) const {
      std::size_t y0, y1, x0, x1;
      window((std::size_t(local) + col0) / g.out_channels, y0, y1, x0, x1);
      return channels_per_tap() * (y1 - y0) * (x1 - x0);
    }
    SPIKETORCH_HD synapse_ref source(index_t local, std::size_t q) const {
      const std::size_t j = std::size_t(local) + col0;
      const std::size_t o = j % g.out_channels, s = j / g.out_channels;
      std::size_t y0, y1, x0, x1;
      window(s, y0, y1, x0, x1);
      const std::size_t per_tap = channels_per_tap(), nx = x1 - x0, r = q / per_tap;
      const std::size_t c = Kind == window_weights::per_channel_shared ? o : q % per_tap;
      const std::size_t qy = y0 + r / nx, qx = x0 + r % nx;
      const std::size_t y = g.y.input_at(s / g.x.out, qy), x = g.x.input_at(s % g.x.out, qx);
      return {index_t((y * g.x.in + x) * g.in_channels + c), weight_index(s, o, c, qy, qx)};
    }

   private:
    SPIKETORCH_HD std::size_t channels_per_tap() const {
      return Kind == window_weights::per_channel_shared ? 1 : g.in_channels;
    }
    SPIKETORCH_HD void window(std::size_t s, std::size_t& y0, std::size_t& y1, std::size_t& x0,
                              std::size_t& x1) const {
      g.y.taps(s / g.x.out, y0, y1);
      g.x.taps(s % g.x.out, x0, x1);
    }
  };

  window2d() = default;
  window2d(std::size_t n_pre, std::size_t n_post, const params& p = {})
      : window2d(n_pre, n_post, p, random_stream{}, column_range{0, n_post}) {}
  /// The synapses into targets c (topology/concepts.hpp, column_range) only. A shared kernel is
  /// stored whole by every share; local2d stores the kernels of the output positions its
  /// targets lie at.
  window2d(std::size_t n_pre, std::size_t n_post, const params& p, random_stream, column_range c)
      : g_(geometry(p)), n_post_(c.count), col0_(c.first) {
    require(n_pre == g_.input().size(), name, ": the source layer has ", n_pre,
            " neurons, but the input grid is ", g_.in_channels, "x", g_.y.in, "x", g_.x.in, " = ",
            g_.input().size());
    require(n_post == g_.output().size(), name, ": the target layer has ", n_post,
            " neurons, but the output grid is ", g_.out_channels, "x", g_.y.out, "x", g_.x.out,
            " = ", g_.output().size(), " (", name, "::output_of(params))");
    require(c.first + c.count <= n_post, name, ": targets ", c.first, "..", c.first + c.count,
            " outside the ", n_post, " of the layer");
    std::size_t stored = g_.taps();
    if constexpr (Kind == window_weights::shared) {
      stored = g_.taps() * g_.in_channels * g_.out_channels;
    } else if constexpr (Kind == window_weights::unshared) {
      const std::size_t first = c.first / g_.out_channels;
      const std::size_t last = c.count == 0 ? first : (c.first + c.count - 1) / g_.out_channels + 1;
      w0_ = first * per_position();
      stored = (last - first) * per_position();
    }
    w_.assign(stored, real(0));
  }

  std::size_t n_pre() const { return g_.input().size(); }
  std::size_t n_post() const { return n_post_; }
  /// The weights (a kernel entry joins many pairs where weights are shared).
  std::size_t n_synapses() const { return w_.size(); }
  std::span<real> weights() { return w_; }
  std::span<const real> weights() const { return w_; }
  std::uint64_t whole_synapses() const {
    return Kind == window_weights::unshared ? std::uint64_t(g_.out_plane()) * per_position()
                                            : w_.size();
  }
  /// The index in the whole projection of stored weight k.
  std::uint64_t global_weight(std::size_t k) const { return w0_ + k; }
  std::uint64_t global_synapse(index_t, std::size_t k) const { return global_weight(k); }

  /// The index of kernel entry (map o, input channel c, taps qy, qx) in weights(): of conv2d,
  /// and of pool2d (o = c, one kernel); local2d's kernels differ by output position s.
  std::size_t kernel_index(std::size_t o, std::size_t c, std::size_t qy, std::size_t qx,
                           std::size_t s = 0) const {
    return view().weight_index(s, o, c, qy, qx);
  }

  const window_geometry& geometry() const { return g_; }
  grid3 input() const { return g_.input(); }
  grid3 output() const { return g_.output(); }

  template <class Map>
  view_type view(Map&& m, bool learning) {
    return {learning ? m.state(w_) : m.constant(w_), n_pre(), n_post_, col0_, w0_, g_};
  }
  view_type view() const {
    return {const_cast<real*>(w_.data()), n_pre(), n_post_, col0_, w0_, g_};
  }

  static constexpr bool contiguous_rows = false;

 private:
  std::size_t per_position() const { return g_.taps() * g_.in_channels * g_.out_channels; }

  window_geometry g_{};
  std::size_t n_post_ = 0, col0_ = 0;
  std::size_t w0_ = 0;
  std::vector<real> w_;
};

using conv2d = window2d<window_weights::shared>;
using local2d = window2d<window_weights::unshared>;
using pool2d = window2d<window_weights::per_channel_shared>;

static_assert(Topology<conv2d> && Topology<local2d> && Topology<pool2d>);

}  // namespace spiketorch::topology
