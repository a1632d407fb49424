// The CPU runs a presentation as the step's loop (step/step.hpp) over the network's own host
// arrays: with one thread (backend/cpu/execution.hpp), or with a team of network_config::threads
// OpenMP threads that split every stage (backend/cpu/team_execution.hpp) and give the same bits.
#pragma once

#include "spiketorch/config.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "spiketorch/backend/concepts.hpp"
#include "spiketorch/backend/cpu/execution.hpp"
#include "spiketorch/backend/cpu/team_execution.hpp"
#include "spiketorch/backend/cpu/thread_sanitizer.hpp"
#include "spiketorch/core/array_map.hpp"
#include "spiketorch/step/step.hpp"
#if defined(SPIKETORCH_USE_OPENMP)
#include <omp.h>
#endif

namespace spiketorch::backend {

template <>
struct runner<cpu> {
  template <class Net>
  static void run(Net& net, std::uint64_t n_steps) {
    const auto view = net.view(host_map{});
#if defined(SPIKETORCH_USE_OPENMP)
    if (net.threads() > 1) {
      std::uint32_t shared = 0;
      std::optional<team_barrier> meeting;
      std::vector<std::uint32_t> counts;
      std::vector<index_t> scratch;
      std::size_t scratch_each = 0;
      // The region's start and end, and the barrier after `single`, order what the team does
      // (thread_sanitizer.hpp).
      tsan_release(&shared);
#pragma omp parallel num_threads(static_cast<int>(net.threads()))
      {
        tsan_acquire(&shared);
        // The team may be smaller than asked for (OMP_THREAD_LIMIT, nested parallelism).
        const auto size = static_cast<std::size_t>(omp_get_num_threads());
#pragma omp single
        {
          meeting.emplace(static_cast<std::uint32_t>(size));
          counts.assign(2 * size, 0);
          // Each thread's list of spikes before compact_flags places it: a share of the largest
          // layer, on its own cache lines.
          std::size_t largest = 0;
          static_for<std::remove_cvref_t<decltype(view)>::desc::n_layers>([&](auto ic) {
            largest = std::max(largest, tuple_at<decltype(ic)::value>(view.layers).size);
          });
          scratch_each = (cpu_team_execution::max_share(largest, size) + 15) / 16 * 16;
          scratch.assign(size * scratch_each, 0);
          net.ran_on_threads(size);
          tsan_release(&meeting);
        }
        tsan_acquire(&meeting);
        const auto thread = static_cast<std::size_t>(omp_get_thread_num());
        const cpu_team_execution team{thread, size, &shared, &*meeting, counts.data(),
                                      scratch.data() + thread * scratch_each};
        run_steps(team, view, n_steps);
        tsan_release(&scratch);
      }
      tsan_acquire(&scratch);
      return;
    }
#endif
    run_steps(cpu_execution{}, view, n_steps);
    net.ran_on_threads(1);
  }
};

}  // namespace spiketorch::backend
