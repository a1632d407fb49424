// The backend tests (backend_tests.hpp) on a real GPU, compiled by nvcc. Without a device the
// program exits 77 and Meson reports the test as skipped.
#include "backend_tests.hpp"

#include "spiketorch/backend/cuda/device.hpp"

int spiketorch_test_device_count() { return spiketorch::backend::cuda_device_count(); }

namespace st_cuda_test {

TEST_CASE("cuda device: the device the tests ran on", "[cuda][device]") {
  int device = 0;
  backend::cuda_detail::check(cudaGetDevice(&device), "cudaGetDevice");
  cudaDeviceProp prop{};
  backend::cuda_detail::check(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
  WARN("device " << device << ": " << prop.name << ", compute capability " << prop.major << "."
                 << prop.minor << ", " << prop.multiProcessorCount << " SMs");
  CHECK(prop.major >= 7);
}

}  // namespace st_cuda_test
