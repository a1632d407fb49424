// Is there a CUDA device? Usable from any translation unit:
//   - compiled by nvcc (or with the host emulation, which has one device): asks the runtime (cudaGetDeviceCount), which also reports a missing or
//     too old driver as "no device";
//   - compiled by a plain host compiler (g++, clang++): loads the driver library
//     (libcuda.so.1) at run time with dlopen and asks cuDeviceGetCount, so CPU-only programs can
//     decide whether to offer the GPU path without linking anything from CUDA.
// Tests use it to exit with code 77 (Meson's "skipped") on machines without a GPU.
#pragma once

#include "spiketorch/config.hpp"

#if defined(__CUDACC__) || defined(SPIKETORCH_CUDA_EMULATION)
#define SPIKETORCH_DEVICE_QUERY_RUNTIME 1
#include "spiketorch/backend/cuda/runtime.hpp"
#elif defined(__unix__)
#include <dlfcn.h>
#endif

namespace spiketorch::backend {

/// Number of CUDA devices usable by this process (0 when there is no device or no driver).
inline int cuda_device_count() {
#if defined(SPIKETORCH_DEVICE_QUERY_RUNTIME)
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();  // clear the (non-sticky) error so later calls start clean
    return 0;
  }
  return n;
#elif defined(__unix__)
  // Driver API by hand: CUresult cuInit(unsigned), cuDeviceGetCount(int*); 0 is CUDA_SUCCESS.
  void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) return 0;
  using init_fn = int (*)(unsigned);
  using count_fn = int (*)(int*);
  auto init = reinterpret_cast<init_fn>(dlsym(lib, "cuInit"));
  auto count = reinterpret_cast<count_fn>(dlsym(lib, "cuDeviceGetCount"));
  int n = 0;
  if (!init || !count || init(0) != 0 || count(&n) != 0) n = 0;
  dlclose(lib);
  return n;
#else
  return 0;
#endif
}

/// True when at least one CUDA device can be used.
inline bool cuda_device_available() { return cuda_device_count() > 0; }

}  // namespace spiketorch::backend
