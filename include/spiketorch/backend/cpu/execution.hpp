// How the step (network/step.hpp) runs on the CPU: one thread walks every loop in order
// (several threads: backend/cpu/team_execution.hpp). The step is written against this small
// interface, which the CUDA backend implements with the threads of a block
// (backend/cuda/execution.cuh):
//   for_each(n, f)            f(i) for i in [0, n); iterations are independent by contract;
//   barrier()                 every iteration issued before is complete and visible;
//   single(f)                 f() once (shared counters);
//   compact(n, keep, value, out)  out[0..c) = value(i) for the i in [0, n) with keep(i), in
//                             increasing i; returns c to every caller. keep(i) is called once
//                             for every i, then value(i) if kept, by one thread, before anything
//                             is written to `out`: keep may update what belongs to item i alone,
//                             and `out` may alias what `value` reads (in-place filtering);
//   compact_flags(flags, n, out, f)  the indices i with flags[i] != 0, increasing, calling
//                             f(i) once for each;
//   gathers                   whether work over synapses is split by target (every target walks
//                             the spike list: no two threads write one target) or done spike by
//                             spike (a presynaptic spike scatters its row: the fast order for
//                             one thread). Both add the same values in the same order per target;
//   partitions_targets        whether delivery splits the targets into shares instead
//                             (target_share(n): this thread's [lo, hi); team_execution.hpp).
#pragma once

#include "spiketorch/config.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "spiketorch/backend/cpu/flag_scan.hpp"

namespace spiketorch::backend {

struct cpu_execution {
  static constexpr bool gathers = false;
  static constexpr bool partitions_targets = false;

  template <class F>
  void for_each(std::size_t n, F&& f) const {
    // A local copy of the body: its captured constants are then values that no store in the
    // loop can change, so the compiler keeps them in registers and vectorises.
    auto body = f;
    SPIKETORCH_SIMD_LOOP
    for (std::size_t i = 0; i < n; ++i) body(i);
  }

  SPIKETORCH_HD void barrier() const {}  // also callable from the step's lambdas under nvcc

  template <class F>
  void single(F&& f) const {
    f();
  }

  template <class Keep, class Value>
  std::uint32_t compact(std::uint32_t n, Keep&& keep, Value&& value, index_t* out) const {
    std::uint32_t c = 0;
    for (std::uint32_t i = 0; i < n; ++i)
      if (keep(i)) out[c++] = value(i);
    return c;
  }

  template <class F>
  std::uint32_t compact_flags(const std::uint8_t* flags, std::uint32_t n, index_t* out,
                              F&& f) const {
    std::uint32_t c = 0;
    for_each_flag(flags, 0, n, [&](std::size_t i) {
      f(i);
      out[c++] = static_cast<index_t>(i);
    });
    return c;
  }
};

}  // namespace spiketorch::backend
