// The MNIST program's CUDA part (examples/mnist/main_cuda.cu) on the host emulation of CUDA, so
// that mnist_device_test can run `spiketorch_mnist --device cuda` without a GPU.
#define SPIKETORCH_CUDA_EMULATION 1
#include "../../examples/mnist/main_cuda.cu"
