// Recordings of a network (network/monitors.hpp) as xtensor arrays: `net.spike_raster<"E">()`
// [time, neuron] and `net.state_trace<"E">()` [frame, neuron], oldest first. A header of its own
// so that a network that records nothing does not parse xtensor.
#pragma once

#include "spiketorch/config.hpp"

#include <xtensor/xtensor.hpp>

#include "spiketorch/network/monitors.hpp"
#include "spiketorch/network/network.hpp"

namespace spiketorch::detail {

template <>
struct array_adaptor<xtensor_tag> {
  template <class T>
  static xt::xtensor<T, 2> frames(const frame_ring<T>& ring) {
    xt::xtensor<T, 2> out = xt::zeros<T>({ring.frames(), ring.width()});
    ring.copy_frames(out.data());
    return out;
  }
};

}  // namespace spiketorch::detail
