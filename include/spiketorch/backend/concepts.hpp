// Backends are tag types. A backend decides where a network's arrays live and how the step's
// loops run (step/step.hpp is the step, written once); `runner<B>` is all it implements. A
// missing runner fails at compile time with a message naming what to include, instead of an
// undefined-reference error at link time.
#pragma once

#include "spiketorch/config.hpp"

#include <type_traits>

namespace spiketorch::backend {

/// The host CPU: structure-of-arrays float32 state in host memory.
struct cpu {
  static constexpr const char* name = "cpu";
};

/// NVIDIA GPUs through CUDA (backend/cuda/); available when built with -Dcuda=enabled.
struct cuda {
  static constexpr const char* name = "cuda";
};

template <class B>
concept Backend = std::is_same_v<B, cpu> || std::is_same_v<B, cuda>;

/// Runs the steps of one presentation of a network: `runner<B>::run(net, n_steps)`, over
/// `net.view(map)` with the backend's map and execution policy. The CPU runs the step's loop on
/// the host arrays; CUDA runs the same loop in one launch over device copies. Declared here,
/// defined by each backend.
template <class B>
struct runner {
  static_assert(sizeof(B) == 0,
                "spiketorch: no runner for this backend (include its header, e.g. "
                "spiketorch/backend/cuda/runner.cuh for backend::cuda, compiled with nvcc)");
};

#ifndef SPIKETORCH_DEFAULT_BACKEND
#define SPIKETORCH_DEFAULT_BACKEND ::spiketorch::backend::cpu
#endif
/// The backend used when a network type names none (configurable with -DSPIKETORCH_DEFAULT_BACKEND).
using default_backend = SPIKETORCH_DEFAULT_BACKEND;

}  // namespace spiketorch::backend
