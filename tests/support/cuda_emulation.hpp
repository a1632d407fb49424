// Host emulation of the subset of CUDA that backend::cuda uses, so its kernels, runner and
// transfers can be compiled by a plain C++ compiler and tested on machines without a GPU.
// Enabled by defining SPIKETORCH_CUDA_EMULATION before including any backend/cuda header, with
// this folder on the include path (the tests in tests/cuda/ build one program this way and one
// with nvcc). Test support only: not installed with the library's headers.
//
// What is emulated, and how faithfully:
//   - memory: "device" allocations are host allocations; cudaMemcpy/Memset copy at once;
//     streams exist but everything is synchronous;
//   - a kernel launch runs its blocks one after another; the threads of a block are coroutines
//     (ucontext) on the calling thread, switched at every __syncthreads() and __ballot_sync().
//     Between two barriers the threads run one at a time in an order that is reshuffled at every
//     barrier (fixed seed), so code whose result depends on the interleaving of threads between
//     barriers (a data race on the GPU) tends to produce results that differ from the CPU's;
//   - __ballot_sync, __shfl_sync and __shfl_up_sync are only supported when every thread of the
//     block calls them together (as the spike-list compaction does); __shared__ variables are
//     function-local statics (one block at a time).
// It does not model the GPU's memory model, warp scheduling, timing or resource limits: a test
// that passes here shows that the kernels compute the right thing given barrier semantics, not
// that they are free of every GPU-specific fault.
#pragma once

#include <setjmp.h>
#include <ucontext.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <numeric>
#include <random>
#include <stdexcept>
#include <utility>
#include <vector>

// ---- language extensions -------------------------------------------------------------------------
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __restrict__ __restrict
#define __shared__ static

namespace spiketorch::backend::emulation {

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
};

struct block_scheduler;
inline block_scheduler*& current_scheduler() {
  static block_scheduler* s = nullptr;
  return s;
}

}  // namespace spiketorch::backend::emulation

inline spiketorch::backend::emulation::dim3 threadIdx, blockIdx, blockDim, gridDim;

// ---- runtime API ----------------------------------------------------------------------------------
enum cudaError_t {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorNoDevice = 100,
};
enum cudaMemcpyKind {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
};
struct CUstream_st {};
using cudaStream_t = CUstream_st*;
inline constexpr unsigned cudaStreamNonBlocking = 1;

namespace spiketorch::backend::emulation {
inline cudaError_t& last_error() {
  static cudaError_t e = cudaSuccess;
  return e;
}
inline cudaError_t record(cudaError_t e) {
  if (e != cudaSuccess) last_error() = e;
  return e;
}
/// Set to make the next cudaMalloc fail (tests of the error path).
inline bool& fail_next_malloc() {
  static bool f = false;
  return f;
}
}  // namespace spiketorch::backend::emulation

inline const char* cudaGetErrorString(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorNoDevice: return "no CUDA-capable device is detected";
  }
  return "unknown error";
}
inline const char* cudaGetErrorName(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    case cudaErrorNoDevice: return "cudaErrorNoDevice";
  }
  return "cudaErrorUnknown";
}
inline cudaError_t cudaGetLastError() {
  const cudaError_t e = spiketorch::backend::emulation::last_error();
  spiketorch::backend::emulation::last_error() = cudaSuccess;
  return e;
}
inline cudaError_t cudaGetDeviceCount(int* n) {
  *n = 1;
  return cudaSuccess;
}
inline cudaError_t cudaMalloc(void** p, std::size_t bytes) {
  if (std::exchange(spiketorch::backend::emulation::fail_next_malloc(), false))
    return spiketorch::backend::emulation::record(cudaErrorMemoryAllocation);
  // Filled with a NaN pattern so that reading memory nobody wrote shows up in comparisons.
  *p = std::malloc(bytes ? bytes : 1);
  if (!*p) return spiketorch::backend::emulation::record(cudaErrorMemoryAllocation);
  std::memset(*p, 0xff, bytes);
  return cudaSuccess;
}
inline cudaError_t cudaFree(void* p) {
  std::free(p);
  return cudaSuccess;
}
inline cudaError_t cudaMemcpyAsync(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind,
                                   cudaStream_t) {
  if (bytes && (!dst || !src)) return spiketorch::backend::emulation::record(cudaErrorInvalidValue);
  std::memmove(dst, src, bytes);
  return cudaSuccess;
}
inline cudaError_t cudaMemsetAsync(void* dst, int value, std::size_t bytes, cudaStream_t) {
  std::memset(dst, value, bytes);
  return cudaSuccess;
}
inline cudaError_t cudaStreamCreateWithFlags(cudaStream_t* s, unsigned) {
  *s = new CUstream_st;
  return cudaSuccess;
}
inline cudaError_t cudaStreamDestroy(cudaStream_t s) {
  delete s;
  return cudaSuccess;
}
inline cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }

// ---- thread blocks as coroutines -------------------------------------------------------------------
namespace spiketorch::backend::emulation {

struct block_scheduler {
  // Each thread starts on its own stack through makecontext/swapcontext once; afterwards control
  // moves between a thread and the scheduler with _setjmp/_longjmp, which (unlike swapcontext)
  // does not save the signal mask with a system call at every switch.
  struct thread {
    ucontext_t ctx{};
    jmp_buf jb{};
    std::unique_ptr<char[]> stack;
    bool started = false;
    bool done = false;
  };
  static constexpr std::size_t stack_bytes = 256 * 1024;

  std::vector<thread> threads;
  std::vector<std::uint32_t> ballot_in;
  std::vector<std::uint32_t> ballot_out;
  std::vector<std::uint64_t> exchange;  // one value per thread, for warp shuffles
  jmp_buf scheduler_jb{};
  ucontext_t scheduler_ctx{};
  unsigned running = 0;
  std::function<void()> body;
  std::mt19937 shuffle{12345};

  static void entry() {
    block_scheduler& s = *current_scheduler();
    s.body();
    s.threads[s.running].done = true;
    _longjmp(s.scheduler_jb, 1);
  }

  void resume(unsigned i) {
    running = i;
    threadIdx.x = i;
    if (_setjmp(scheduler_jb) == 0) {
      thread& t = threads[i];
      if (!t.started) {
        t.started = true;
        swapcontext(&scheduler_ctx, &t.ctx);  // never returns here: the thread longjmps back
      } else {
        _longjmp(t.jb, 1);
      }
    }
  }

  /// Runs `body` as blockDim.x threads of block blockIdx.x until all have returned.
  void run(unsigned n_threads, std::function<void()> f) {
    body = std::move(f);
    threads.clear();
    threads.resize(n_threads);
    ballot_in.assign(n_threads, 0);
    ballot_out.assign((n_threads + 31) / 32, 0);
    exchange.assign(n_threads, 0);
    for (auto& t : threads) {
      t.stack.reset(new char[stack_bytes]);
      getcontext(&t.ctx);
      t.ctx.uc_stack.ss_sp = t.stack.get();
      t.ctx.uc_stack.ss_size = stack_bytes;
      t.ctx.uc_link = nullptr;
      makecontext(&t.ctx, &block_scheduler::entry, 0);
    }
    std::vector<unsigned> order(n_threads);
    std::iota(order.begin(), order.end(), 0u);
    for (;;) {
      // One phase: every live thread runs up to its next barrier (or its end).
      std::shuffle(order.begin(), order.end(), shuffle);
      std::size_t done = 0, waiting = 0;
      for (unsigned i : order) {
        if (threads[i].done) {
          ++done;
          continue;
        }
        resume(i);
        if (threads[i].done)
          ++done;
        else
          ++waiting;
      }
      if (done == n_threads) break;
      if (done != 0 && waiting != 0)
        throw std::logic_error(
            "CUDA emulation: some threads of a block returned while others wait at a barrier "
            "(divergent __syncthreads)");
      // All threads are at the same barrier: evaluate ballots before releasing them.
      std::fill(ballot_out.begin(), ballot_out.end(), 0u);
      for (unsigned i = 0; i < n_threads; ++i)
        if (ballot_in[i]) ballot_out[i / 32] |= 1u << (i % 32);
    }
  }

  void barrier() {
    if (_setjmp(threads[running].jb) == 0) _longjmp(scheduler_jb, 1);
  }
};

/// Runs a kernel body for every block of a grid (blocks in order, threads as coroutines).
/// Launches from several host threads run one after another (the emulated thread indices are
/// process-wide).
template <class F>
void launch(unsigned blocks, unsigned threads_per_block, F&& kernel_body) {
  static std::mutex one_launch_at_a_time;
  std::lock_guard<std::mutex> lock(one_launch_at_a_time);
  block_scheduler scheduler;
  block_scheduler* previous = current_scheduler();
  current_scheduler() = &scheduler;
  gridDim = {blocks, 1, 1};
  blockDim = {threads_per_block, 1, 1};
  try {
    for (unsigned b = 0; b < blocks; ++b) {
      blockIdx = {b, 1, 1};
      scheduler.run(threads_per_block, std::function<void()>(kernel_body));
    }
  } catch (...) {
    current_scheduler() = previous;
    throw;
  }
  current_scheduler() = previous;
}

}  // namespace spiketorch::backend::emulation

inline void __syncthreads() { spiketorch::backend::emulation::current_scheduler()->barrier(); }
inline unsigned __ballot_sync(unsigned, bool predicate) {
  auto& s = *spiketorch::backend::emulation::current_scheduler();
  s.ballot_in[threadIdx.x] = predicate ? 1u : 0u;
  s.barrier();  // everyone has voted; the scheduler computed the masks
  const unsigned mask = s.ballot_out[threadIdx.x / 32];
  s.barrier();  // everyone has read its mask before the next vote
  return mask;
}
namespace spiketorch::backend::emulation {
/// A warp shuffle: every thread deposits `value`, then reads the value of lane `src` of its warp.
/// Like __ballot_sync, only supported when every thread of the block calls it together.
template <class T>
T shuffle(T value, unsigned src) {
  static_assert(sizeof(T) <= sizeof(std::uint64_t));
  auto& s = *current_scheduler();
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(T));
  s.exchange[threadIdx.x] = bits;
  s.barrier();
  bits = s.exchange[(threadIdx.x & ~31u) + (src & 31u)];
  s.barrier();
  T out;
  std::memcpy(&out, &bits, sizeof(T));
  return out;
}
}  // namespace spiketorch::backend::emulation

template <class T>
T __shfl_sync(unsigned, T value, int src_lane) {
  return spiketorch::backend::emulation::shuffle(value, unsigned(src_lane));
}
template <class T>
T __shfl_up_sync(unsigned, T value, unsigned delta) {
  const unsigned lane = threadIdx.x & 31u;
  return spiketorch::backend::emulation::shuffle(value, lane >= delta ? lane - delta : lane);
}
inline int __popc(unsigned x) { return __builtin_popcount(x); }
