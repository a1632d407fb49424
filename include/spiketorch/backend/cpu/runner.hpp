// The CPU runs a presentation as the step's loop (step/step.hpp) over the network's own host
// arrays: with one thread (backend/cpu/execution.hpp), with a team of network_config::threads
// OpenMP threads that split every stage (backend/cpu/team_execution.hpp), or as one of the MPI
// ranks of network_config::ranks (distributed/distributed_execution.hpp); all give the same bits.
#pragma once

#include "spiketorch/config.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "spiketorch/backend/concepts.hpp"
#include "spiketorch/backend/cpu/execution.hpp"
#include "spiketorch/backend/cpu/flush_subnormals.hpp"
#include "spiketorch/backend/cpu/shares.hpp"
#include "spiketorch/backend/cpu/team_execution.hpp"
#include "spiketorch/backend/cpu/thread_sanitizer.hpp"
#include "spiketorch/core/array_map.hpp"
#include "spiketorch/distributed/distributed_execution.hpp"
#include "spiketorch/distributed/gather_state.hpp"
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
    const subnormals_flushed flushed;  // this thread's (a team's threads set their own)
#if defined(SPIKETORCH_USE_MPI)
    if (net.ranks().distributed()) {
      run_distributed(net, view, n_steps);
      return;
    }
#endif
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
        const subnormals_flushed flushed_here;
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
          scratch_each = (max_share(largest, size) + 15) / 16 * 16;
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

#if defined(SPIKETORCH_USE_MPI)
  /// One rank's part of a run over MPI ranks (distributed/distributed_execution.hpp), then
  /// the state of every rank's neurons to all.
  template <class Net, class View>
  static void run_distributed(Net& net, const View& view, std::uint64_t n_steps) {
    const rank_group& g = net.ranks();
    const auto n_ranks = static_cast<std::size_t>(g.size);
    std::size_t populations = 0, most = 0;
    static_for<View::desc::n_layers>([&](auto ic) {
      using layer = typename View::desc::template layer_t<decltype(ic)::value>;
      if constexpr (!layer::is_input && !layer::is_subgroup) {
        ++populations;
        most += max_share(tuple_at<decltype(ic)::value>(view.layers).size, n_ranks);
      }
    });
    spike_exchange exchange(populations, most, n_ranks, net.exchange_interval(view.learning));
    const distributed_execution pol{g.comm(), static_cast<std::size_t>(g.rank), n_ranks,
                                    &exchange, &net.exchange_stats()};
    run_steps(pol, view, n_steps);
    gather_owned_state(pol, view);
    net.ran_on_threads(1);
  }
#endif
};

}  // namespace spiketorch::backend
