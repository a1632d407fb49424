// The few collectives that data-parallel work needs (each rank a block of the examples, then
// the results to all): blocks of rows gathered in rank order, and sums. On one rank (or
// without MPI) they do nothing.
#pragma once

#include "spiketorch/config.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "spiketorch/distributed/rank_group.hpp"

namespace spiketorch {
inline namespace SPIKETORCH_MPI_CONFIG {

/// Rank r's block of [0, n): [n·r/R, n·(r+1)/R).
inline std::pair<std::size_t, std::size_t> block_of(const rank_group& g, std::size_t n, int r) {
  const auto ranks = static_cast<std::size_t>(g.size), rank = static_cast<std::size_t>(r);
  return {n * rank / ranks, n * (rank + 1) / ranks};
}
inline std::pair<std::size_t, std::size_t> my_block(const rank_group& g, std::size_t n) {
  return block_of(g, n, g.rank);
}

/// data: rows x width values, of which each rank holds its block of rows (block_of); afterwards
/// every rank holds all of them.
inline void gather_row_blocks(const rank_group& g, std::uint32_t* data, std::size_t rows,
                              std::size_t width) {
  if (!g.distributed()) return;
#if defined(SPIKETORCH_USE_MPI)
  std::vector<int> counts(static_cast<std::size_t>(g.size)), displs(counts.size());
  for (int r = 0; r < g.size; ++r) {
    const auto [lo, hi] = block_of(g, rows, r);
    counts[r] = static_cast<int>((hi - lo) * width);
    displs[r] = static_cast<int>(lo * width);
  }
  MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, data, counts.data(), displs.data(),
                 MPI_UINT32_T, g.comm());
#else
  (void)data, (void)rows, (void)width;
#endif
}

/// The sum of x over the ranks, on every rank.
inline std::uint64_t sum_over_ranks(const rank_group& g, std::uint64_t x) {
  if (!g.distributed()) return x;
#if defined(SPIKETORCH_USE_MPI)
  std::uint64_t sum = 0;
  MPI_Allreduce(&x, &sum, 1, MPI_UINT64_T, MPI_SUM, g.comm());
  return sum;
#else
  return x;
#endif
}

/// values: each element set by one rank and zero on the others (an entry per run of a sweep);
/// afterwards every rank holds them all (x + 0 = x: the sum is exact).
inline void merge_over_ranks(const rank_group& g, double* values, std::size_t n) {
  if (!g.distributed()) return;
#if defined(SPIKETORCH_USE_MPI)
  MPI_Allreduce(MPI_IN_PLACE, values, static_cast<int>(n), MPI_DOUBLE, MPI_SUM, g.comm());
#else
  (void)values, (void)n;
#endif
}

/// The largest x over the ranks, on every rank.
inline double max_over_ranks(const rank_group& g, double x) {
  if (!g.distributed()) return x;
#if defined(SPIKETORCH_USE_MPI)
  double m = 0;
  MPI_Allreduce(&x, &m, 1, MPI_DOUBLE, MPI_MAX, g.comm());
  return m;
#else
  return x;
#endif
}

/// data: `bytes` bytes, each rank's own parts set and zero bits elsewhere (parts of a projection
/// stored by its ranks: network::gather_weights); afterwards every rank holds every part.
inline void or_over_ranks(const rank_group& g, void* data, std::size_t bytes) {
  if (!g.distributed()) return;
#if defined(SPIKETORCH_USE_MPI)
  // In pieces whose count fits MPI's int.
  constexpr std::size_t piece = std::size_t(1) << 30;
  auto* p = static_cast<unsigned char*>(data);
  for (std::size_t done = 0; done < bytes; done += piece)
    MPI_Allreduce(MPI_IN_PLACE, p + done, static_cast<int>(std::min(piece, bytes - done)),
                  MPI_BYTE, MPI_BOR, g.comm());
#else
  (void)data, (void)bytes;
#endif
}

/// Waits until every rank is here.
inline void wait_for_all(const rank_group& g) {
  if (!g.distributed()) return;
#if defined(SPIKETORCH_USE_MPI)
  MPI_Barrier(g.comm());
#endif
}

}  // namespace SPIKETORCH_MPI_CONFIG
}  // namespace spiketorch
