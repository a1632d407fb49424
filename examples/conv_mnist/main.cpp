// Kheradpisheh et al. (2018) on MNIST: a deep convolutional spiking network trained layer by
// layer with STDP, read out by a linear SVM.
//
//   spiketorch_conv_mnist                                  train both layers, readout, test
//   spiketorch_conv_mnist --n_stdp 20000 --save runs/conv  a shorter run, kept
//   spiketorch_conv_mnist --mode test --load runs/conv     evaluate a checkpoint
//   spiketorch_conv_mnist --device cuda                    on the GPU (a build with nvcc)
#include <cstdio>
#include <exception>

#include "command_line.hpp"
#include "program.hpp"

#if SPIKETORCH_CONV_MNIST_CUDA
namespace conv_mnist {
int run_cuda(const options& o);  // main_cuda.cu
}
#endif

int main(int argc, char** argv) {
  using namespace conv_mnist;
  std::optional<options> o;
  try {
    o = parse_options(argc, argv);
  } catch (const command_line_error& e) {
    std::fprintf(stderr, "error: %s\nRun spiketorch_conv_mnist --help for the options.\n",
                 e.what());
    return 2;
  }
  if (!o) return 0;  // --help
  try {
    if (o->device == "cuda") {
#if SPIKETORCH_CONV_MNIST_CUDA
      return run_cuda(*o);
#else
      throw spiketorch::invalid_argument(
          "--device cuda: this build of spiketorch_conv_mnist has no CUDA backend (it was "
          "configured without nvcc, or with -Dcuda=disabled; set CUDA_HOME and reconfigure with "
          "-Dcuda=enabled)");
#endif
    }
    return run<spiketorch::backend::cpu>(*o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
