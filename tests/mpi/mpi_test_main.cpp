// Catch2's main for the tests run under mpirun (tests/mpi): MPI around the session, and one exit
// status for the job (a test that failed on any rank fails it on all).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <mpi.h>

#include "spiketorch/distributed/mpi_session.hpp"

int main(int argc, char** argv) {
  const spiketorch::mpi_session mpi(&argc, &argv, /*force=*/true);
  const int result = Catch::Session().run(argc, argv);
  int worst = 0;
  MPI_Allreduce(&result, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return worst;
}
