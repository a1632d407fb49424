// The backend tests (backend_tests.hpp) on the host emulation of CUDA (tests/support/cuda_emulation.hpp):
// the CUDA backend's kernels, runner and transfers, compiled by the host compiler and run
// without a GPU. Threads of a block are coroutines reshuffled at every barrier, so results that
// depend on thread interleaving between barriers would show up as differences from the CPU.
#define SPIKETORCH_CUDA_EMULATION 1
#include "backend_tests.hpp"

int spiketorch_test_device_count() { return 1; }

namespace st_cuda_test {

TEST_CASE("cuda emulation: a failing cudaMalloc names the buffer in the exception",
          "[cuda][errors]") {
  using net_t = delayed_net<topology::dense, cuda>;
  net_t net({.dt_ms = 0.5, .seed = 1}, {4, 5});
  net.connect<"X", "E">({.weights = {1.0, 1.0}, .delays = {.min_ms = 0.0, .max_ms = 1.0}});
  net.connect<"E", "E">({.weights = {1.0, 1.0}, .delays = {.min_ms = 0.0, .max_ms = 1.0}});
  backend::emulation::fail_next_malloc() = true;
  std::vector<float> rates(4, 100.f);
  try {
    net.run(rates, 5.0);
    FAIL("no exception");
  } catch (const backend::cuda_error& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.find("cudaMalloc(") != std::string::npos);
    CHECK(what.find("out of memory") != std::string::npos);
  }
  // The device copy was dropped; the next run rebuilds it and works.
  net.run(rates, 5.0);
  CHECK(net.steps_done() == 10);
}

}  // namespace st_cuda_test
