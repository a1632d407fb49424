// After a distributed run (distributed/distributed_execution.hpp) only the owner of a neuron
// holds its current state: its share of each population's neuron and synapse fields, and its
// column of the state recorders' frames. gather_owned_state copies every share to every rank,
// bit for bit, so that all ranks hold every population's state again (the synapses into a
// neuron, their delay rings and learning state stay with its owner: network::gather_weights).
#pragma once

#include "spiketorch/config.hpp"

#if defined(SPIKETORCH_USE_MPI)

#include <mpi.h>

#include <cstdint>
#include <vector>

#include "spiketorch/core/device_tuple.hpp"
#include "spiketorch/distributed/distributed_execution.hpp"
#include "spiketorch/step/views.hpp"

namespace spiketorch::backend {

/// Rows [0, rows) of `width` values at data + row·stride: each rank's share of every row (its
/// shares of [0, width) under `pol`) to every rank.
inline void gather_shared_rows(const distributed_execution& pol, real* data, std::size_t rows,
                               std::size_t width, std::size_t stride) {
  std::vector<int> counts(pol.n_ranks), displs(pol.n_ranks);
  for (std::size_t r = 0; r < pol.n_ranks; ++r) {
    distributed_execution other = pol;
    other.rank = r;
    const auto [lo, hi] = other.target_share(width);
    counts[r] = static_cast<int>(hi - lo);
    displs[r] = static_cast<int>(lo);
  }
  static_assert(sizeof(real) == sizeof(float));
  for (std::size_t row = 0; row < rows; ++row)
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, data + row * stride, counts.data(),
                   displs.data(), MPI_FLOAT, pol.comm);
}

/// Every rank's part of the state of `v` to every rank.
template <class Desc>
void gather_owned_state(const distributed_execution& pol, const network_view<Desc>& v) {
  static_for<Desc::n_layers>([&](auto ic) {
    constexpr std::size_t I = decltype(ic)::value;
    using layer = typename Desc::template layer_t<I>;
    if constexpr (!layer::is_input && !layer::is_subgroup) {
      const auto& p = tuple_at<I>(v.layers);
      gather_shared_rows(pol, p.neuron_state, layer::neuron_type::n_fields, p.size, p.size);
      gather_shared_rows(pol, p.synapse_state, layer::synapse_type::n_fields, p.size, p.size);
      // Each rank wrote its own neurons' columns of the frames and zero bits elsewhere
      // (stages::record_state); frames of earlier runs are alike on every rank.
      if (p.rec.data) {
        static_assert(sizeof(real) == sizeof(std::uint32_t));
        MPI_Allreduce(MPI_IN_PLACE, p.rec.data, static_cast<int>(p.rec.window * p.rec.k),
                      MPI_UINT32_T, MPI_BOR, pol.comm);
      }
    }
  });
}

}  // namespace spiketorch::backend

#endif  // SPIKETORCH_USE_MPI
