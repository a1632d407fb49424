// The processes (MPI ranks) that step one network together: network_config::ranks. Every rank
// builds the same network from the same seed and calls the same member functions in the same
// order (SPMD); each rank updates a share of every population, and the ranks exchange the spike
// lists of every step (distributed/distributed_execution.hpp). Without MPI (SPIKETORCH_USE_MPI
// undefined: the build adds it with its MPI dependency, -Dmpi=auto) a group has one rank, and
// the headers do not include <mpi.h>.
#pragma once

#include "spiketorch/config.hpp"

#include <cstdint>
#include <cstring>

#if defined(SPIKETORCH_USE_MPI)
#include <mpi.h>
#endif

// Functions whose bodies differ with and without MPI live in an inline namespace named after
// the configuration, so that a program whose translation units differ (the MNIST program's nvcc
// part has no MPI) links both versions under different names instead of picking one for both.
#if defined(SPIKETORCH_USE_MPI)
#define SPIKETORCH_MPI_CONFIG with_mpi
#else
#define SPIKETORCH_MPI_CONFIG without_mpi
#endif

namespace spiketorch {

/// What a distributed network's spike exchanges cost so far (network::exchange_stats): the
/// exchanges (one per population and step), the spikes they carried, and the wall-clock seconds
/// spent in them (waiting for the slowest rank included).
struct exchange_stats {
  std::uint64_t exchanges = 0;
  std::uint64_t spikes = 0;
  double seconds = 0;
};

struct rank_group {
  int rank = 0;
  int size = 1;
  // The MPI communicator (MPI_Comm: a pointer in Open MPI, an int in MPICH), stored as bytes so
  // that the type has the same layout in translation units built with and without MPI (the MNIST
  // program's CUDA part is compiled by nvcc without it).
  alignas(8) unsigned char comm_bytes[8] = {};

  /// Whether more than one process steps the network.
  bool distributed() const { return size > 1; }
  /// The rank that writes files and prints for the group (rank 0).
  bool leads() const { return rank == 0; }

#if defined(SPIKETORCH_USE_MPI)
  static_assert(sizeof(MPI_Comm) <= sizeof(comm_bytes));
  /// The ranks of an MPI communicator (MPI must be initialised: distributed/mpi_session.hpp).
  static rank_group of(MPI_Comm c) {
    rank_group g;
    std::memcpy(g.comm_bytes, &c, sizeof c);
    MPI_Comm_rank(c, &g.rank);
    MPI_Comm_size(c, &g.size);
    return g;
  }
  /// The communicator (only for a group made by `of`).
  MPI_Comm comm() const {
    MPI_Comm c;
    std::memcpy(&c, comm_bytes, sizeof c);
    return c;
  }
#endif
};

}  // namespace spiketorch
