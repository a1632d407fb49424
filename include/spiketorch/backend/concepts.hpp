// Backends are tag types; operations are specialisations of `kernel<Op, Backend>`. A missing
// combination fails at compile time with a message naming what is missing, instead of an
// undefined-reference error at link time.
#pragma once

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

/// Operations a backend implements.
namespace op {
struct update_population {};
struct deliver_spikes {};
struct apply_learning {};
}  // namespace op

template <class Op, class B>
struct kernel {
  static_assert(sizeof(Op) == 0,
                "spiketorch: no kernel for this operation on this backend "
                "(include the backend's kernels header, e.g. spiketorch/backend/cpu/kernels.hpp)");
};

/// Runs the steps of one presentation of a network: `runner<B>::run(net, n_steps)`. The CPU
/// runner calls the network's step loop; a device runner may run a whole presentation in one
/// launch. Declared here, defined by each backend.
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
