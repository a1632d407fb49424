// The CUDA runtime as the backend sees it: the real one, or the host emulation of
// backend/cuda/emulation.hpp when SPIKETORCH_CUDA_EMULATION is defined (tests without a GPU).
#pragma once

#if defined(SPIKETORCH_CUDA_EMULATION)
#include "spiketorch/backend/cuda/emulation.hpp"
#elif defined(__CUDACC__)
#include <cuda_runtime.h>
#else
#include <cuda_runtime_api.h>
#endif
