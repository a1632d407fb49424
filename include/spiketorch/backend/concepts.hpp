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

#ifndef SPIKETORCH_DEFAULT_BACKEND
#define SPIKETORCH_DEFAULT_BACKEND ::spiketorch::backend::cpu
#endif
/// The backend used when a network type names none (configurable with -DSPIKETORCH_DEFAULT_BACKEND).
using default_backend = SPIKETORCH_DEFAULT_BACKEND;

}  // namespace spiketorch::backend
