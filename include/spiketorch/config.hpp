// Build-wide configuration: the scalar type, host/device annotation and feature switches. Every
// header of the library includes this one first, so that a compiler in a mode older than C++20
// stops at one message that says so (the fatal #include ends the compilation there) instead of at
// pages of errors about concepts and designated initialisers.
#pragma once

#if defined(_MSVC_LANG) ? _MSVC_LANG < 202002L : __cplusplus < 202002L
#error "SpikeTorch needs C++20: compile with -std=c++20 (or /std:c++20)"
#include "spiketorch needs C++20, compile with -std=c++20"
#endif

#include <cstddef>
#include <cstdint>

#if defined(__CUDACC__)
#define SPIKETORCH_HD __host__ __device__
#define SPIKETORCH_INLINE __forceinline__
#else
#define SPIKETORCH_HD
#define SPIKETORCH_INLINE inline
#endif

// Before a host-and-device function template that a backend may instantiate with a host-only
// execution policy (the CPU's): that instantiation is host code, and nvcc need not warn about its
// calls to host functions.
#if defined(__CUDACC__)
#define SPIKETORCH_EXEC_CHECK_DISABLE _Pragma("nv_exec_check_disable")
#else
#define SPIKETORCH_EXEC_CHECK_DISABLE
#endif

// Asks the compiler to vectorise a loop whose iterations are independent by construction (each
// touches only its own neuron or synapse); used where aliasing analysis cannot prove it.
#if defined(__CUDACC__)
#define SPIKETORCH_SIMD_LOOP
#elif defined(__clang__)
#define SPIKETORCH_SIMD_LOOP _Pragma("clang loop vectorize(enable)")
#elif defined(__GNUC__)
#define SPIKETORCH_SIMD_LOOP _Pragma("GCC ivdep")
#else
#define SPIKETORCH_SIMD_LOOP
#endif

// A team of OpenMP threads can step one network (network_config::threads, backend/cpu/
// team_execution.hpp) when the code is compiled with it (-fopenmp defines _OPENMP);
// SPIKETORCH_NO_OPENMP leaves it out.
#if defined(_OPENMP) && !defined(SPIKETORCH_NO_OPENMP)
#define SPIKETORCH_USE_OPENMP 1
#endif

namespace spiketorch {

/// State variables are float32 everywhere: it halves memory traffic and matches the GPU path.
using real = float;
using index_t = std::uint32_t;

}  // namespace spiketorch
