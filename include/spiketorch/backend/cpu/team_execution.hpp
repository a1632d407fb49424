// Several CPU threads step one network together (network_config::threads > 1), the way the
// threads of a CUDA block do (backend/cuda/execution.cuh): every thread of an OpenMP team runs
// the whole step (step/step.hpp) with this policy, and the policy splits the work.
//   for_each(n, f)     the thread's contiguous share [n·t/T, n·(t+1)/T) of the loop;
//   target_share(n)    the same share of a projection's targets: delivery splits by target, each
//                      thread walking every spike but adding only into its own targets, so every
//                      target adds its inputs in the same order as with one thread;
//   barrier()          an OpenMP barrier;
//   single, compact    thread 0 alone, between barriers; a count reaches the others through
//                      `shared` (read by all before thread 0 can write it again: the next
//                      compaction starts with a barrier).
// So a network gives the same bits on any number of threads. The parts that thread 0 does alone
// (the spike list of each population, shared counters) are short: spikes are sparse.
#pragma once

#include "spiketorch/config.hpp"

#if defined(SPIKETORCH_USE_OPENMP)

#include <cstdint>
#include <cstring>
#include <utility>

#include "spiketorch/backend/cpu/execution.hpp"

namespace spiketorch::backend {

struct cpu_team_execution {
  static constexpr bool gathers = true;
  static constexpr bool partitions_targets = true;

  std::size_t thread = 0, n_threads = 1;
  std::uint32_t* shared = nullptr;  // one count handed from thread 0 to the team

  std::pair<std::size_t, std::size_t> target_share(std::size_t n) const {
    return {n * thread / n_threads, n * (thread + 1) / n_threads};
  }

  template <class F>
  void for_each(std::size_t n, F&& f) const {
    const auto [lo, hi] = target_share(n);
    auto body = f;  // as in cpu_execution: its captures become values the vectoriser can hoist
    SPIKETORCH_SIMD_LOOP
    for (std::size_t i = lo; i < hi; ++i) body(i);
  }

  void barrier() const {
#pragma omp barrier
  }

  template <class F>
  void single(F&& f) const {
    if (thread == 0) f();
  }

  template <class Keep, class Value>
  std::uint32_t compact(std::uint32_t n, Keep&& keep, Value&& value, index_t* out) const {
    barrier();
    if (thread == 0) *shared = cpu_execution{}.compact(n, keep, value, out);
    barrier();
    return *shared;
  }

  template <class F>
  std::uint32_t compact_flags(const std::uint8_t* flags, std::uint32_t n, index_t* out,
                              F&& f) const {
    barrier();
    if (thread == 0) *shared = cpu_execution{}.compact_flags(flags, n, out, f);
    barrier();
    return *shared;
  }
};

}  // namespace spiketorch::backend

#endif  // SPIKETORCH_USE_OPENMP
