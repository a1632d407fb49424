// Several processes (MPI ranks, network_config::ranks) step one network together. Each rank
// holds every population's state, built alike from the seed, and of each projection the
// synapses into its own share of the targets (network::stored_columns), with their delays,
// spikes in flight and learning state. It runs the steps in the order of step/step.hpp
// (run_steps_exchanging) with this policy:
//   for_each_owned(n, f)  the rank's share of a population's neurons, [n·r/R, n·(r+1)/R) rounded
//                         as a CPU team rounds it: the neuron update. Only the owner's copy of a
//                         neuron's state is current during a run;
//   local()               the policy of one process, for the synapses the rank stores: it
//                         delivers every spike of the step into its own targets, in increasing
//                         source order as one process does, and runs the learning rule of those
//                         synapses with the postsynaptic spikes of its targets
//                         (stages::deliver_stored, stages::learn_stored);
//   list_spikes,          the spike exchange: during the update each rank lists the spikes of
//   exchange_spikes,      its share of each population; at the end of the update stage of
//   unpack_step           every exchange interval (network::exchange_interval: every step, or
//                         the shortest delay + 1 steps where every synapse has a delay) one
//                         MPI_Allgather of a block per rank (the counts, then the indices) gives
//                         every rank every population's whole lists of those steps; unpack_step
//                         puts a step's together, ascending (the shares are in rank order). The
//                         block's size is agreed from the previous exchange's longest list; a
//                         rank whose list is longer sends the rest in a second collective
//                         (MPI_Allgatherv), so an exchange costs one collective as a rule;
//   for_each, single      the whole loop on every rank: what every rank needs whole (the spike
//                         counts and recorders) is computed alike by all, from the same lists;
//   barrier()             nothing: no memory is shared.
// After the run, gather_owned_state (distributed/gather_state.hpp) copies every share of the
// per-neuron state to every rank, so between runs each rank holds every population's state, the
// same bits as a single process; the synapses stay with their targets' owners
// (network::gather_weights collects them).
#pragma once

#include "spiketorch/config.hpp"

#if defined(SPIKETORCH_USE_MPI)

#include <mpi.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "spiketorch/backend/cpu/execution.hpp"
#include "spiketorch/backend/cpu/flag_scan.hpp"
#include "spiketorch/backend/cpu/shares.hpp"
#include "spiketorch/distributed/rank_group.hpp"

namespace spiketorch::backend {

/// The buffers of the spike exchange of one run (runner<cpu>::run_distributed sizes them). An
/// exchange carries the lists of up to `interval` steps (network::exchange_interval): H =
/// interval x P counts, step after step, then the indices in the same order.
struct spike_exchange {
  std::size_t n_populations = 0;    // P: the populations listed every step
  std::size_t interval = 1;         // the most steps one exchange carries
  std::size_t n_headers = 0;        // H = interval x P
  std::size_t max_payload = 0;      // the most indices one rank can list in an exchange
  std::vector<index_t> send;        // [H counts][the indices of each list, in order]
  std::vector<index_t> blocks;      // [ranks][cap]: what the Allgather brings
  std::vector<index_t> overflow;    // the rest of the lists longer than a block
  std::vector<int> counts, displs;  // of the overflow, per rank
  struct population_list {
    index_t* out;
    std::uint32_t* n_out;
  };
  std::vector<population_list> lists;  // [H]: where each list goes
  std::size_t listed = 0;              // lists listed since the last exchange
  std::size_t payload = 0;             // indices listed since the last exchange
  std::size_t cap = 0;                 // entries per rank in the Allgather: the same on every rank
  std::size_t used_cap = 0;            // the last exchange's (unpack_step reads its blocks)

  /// `most_indices`: the most spikes one rank can list in one step. The buffers start at one
  /// step's worth and grow with the spikes an exchange carries (at most an interval's worth).
  spike_exchange(std::size_t populations, std::size_t most_indices, std::size_t ranks,
                 std::size_t steps_per_exchange = 1)
      : n_populations(populations),
        interval(steps_per_exchange),
        n_headers(populations * steps_per_exchange),
        max_payload(most_indices * steps_per_exchange),
        send(n_headers + most_indices, 0),
        counts(ranks, 0),
        displs(ranks, 0),
        lists(n_headers),
        cap(n_headers + std::min<std::size_t>(max_payload, 64)) {}
};

struct distributed_execution {
  static constexpr bool gathers = false;
  static constexpr bool partitions_targets = true;
  static constexpr bool distributed = true;

  MPI_Comm comm = MPI_COMM_NULL;
  std::size_t rank = 0, n_ranks = 1;
  spike_exchange* exchange = nullptr;
  exchange_stats* stats = nullptr;

  /// This rank's share of [0, n), split as a CPU team splits it (backend/cpu/shares.hpp).
  std::pair<std::size_t, std::size_t> target_share(std::size_t n) const {
    return {share_begin(n, rank, n_ranks), share_begin(n, rank + 1, n_ranks)};
  }
  /// The policy for the synapses this rank stores.
  static cpu_execution local() { return {}; }
  /// The steps whose spikes one exchange carries (network::exchange_interval).
  std::uint64_t steps_per_exchange() const { return exchange->interval; }

  template <class F>
  void for_each(std::size_t n, F&& f) const {
    cpu_execution{}.for_each(n, f);
  }
  template <class F>
  void for_each_owned(std::size_t n, F&& f) const {
    const auto [lo, hi] = target_share(n);
    for_each_in(lo, hi, f);
  }
  void barrier() const {}
  template <class F>
  void single(F&& f) const {
    f();
  }

  /// The spikes of this rank's share of a population of n (resetting each), for the exchange
  /// that will fill out[0, *n_out) with the whole list.
  template <class F>
  void list_spikes(const std::uint8_t* flags, std::uint32_t n, index_t* out, std::uint32_t* n_out,
                   F&& f) const {
    spike_exchange& x = *exchange;
    const auto [lo, hi] = target_share(n);
    // Room for the whole share (the vector doubles: few allocations, only in the first steps).
    if (x.send.size() < x.n_headers + x.payload + (hi - lo))
      x.send.resize(std::max(2 * x.send.size(), x.n_headers + x.payload + (hi - lo)));
    index_t* listed = x.send.data() + x.n_headers + x.payload;
    std::uint32_t c = 0;
    for_each_flag(flags, lo, hi, [&](std::size_t i) {
      f(i);
      listed[c++] = static_cast<index_t>(i);
    });
    x.send[x.listed] = c;
    x.lists[x.listed++] = {out, n_out};
    x.payload += c;
  }

  /// Every rank's lists since the last exchange to every rank: one MPI_Allgather of a block of
  /// `cap` entries per rank, a second collective only when some rank listed more than a block
  /// holds. unpack_step then places each step's lists.
  void exchange_spikes() const {
    spike_exchange& x = *exchange;
    const std::size_t H = x.n_headers, cap = x.cap;
    if (x.n_populations == 0) return;
    static_assert(sizeof(index_t) == sizeof(std::uint32_t));
    const double t0 = MPI_Wtime();
    // Counts of steps not listed in a short exchange (the end of a run) are zero.
    std::fill(x.send.begin() + static_cast<std::ptrdiff_t>(x.listed),
              x.send.begin() + static_cast<std::ptrdiff_t>(H), index_t(0));
    if (x.send.size() < cap) x.send.resize(cap);  // a block beyond what this rank listed
    if (x.blocks.size() < n_ranks * cap) x.blocks.resize(n_ranks * cap);
    MPI_Allgather(x.send.data(), static_cast<int>(cap), MPI_UINT32_T, x.blocks.data(),
                  static_cast<int>(cap), MPI_UINT32_T, comm);
    std::size_t longest = 0, beyond = 0;
    for (std::size_t r = 0; r < n_ranks; ++r) {
      std::size_t listed = 0;
      for (std::size_t h = 0; h < H; ++h) listed += x.blocks[r * cap + h];
      longest = std::max(longest, listed);
      const std::size_t over = H + listed > cap ? H + listed - cap : 0;
      x.counts[r] = static_cast<int>(over);
      x.displs[r] = static_cast<int>(beyond);
      beyond += over;
    }
    if (x.overflow.size() < beyond) x.overflow.resize(beyond);
    if (beyond > 0)
      MPI_Allgatherv(x.send.data() + cap, x.counts[rank], MPI_UINT32_T, x.overflow.data(),
                     x.counts.data(), x.displs.data(), MPI_UINT32_T, comm);
    std::uint64_t total = 0;
    for (std::size_t r = 0; r < n_ranks; ++r)
      for (std::size_t h = 0; h < x.listed; ++h) total += x.blocks[r * cap + h];
    // The next block holds twice this exchange's longest list (every rank computes the same).
    x.used_cap = cap;
    x.cap = H + std::min(x.max_payload, 2 * longest + 16);
    x.listed = 0;
    x.payload = 0;
    stats->seconds += MPI_Wtime() - t0;
    ++stats->exchanges;
    stats->spikes += total;
  }

  /// The whole lists of step `e` of the last exchange (0 its first) into the populations' spike
  /// lists: each rank's part in rank order, so ascending.
  void unpack_step(std::size_t e) const {
    const spike_exchange& x = *exchange;
    const std::size_t P = x.n_populations, H = x.n_headers, cap = x.used_cap;
    for (std::size_t p = 0; p < P; ++p) {
      const std::size_t h = e * P + p;
      std::uint32_t placed = 0;
      for (std::size_t r = 0; r < n_ranks; ++r) {
        const index_t* counts = x.blocks.data() + r * cap;
        std::size_t from = H;
        for (std::size_t q = 0; q < h; ++q) from += counts[q];
        copy_entries(r, from, counts[h], x.lists[h].out + placed);
        placed += counts[h];
      }
      *x.lists[h].n_out = placed;
    }
  }

 private:
  /// Rank r's entries [from, from + k) of the last exchange: first from its block, then from its
  /// overflow.
  void copy_entries(std::size_t r, std::size_t from, std::size_t k, index_t* dst) const {
    const spike_exchange& x = *exchange;
    const std::size_t cap = x.used_cap;
    const std::size_t in_block = from < cap ? std::min(k, cap - from) : 0;
    std::memcpy(dst, x.blocks.data() + r * cap + from, in_block * sizeof(index_t));
    if (k > in_block)
      std::memcpy(dst + in_block, x.overflow.data() + x.displs[r] + (from + in_block - cap),
                  (k - in_block) * sizeof(index_t));
  }
};

}  // namespace spiketorch::backend

#endif  // SPIKETORCH_USE_MPI
