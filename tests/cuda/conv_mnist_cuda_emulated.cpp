// The convolutional MNIST program's CUDA part (examples/conv_mnist/main_cuda.cu) on the host
// emulation of CUDA, so that conv_mnist_device_test can run `spiketorch_conv_mnist --device cuda`
// without a GPU.
#define SPIKETORCH_CUDA_EMULATION 1
#include "../../examples/conv_mnist/main_cuda.cu"
