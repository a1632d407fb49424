// A rank that fails while the others step the network with it: run_rank_failure.sh checks that
// the job ends (instead of the others waiting in the spike exchange for ever) with a message.
//   rank_failure exit    rank 1 leaves the process mid-run, as a crash would;
//   rank_failure throw   rank 1 gets an error, which the program reports with abort_all.
#include <spiketorch/spiketorch.hpp>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "spiketorch/distributed/mpi_session.hpp"

using namespace spiketorch;

int main(int argc, char** argv) {
  const mpi_session mpi(&argc, &argv, /*force=*/true);
  const rank_group& g = mpi.world();
  const std::string mode = argc > 1 ? argv[1] : "exit";
  try {
    network<layers<population<"P", neurons::lif, synapses::exp_current>>,
            projections<projection<"P", "P", topology::sparse>>>
        net({.dt_ms = 0.1, .seed = 1, .ranks = g}, {2000});
    net.set_params<"P">({.v_rest_mv = -49, .v_reset_mv = -60, .v_thresh_mv = -50});
    net.connect<"P", "P">({.topology = {.probability = 0.02}, .weights = {0.5, 0.5}});
    for (int chunk = 0; chunk < 100000; ++chunk) {
      if (chunk == 3 && g.rank == 1) {
        if (mode == "exit") std::_Exit(3);
        throw std::runtime_error("rank 1 cannot go on (a test of rank failures)");
      }
      net.run(10.0);
    }
    std::printf("rank %d: finished, which it should not\n", g.rank);
    return 0;
  } catch (const std::exception& e) {
    abort_all(g, "rank_failure", e.what());
  }
}
