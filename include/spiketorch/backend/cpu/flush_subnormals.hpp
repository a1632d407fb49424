// Subnormal floats (below 1.2e-38) flushed to zero while a network runs on the CPU.
//
// Why: conductances and traces that decay exponentially (a 1 ms conductance after a spike, the
// 150 ms rest of Diehl & Cook) pass through the subnormal range, and many x86 cores compute
// with subnormal operands in microcode: on the Xeon of our development machine a multiply of
// subnormals costs 44 times a normal one (bench_bandwidth, BM_decay), which made a Diehl & Cook
// training example at 6,400 neurons 3 to 4 times slower. A subnormal conductance, trace or drive
// is at least 2^-126 below the values it is added to (a membrane potential near -65 mV has an
// ulp of 8e-6), so flushing it changes no potential, spike or weight; the tests and the
// checkpoints' checksums confirm the same bits.
// The guard sets flush-to-zero and denormals-are-zero (x86 MXCSR, AArch64 FPCR.FZ) for the
// calling thread and restores the previous mode when it ends; every thread of a team sets its
// own. The CUDA backend's kernels keep nvcc's default (no flush): GPUs have no subnormal penalty.
#pragma once

#include "spiketorch/config.hpp"

#include <cstdint>

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#endif

namespace spiketorch::backend {

class subnormals_flushed {
 public:
#if defined(__SSE__) || defined(__x86_64__)
  static constexpr unsigned flush_bits = 0x8000u | 0x0040u;  // FTZ | DAZ
  subnormals_flushed() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | flush_bits); }
  ~subnormals_flushed() { _mm_setcsr(saved_); }
#elif defined(__aarch64__)
  static constexpr std::uint64_t flush_bits = std::uint64_t(1) << 24;  // FPCR.FZ
  subnormals_flushed() {
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(saved_));
    const std::uint64_t flushed = saved_ | flush_bits;
    __asm__ __volatile__("msr fpcr, %0" : : "r"(flushed));
  }
  ~subnormals_flushed() { __asm__ __volatile__("msr fpcr, %0" : : "r"(saved_)); }
#else
  subnormals_flushed() = default;
#endif
  subnormals_flushed(const subnormals_flushed&) = delete;
  subnormals_flushed& operator=(const subnormals_flushed&) = delete;

 private:
#if defined(__SSE__) || defined(__x86_64__)
  unsigned saved_;
#elif defined(__aarch64__)
  std::uint64_t saved_;
#endif
};

}  // namespace spiketorch::backend
