// The MNIST program on the CUDA backend (compiled by nvcc; main.cpp calls it for --device cuda).
#include "spiketorch/models/diehl_cook_2015_cuda.cuh"

#include "program.hpp"

namespace mnist_example {

int run_cuda(const options& o) { return run<spiketorch::backend::cuda>(o); }

}  // namespace mnist_example
