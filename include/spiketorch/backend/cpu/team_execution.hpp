// Several CPU threads step one network together (network_config::threads > 1), the way the
// threads of a CUDA block do (backend/cuda/execution.cuh): every thread of an OpenMP team runs
// the whole step (step/step.hpp) with this policy, and the policy splits the work.
//   for_each(n, f)     the thread's contiguous share of the loop, about [n·t/T, n·(t+1)/T);
//   target_share(n)    the same share of a projection's targets: delivery splits by target, each
//                      thread walking every spike but adding only into its own targets, so every
//                      target adds its inputs in the same order as with one thread;
//   barrier()          a team_barrier: the threads meet several times per step, microseconds
//                      apart, so they spin first; a thread whose partner is not running (a
//                      machine busy with other work) sleeps instead of spinning for its whole
//                      time slice, which OpenMP's own barrier does by default (milliseconds per
//                      barrier on a loaded machine);
//   single, compact    thread 0 alone, between barriers; a count reaches the others through
//                      `shared` (read by all before thread 0 can write it again: the next
//                      compaction starts with a barrier);
//   compact_flags      each thread its own share of the neurons, with one barrier (below);
//   alone()            the one-thread policy, for thread 0's learning (learns_alone).
// Each thread updates, resets and receives into the same share of a population, so the step
// leaves out the barriers that would only order one thread's work on its own neurons
// (step/step.hpp, owner_computes).
// So a network gives the same bits on any number of threads. The parts that thread 0 does alone
// (shared counters, the event recorder's writes) are short: spikes are sparse.
#pragma once

#include "spiketorch/config.hpp"

#if defined(SPIKETORCH_USE_OPENMP)

#include <atomic>
#include <cstdint>
#include <cstring>
#include <utility>

#include "spiketorch/backend/cpu/execution.hpp"
#include "spiketorch/backend/cpu/flag_scan.hpp"
#include "spiketorch/backend/cpu/shares.hpp"

namespace spiketorch::backend {

/// A reusable barrier for a team of `n` threads: arrivals count up, the last one starts the
/// next generation and wakes the sleepers.
class team_barrier {
 public:
  explicit team_barrier(std::uint32_t n) : n_(n) {}
  void wait() {
    const std::uint32_t generation = generation_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == n_) {
      arrived_.store(0, std::memory_order_relaxed);
      // Sequentially consistent, with the sleeper's two operations below: otherwise the last
      // arrival could miss a sleeper that has not yet seen the new generation (store buffering).
      generation_.fetch_add(1, std::memory_order_seq_cst);
      if (sleepers_.load(std::memory_order_seq_cst) > 0) generation_.notify_all();
      return;
    }
    // 1000 pauses (15-30 microseconds: a pause takes 30-65 cycles) cover the imbalance of one
    // stage on a machine whose cores are free.
    for (int spin = 0; spin < 1000; ++spin) {
      if (generation_.load(std::memory_order_acquire) != generation) return;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    while (generation_.load(std::memory_order_seq_cst) == generation)
      generation_.wait(generation, std::memory_order_acquire);
    sleepers_.fetch_sub(1, std::memory_order_acq_rel);
  }

 private:
  alignas(64) std::atomic<std::uint32_t> arrived_{0};
  alignas(64) std::atomic<std::uint32_t> generation_{0};
  alignas(64) std::atomic<std::uint32_t> sleepers_{0};
  std::uint32_t n_;
};

struct cpu_team_execution {
  static constexpr bool gathers = true;
  static constexpr bool partitions_targets = true;
  /// Thread 0 runs each step's learning alone (step/step.hpp, learns_alone): about eight
  /// meetings fewer per step, which cost more than the few synapses a step's spikes change.
  static constexpr bool learns_alone = true;
  cpu_execution alone() const { return {}; }

  std::size_t thread = 0, n_threads = 1;
  std::uint32_t* shared = nullptr;  // one count handed from thread 0 to the team
  team_barrier* meeting = nullptr;
  std::uint32_t* counts = nullptr;  // [2][n_threads]: each thread's spikes in compact_flags
  index_t* scratch = nullptr;       // this thread's: max_share(largest population) indices
  mutable std::uint64_t round = 0;  // this thread's compactions so far (each has its own copy)

  /// This thread's share of [0, n) (backend/cpu/shares.hpp).
  std::pair<std::size_t, std::size_t> target_share(std::size_t n) const {
    return {share_begin(n, thread, n_threads), share_begin(n, thread + 1, n_threads)};
  }

  template <class F>
  void for_each(std::size_t n, F&& f) const {
    const auto [lo, hi] = target_share(n);
    for_each_in(lo, hi, f);
  }

  void barrier() const { meeting->wait(); }

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

  /// Called right after the update pass, without a barrier: each thread reads only the flags of
  /// its own share [lo, hi), which it has just written. It resets its spiking neurons (their
  /// state stays in this core's cache) and lists them, ascending, in its own `scratch`: `out`
  /// may still be read by threads delivering the previous step. After one barrier every thread
  /// knows where its list starts in the whole one and copies it there. The shares are contiguous
  /// and in order, so the list ascends as with one thread. The counts alternate between two
  /// rows: a thread may start the next compaction while another still reads this one's row, but
  /// not the one after (that needs everyone at this one's barrier).
  template <class F>
  std::uint32_t compact_flags(const std::uint8_t* flags, std::uint32_t n, index_t* out,
                              F&& f) const {
    const auto [lo, hi] = target_share(n);
    std::uint32_t* row = counts + (round++ % 2) * n_threads;
    std::uint32_t c = 0;
    for_each_flag(flags, lo, hi, [&](std::size_t i) {
      f(i);
      scratch[c++] = static_cast<index_t>(i);
    });
    row[thread] = c;
    barrier();
    std::uint32_t start = 0, total = 0;
    for (std::size_t t = 0; t < n_threads; ++t) {
      if (t == thread) start = total;
      total += row[t];
    }
    std::memcpy(out + start, scratch, c * sizeof(index_t));
    return total;
  }

};

}  // namespace spiketorch::backend

#endif  // SPIKETORCH_USE_OPENMP
