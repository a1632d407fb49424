// The convolutional MNIST program on the CUDA backend (compiled by nvcc; main.cpp calls it for
// --device cuda).
#include "spiketorch/backend/cuda/device.hpp"
#include "spiketorch/backend/cuda/runner.cuh"

#include "program.hpp"

namespace conv_mnist {

int run_cuda(const options& o) {
  spiketorch::require(spiketorch::backend::cuda_device_count() > 0,
                      "--device cuda: no CUDA device is available (no GPU, or no driver); use "
                      "--device cpu");
  return run<spiketorch::backend::cuda>(o);
}

}  // namespace conv_mnist
