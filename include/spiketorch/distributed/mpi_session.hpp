// MPI for a program that may or may not have been started by mpirun: an mpi_session initialises
// MPI when the process was launched by an MPI launcher (or when asked to), and finalises it at
// the end of its scope. A program started on its own runs as one rank without touching MPI, so
// the same binary serves both (examples/mnist, examples/brette2007).
//
// A rank that fails must not leave the others waiting in a collective for ever: Open MPI has no
// timeouts on collectives, so `abort_all` (MPI_Abort) ends every rank of the job with the
// failing rank's message, and mpirun ends the job when a rank dies (a signal, or an exit without
// MPI_Finalize), printing which one.
#pragma once

#include "spiketorch/config.hpp"

#include <cstdio>
#include <cstdlib>

#include "spiketorch/distributed/rank_group.hpp"

namespace spiketorch {
inline namespace SPIKETORCH_MPI_CONFIG {

/// Whether an MPI launcher (Open MPI's mpirun, or a PMI/PMIx one such as srun) started this
/// process.
inline bool launched_by_mpirun() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"})
    if (std::getenv(v) != nullptr) return true;
  return false;
}

#if defined(SPIKETORCH_USE_MPI)

class mpi_session {
 public:
  /// Initialises MPI if `force` or an MPI launcher started the process (and MPI is not
  /// initialised yet). One thread makes the MPI calls (MPI_THREAD_FUNNELED): OpenMP teams of
  /// the MNIST program's evaluation do not.
  explicit mpi_session(int* argc, char*** argv, bool force = false) {
    int initialised = 0;
    MPI_Initialized(&initialised);
    if (initialised) {
      world_ = rank_group::of(MPI_COMM_WORLD);
      return;
    }
    if (!force && !launched_by_mpirun()) return;
    int provided = 0;
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    owns_ = true;
    world_ = rank_group::of(MPI_COMM_WORLD);
    if (provided < MPI_THREAD_FUNNELED && world_.leads())
      std::fprintf(stderr,
                   "spiketorch: warning: this MPI library does not support threads "
                   "(MPI_THREAD_FUNNELED); use one thread per rank (--threads 1)\n");
  }
  mpi_session(const mpi_session&) = delete;
  mpi_session& operator=(const mpi_session&) = delete;
  ~mpi_session() {
    if (owns_) MPI_Finalize();
  }
  /// All ranks of the job (one rank when MPI was not started).
  const rank_group& world() const { return world_; }

 private:
  rank_group world_{};
  bool owns_ = false;
};

/// Ends every rank of the job after printing `message` (the failing rank's own line).
[[noreturn]] inline void abort_all(const rank_group& g, const char* program, const char* message,
                                   int code = 1) {
  if (!g.distributed()) {
    std::fprintf(stderr, "%s: error: %s\n", program, message);
    // Alone under mpirun: end MPI properly, or mpirun adds a report of an improper exit.
    int initialised = 0, finalised = 0;
    MPI_Initialized(&initialised);
    MPI_Finalized(&finalised);
    if (initialised && !finalised) MPI_Finalize();
    std::exit(code);
  }
  std::fprintf(stderr, "%s: error on rank %d of %d: %s\n", program, g.rank, g.size, message);
  std::fflush(stderr);
  MPI_Abort(g.comm(), code);
  std::exit(code);  // MPI_Abort does not return
}

#else

/// Without MPI: one rank, and an error if a launcher started several copies of the program,
/// which would each run the whole job alone.
class mpi_session {
 public:
  explicit mpi_session(int*, char***, bool = false) {
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"}) {
      if (const char* n = std::getenv(v); n != nullptr && std::atoi(n) > 1) {
        std::fprintf(stderr,
                     "spiketorch: started by an MPI launcher with %s ranks, but built without "
                     "MPI (-Dmpi=disabled or no MPI found): each rank would run the whole job\n",
                     n);
        std::exit(2);
      }
    }
  }
  const rank_group& world() const { return world_; }

 private:
  rank_group world_{};
};

[[noreturn]] inline void abort_all(const rank_group&, const char* program, const char* message,
                                   int code = 1) {
  std::fprintf(stderr, "%s: error: %s\n", program, message);
  std::exit(code);
}

#endif

}  // namespace SPIKETORCH_MPI_CONFIG
}  // namespace spiketorch
