// Test runner of the CUDA backend tests: exits 77 (Meson's "skipped") when the program has no
// device to run on, otherwise runs the Catch2 session.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>

/// Defined by the test program: CUDA devices it can use (the emulated one counts as one).
int spiketorch_test_device_count();

int main(int argc, char* argv[]) {
  if (spiketorch_test_device_count() <= 0) {
    std::puts("SKIPPED: no CUDA device (cudaGetDeviceCount reports none); the CUDA tests need a GPU. "
              "The same tests run on the host emulation in cuda_emulation_test.");
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
