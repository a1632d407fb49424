// The CUDA runtime as the backend sees it: the real one, or, when SPIKETORCH_CUDA_EMULATION is
// defined, the host emulation that the tests use without a GPU (tests/support/
// cuda_emulation.hpp, on the tests' include path; it is not installed with the headers).
#pragma once

#include "spiketorch/config.hpp"

#if defined(SPIKETORCH_CUDA_EMULATION)
#include <cuda_emulation.hpp>
#elif defined(__CUDACC__)
#include <cuda_runtime.h>
#else
#include <cuda_runtime_api.h>
#endif
