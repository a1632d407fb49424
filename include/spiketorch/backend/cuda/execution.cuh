// How the step (step/step.hpp) runs on a GPU: one thread block runs one network (or one sample
// of an evaluation batch); every loop of the step is split over the block's threads (thread k
// takes iterations k, k + blockDim.x, ...), and a barrier is __syncthreads(). The interface is
// the CPU's (backend/cpu/execution.hpp describes it).
//
// Determinism: nothing depends on thread scheduling. Compaction keeps index order (warp ballot
// plus prefix sums over warps, chunk by chunk), so spike lists come out in increasing index as
// on the CPU; `gathers` makes the step give each target to one thread, which adds the spikes in
// list order (no atomics), so every sum happens in the CPU's order.
#pragma once

#include "spiketorch/config.hpp"

#if !defined(__CUDACC__) && !defined(SPIKETORCH_CUDA_EMULATION)
#error "spiketorch/backend/cuda/execution.cuh contains device code: compile it with nvcc (or define SPIKETORCH_CUDA_EMULATION)"
#endif

#include <cstddef>
#include <cstdint>

#include "spiketorch/backend/cuda/runtime.hpp"

// Device code: the host pass of nvcc sees empty bodies (these functions are only called from the
// kernel), the emulation sees the device code.
#if defined(__CUDA_ARCH__) || defined(SPIKETORCH_CUDA_EMULATION)
#define SPIKETORCH_DEVICE_PASS 1
#endif

namespace spiketorch::backend {

struct cuda_block_execution {
  static constexpr bool gathers = true;
  static constexpr bool partitions_targets = false;
  /// Shared memory for compaction: per (chunk, warp) counts, then chunk totals.
  static constexpr std::uint32_t scratch_words = 32 * 32 + 32;
  std::uint32_t* scratch;

  template <class F>
  SPIKETORCH_HD void for_each(std::size_t n, F&& f) const {
#if defined(SPIKETORCH_DEVICE_PASS)
    for (std::size_t i = threadIdx.x; i < n; i += blockDim.x) f(i);
#endif
  }

  SPIKETORCH_HD void barrier() const {
#if defined(SPIKETORCH_DEVICE_PASS)
    __syncthreads();
#endif
  }

  template <class F>
  SPIKETORCH_HD void single(F&& f) const {
#if defined(SPIKETORCH_DEVICE_PASS)
    if (threadIdx.x == 0) f();
#endif
  }

  /// Order-preserving compaction, up to min(32, warps) chunks of blockDim.x items at a time (a
  /// group): item i = first + c * blockDim.x + threadIdx.x of chunk c is read by its thread into
  /// registers, then three barriers per group: counts per (chunk, warp) by ballot; offsets
  /// within each chunk (warp c scans chunk c); offsets of the chunks. Reading before writing
  /// lets `out` overwrite the items (every write lands at or before the group's first item
  /// still unread). Every thread must call it; blockDim.x must be a multiple of 32. Ends with a
  /// barrier, so `out` is visible on return.
  template <class Keep, class Value>
  SPIKETORCH_HD std::uint32_t compact(std::uint32_t n, Keep&& keep, Value&& value,
                                      index_t* out) const {
#if defined(SPIKETORCH_DEVICE_PASS)
    const std::uint32_t nt = blockDim.x;
    const std::uint32_t lane = threadIdx.x & 31u, warp = threadIdx.x >> 5;
    const std::uint32_t n_warps = nt >> 5;
    const std::uint32_t below = (1u << lane) - 1u;
    const std::uint32_t group_chunks = n_warps < 32 ? n_warps : 32;
    std::uint32_t* count = scratch;  // [chunk][warp]
    std::uint32_t* chunk_total = scratch + 32 * 32;
    std::uint32_t base = 0;
    for (std::uint32_t first = 0; first < n; first += group_chunks * nt) {
      const std::uint32_t left = (n - first + nt - 1) / nt;
      const std::uint32_t chunks = left < group_chunks ? left : group_chunks;
      std::uint32_t mask = 0;
      index_t values[32];
      for (std::uint32_t c = 0; c < chunks; ++c) {
        const std::uint32_t i = first + c * nt + threadIdx.x;
        if (i < n && keep(i)) {
          mask |= 1u << c;
          values[c] = value(i);
        }
      }
      for (std::uint32_t c = 0; c < chunks; ++c) {
        const std::uint32_t b = __ballot_sync(0xffffffffu, (mask >> c) & 1u);
        if (lane == 0) count[c * 32 + warp] = __popc(b);
      }
      __syncthreads();
      {  // warp c: offsets of the warps within chunk c
        const bool mine = warp < chunks && lane < n_warps;
        const std::uint32_t x = mine ? count[warp * 32 + lane] : 0u;
        const std::uint32_t incl = inclusive_scan(x);
        if (mine) count[warp * 32 + lane] = incl - x;
        const std::uint32_t total = __shfl_sync(0xffffffffu, incl, 31);
        if (warp < chunks && lane == 0) chunk_total[warp] = total;
      }
      __syncthreads();
      const std::uint32_t y = lane < chunks ? chunk_total[lane] : 0u;
      const std::uint32_t incl = inclusive_scan(y);
      const std::uint32_t chunk_offset = base + incl - y;  // lane c: where chunk c starts
      const std::uint32_t group_total = __shfl_sync(0xffffffffu, incl, 31);
      for (std::uint32_t c = 0; c < chunks; ++c) {
        const std::uint32_t b = __ballot_sync(0xffffffffu, (mask >> c) & 1u);
        const std::uint32_t start = __shfl_sync(0xffffffffu, chunk_offset, c);
        if ((mask >> c) & 1u) out[start + count[c * 32 + warp] + __popc(b & below)] = values[c];
      }
      __syncthreads();  // scratch is reused by the next group; `out` is complete
      base += group_total;
    }
    return base;
#else
    (void)n, (void)keep, (void)value, (void)out;
    return 0;
#endif
  }

  template <class F>
  SPIKETORCH_HD std::uint32_t compact_flags(const std::uint8_t* flags, std::uint32_t n,
                                            index_t* out, F&& f) const {
    return compact(
        n,
        [&](std::uint32_t i) {
          if (flags[i] == 0) return false;
          f(i);
          return true;
        },
        [](std::uint32_t i) { return static_cast<index_t>(i); }, out);
  }

 private:
  /// Inclusive prefix sum over the 32 lanes of a warp (all lanes must call it).
  SPIKETORCH_HD static std::uint32_t inclusive_scan(std::uint32_t x) {
#if defined(SPIKETORCH_DEVICE_PASS)
    const std::uint32_t lane = threadIdx.x & 31u;
    for (std::uint32_t offset = 1; offset < 32; offset <<= 1) {
      const std::uint32_t y = __shfl_up_sync(0xffffffffu, x, offset);
      if (lane >= offset) x += y;
    }
#endif
    return x;
  }
};

}  // namespace spiketorch::backend
