// Diehl & Cook (2015) on MNIST: unsupervised STDP training, labelling from a frozen pass over the
// training set, classification of the test set. The command line follows the original eth.py.
//
//   spiketorch_mnist --n_neurons 100 --epochs 1            train, label, test, print accuracy
//   spiketorch_mnist --n_neurons 400 --epochs 3 --save runs/n400
//   spiketorch_mnist --mode test --load runs/n400          evaluate a checkpoint
//   spiketorch_mnist --device cuda ...                     the same on the GPU (built with nvcc)
//   mpirun -np 2 spiketorch_mnist ...                      over two MPI ranks (built with MPI):
//                                                          training steps one network on both,
//                                                          labelling and testing split the
//                                                          examples; the same results
#include <cstdio>
#include <exception>

#include "command_line.hpp"
#include "program.hpp"
#include "spiketorch/distributed/mpi_session.hpp"

#if SPIKETORCH_MNIST_CUDA
namespace mnist_example {
int run_cuda(const options& o);  // main_cuda.cu
}
#endif

int main(int argc, char** argv) {
  namespace st = spiketorch;
  using namespace mnist_example;
  // Under mpirun the ranks train one network together and split the frozen passes (program.hpp).
  const st::mpi_session mpi(&argc, &argv);
  const st::rank_group& ranks = mpi.world();
  // Rank 0 prints (--help and the reports); the others would repeat it.
  if (!ranks.leads() && std::freopen("/dev/null", "w", stdout) == nullptr) return 1;
  std::optional<options> o;
  try {
    o = parse_options(argc, argv);
  } catch (const command_line_error& e) {
    // Every rank parses the same command line: rank 0 alone says what is wrong.
    if (ranks.leads())
      std::fprintf(stderr, "error: %s\nRun spiketorch_mnist --help for the options.\n", e.what());
    return 2;
  }
  if (!o) return 0;  // --help
  if (ranks.distributed() && o->device == "cuda") {
    if (ranks.leads())
      std::fprintf(stderr, "error: --device cuda runs on one process: start it without mpirun\n");
    return 2;
  }
  try {
    if (ranks.distributed()) return run<st::backend::cpu>(*o, ranks);
    if (o->device == "cuda") {
#if SPIKETORCH_MNIST_CUDA
      return run_cuda(*o);
#else
      throw st::invalid_argument(
          "--device cuda: this build of spiketorch_mnist has no CUDA backend (it was configured "
          "without nvcc, or with -Dcuda=disabled; set CUDA_HOME and reconfigure with "
          "-Dcuda=enabled)");
#endif
    }
    return run<st::backend::cpu>(*o);
  } catch (const std::exception& e) {
    // One rank's error ends all of them (they could be waiting for it in a collective).
    if (ranks.distributed()) st::abort_all(ranks, "spiketorch_mnist", e.what());
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
