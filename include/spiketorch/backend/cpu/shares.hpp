// How the CPU's partitioning policies split a population of n neurons into P contiguous shares:
// the threads of a team (backend/cpu/team_execution.hpp) and the MPI ranks of a distributed
// network (distributed/distributed_execution.hpp) use the same rule and the same share loop.
#pragma once

#include "spiketorch/config.hpp"

#include <cstddef>

namespace spiketorch::backend {

/// Where share p of P of [0, n) starts: a multiple of 16, so that each share of a state array
/// starts on a cache line (core/aligned_vector.hpp) and no line is written by two threads.
inline std::size_t share_begin(std::size_t n, std::size_t p, std::size_t parts) {
  return p == parts ? n : n * p / parts / 16 * 16;
}

/// The most neurons in one share of a population of n (what a share's scratch must hold).
inline std::size_t max_share(std::size_t n, std::size_t parts) { return n / parts + 16; }

/// f(i) for i in [lo, hi), vectorised as cpu_execution::for_each is.
template <class F>
void for_each_in(std::size_t lo, std::size_t hi, F&& f) {
  auto body = f;  // as in cpu_execution: its captures become values the vectoriser can hoist
  SPIKETORCH_SIMD_LOOP
  for (std::size_t i = lo; i < hi; ++i) body(i);
}

}  // namespace spiketorch::backend
