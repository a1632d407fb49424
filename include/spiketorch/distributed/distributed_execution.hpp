// Several processes (MPI ranks, network_config::ranks) step one network together. Each rank
// holds the whole network, built alike from the seed, and runs the whole step (step/step.hpp)
// with this policy:
//   for_each_owned(n, f)  the rank's share of a population's neurons, [n·r/R, n·(r+1)/R) rounded
//                         as a CPU team rounds it: the neuron update and the drain of the delay
//                         ring. Only the owner's copy of a neuron's state is current during a run;
//   target_share(n)       the same share of a projection's targets: each rank delivers every
//                         spike of the step into its own targets only, in increasing source
//                         order, as one process does;
//   list_spikes,          the spike exchange: during the update each rank lists the spikes of
//   exchange_spikes       its share of each population; at the end of the update stage one
//                         MPI_Allgather of a block per rank (the counts, then the indices) gives
//                         every rank every population's whole list, ascending (the shares are
//                         in rank order). The block's size is agreed from the previous step's
//                         longest list; a rank whose list is longer sends the rest in a second
//                         collective (MPI_Allgatherv), so a step costs one collective as a rule;
//   for_each, single, compact   the whole loop on every rank: what every rank needs whole (the
//                         spike counts and recorders, the learning rule's traces and weights,
//                         the ring's offsets) is computed alike by all, from the same spike lists;
//   barrier()             nothing: no memory is shared.
// After the run, gather_owned_state (distributed/gather_state.hpp) copies every share of the
// per-neuron state to every rank, so between runs each rank holds the whole network, the same
// bits as a single process: checkpoints, read-outs and the next run start from it.
// Where a projection ends in a subgroup, `within` gives the shares in the subgroup's numbering,
// so that a rank still adds only into its own neurons of the parent.
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

/// The buffers of the spike exchange of one run (runner<cpu>::run_distributed sizes them).
struct spike_exchange {
  std::size_t n_populations = 0;    // P: the populations listed every step
  std::size_t max_payload = 0;      // the most indices one rank can list in a step
  std::vector<index_t> send;        // [P counts][the indices of each population, in order]
  std::vector<index_t> blocks;      // [ranks][cap]: what the Allgather brings
  std::vector<index_t> overflow;    // the rest of the lists longer than a block
  std::vector<int> counts, displs;  // of the overflow, per rank
  struct population_list {
    index_t* out;
    std::uint32_t* n_out;
  };
  std::vector<population_list> lists;  // [P]
  std::size_t listed = 0;              // populations listed this step
  std::size_t payload = 0;             // indices listed this step
  std::size_t cap = 0;                 // entries per rank in the Allgather: the same on every rank

  spike_exchange(std::size_t populations, std::size_t most_indices, std::size_t ranks)
      : n_populations(populations),
        max_payload(most_indices),
        send(populations + most_indices, 0),
        blocks(ranks * (populations + most_indices), 0),
        overflow(ranks * most_indices, 0),
        counts(ranks, 0),
        displs(ranks, 0),
        lists(populations),
        cap(populations + std::min<std::size_t>(most_indices, 64)) {}
};

struct distributed_execution {
  static constexpr bool gathers = false;
  static constexpr bool partitions_targets = true;
  static constexpr bool distributed = true;

  MPI_Comm comm = MPI_COMM_NULL;
  std::size_t rank = 0, n_ranks = 1;
  spike_exchange* exchange = nullptr;
  exchange_stats* stats = nullptr;
  // Shares of a subgroup's targets (within): the parent's size and the subgroup's first neuron.
  std::size_t parent_size = 0, offset = 0;

  /// This rank's share of [0, n), split as a CPU team splits it (backend/cpu/shares.hpp).
  std::pair<std::size_t, std::size_t> target_share(std::size_t n) const {
    if (parent_size == 0)
      return {share_begin(n, rank, n_ranks), share_begin(n, rank + 1, n_ranks)};
    const auto local = [&](std::size_t x) { return std::clamp(x, offset, offset + n) - offset; };
    return {local(share_begin(parent_size, rank, n_ranks)),
            local(share_begin(parent_size, rank + 1, n_ranks))};
  }
  /// The policy for a projection into neurons [offset, offset + n) of a population of
  /// parent_size.
  distributed_execution within(std::size_t parent_n, std::size_t first) const {
    distributed_execution p = *this;
    p.parent_size = parent_n;
    p.offset = first;
    return p;
  }

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
  template <class Keep, class Value>
  std::uint32_t compact(std::uint32_t n, Keep&& keep, Value&& value, index_t* out) const {
    return cpu_execution{}.compact(n, keep, value, out);
  }

  /// The spikes of this rank's share of a population of n (resetting each), for the exchange
  /// that will fill out[0, *n_out) with the whole list.
  template <class F>
  void list_spikes(const std::uint8_t* flags, std::uint32_t n, index_t* out, std::uint32_t* n_out,
                   F&& f) const {
    spike_exchange& x = *exchange;
    const auto [lo, hi] = target_share(n);
    index_t* listed = x.send.data() + x.n_populations + x.payload;
    std::uint32_t c = 0;
    for_each_flag(flags, lo, hi, [&](std::size_t i) {
      f(i);
      listed[c++] = static_cast<index_t>(i);
    });
    x.send[x.listed] = c;
    x.lists[x.listed++] = {out, n_out};
    x.payload += c;
  }

  /// Every rank's lists to every rank: one MPI_Allgather of a block of `cap` entries per rank,
  /// a second collective only when some rank listed more than a block holds.
  void exchange_spikes() const {
    spike_exchange& x = *exchange;
    const std::size_t P = x.n_populations, cap = x.cap;
    if (P == 0) return;
    static_assert(sizeof(index_t) == sizeof(std::uint32_t));
    const double t0 = MPI_Wtime();
    MPI_Allgather(x.send.data(), static_cast<int>(cap), MPI_UINT32_T, x.blocks.data(),
                  static_cast<int>(cap), MPI_UINT32_T, comm);
    std::size_t longest = 0, beyond = 0;
    for (std::size_t r = 0; r < n_ranks; ++r) {
      std::size_t listed = 0;
      for (std::size_t p = 0; p < P; ++p) listed += x.blocks[r * cap + p];
      longest = std::max(longest, listed);
      const std::size_t over = P + listed > cap ? P + listed - cap : 0;
      x.counts[r] = static_cast<int>(over);
      x.displs[r] = static_cast<int>(beyond);
      beyond += over;
    }
    if (beyond > 0)
      MPI_Allgatherv(x.send.data() + cap, x.counts[rank], MPI_UINT32_T, x.overflow.data(),
                     x.counts.data(), x.displs.data(), MPI_UINT32_T, comm);
    // Rank r's entries [from, from + k): first from its block, then from its overflow.
    const auto copy_entries = [&](std::size_t r, std::size_t from, std::size_t k, index_t* dst) {
      const std::size_t in_block = from < cap ? std::min(k, cap - from) : 0;
      std::memcpy(dst, x.blocks.data() + r * cap + from, in_block * sizeof(index_t));
      if (k > in_block)
        std::memcpy(dst + in_block, x.overflow.data() + x.displs[r] + (from + in_block - cap),
                    (k - in_block) * sizeof(index_t));
    };
    std::uint64_t total = 0;
    for (std::size_t p = 0; p < P; ++p) {
      std::uint32_t placed = 0;
      for (std::size_t r = 0; r < n_ranks; ++r) {
        std::size_t from = P;
        for (std::size_t q = 0; q < p; ++q) from += x.blocks[r * cap + q];
        const std::uint32_t k = x.blocks[r * cap + p];
        copy_entries(r, from, k, x.lists[p].out + placed);
        placed += k;
      }
      *x.lists[p].n_out = placed;
      total += placed;
    }
    // The next block holds twice this step's longest list (every rank computes the same).
    x.cap = P + std::min(x.max_payload, 2 * longest + 16);
    x.listed = 0;
    x.payload = 0;
    stats->seconds += MPI_Wtime() - t0;
    ++stats->exchanges;
    stats->spikes += total;
  }
};

}  // namespace spiketorch::backend

#endif  // SPIKETORCH_USE_MPI
