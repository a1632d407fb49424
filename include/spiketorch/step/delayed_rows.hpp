// Delivery through dense rows with per-synapse delays (the input -> excitatory projection of
// Diehl & Cook): for every spike i and every target j, ring slot d_ij of target j gains w_ij.
// At N = 6,400 this is most of a training example (2,230 input spikes, 6,400 adds each).
// Spike by spike, each spike walks the whole ring (21 slots × 6,400 floats at dt = 0.5 ms,
// 525 KiB) out of L2; here the targets go in blocks whose part of the ring stays in L1 while
// every spike of the step adds into it. Each target still takes the spikes in their order, so
// every float gets the same sum. (An AVX-512 gather, add and scatter of 16 targets at once was
// no faster than this loop on the Xeon it was tried on, blocked or not.)
#pragma once

#include "spiketorch/config.hpp"

#include <cstddef>

#include "spiketorch/core/delay_ring.hpp"
#include "spiketorch/topology/delays.hpp"

namespace spiketorch::stages {

/// Targets per block: the ring's part of a block fills about 16 KiB (a third of a small L1).
/// Measured at 21 slots × 6,400 targets (0.83-0.87 ns per add against 1.07-1.2 spike by
/// spike); 8 and 32 KiB were about as fast, 128 KiB as slow as no blocks.
SPIKETORCH_HD inline std::size_t targets_per_ring_block(std::size_t slots) {
  std::size_t b = 16384 / (slots * sizeof(real));
  b -= b % 16;
  return b < 64 ? 64 : b;
}

/// Every spike of `pre` through its row of `topo` (dense rows: synapse k = row_begin(i) + j),
/// into targets [lo, hi) of the ring whose current slot is `head`.
SPIKETORCH_EXEC_CHECK_DISABLE
template <class Rows, class Spikes>
SPIKETORCH_HD void scatter_rows_delayed(const Rows& topo, const Spikes& pre,
                                        const delays::steps_t* __restrict d,
                                        const real* __restrict w, const delay_ring_view& ring,
                                        std::size_t lo, std::size_t hi) {
  real* __restrict buf = ring.data;
  const std::size_t* __restrict off = ring.offsets;
  const std::size_t block = pre.size > 1 ? targets_per_ring_block(ring.slots) : hi - lo;
  for (std::size_t b = lo; b < hi; b += block) {
    const std::size_t e = hi - b > block ? b + block : hi;
    for (index_t i : pre) {
      const std::size_t base = topo.row_begin(i);
      for (std::size_t j = b; j < e; ++j) buf[off[d[base + j]] + j] += w[base + j];
    }
  }
}

}  // namespace spiketorch::stages
