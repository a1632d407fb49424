// What ThreadSanitizer cannot see by itself: GCC's OpenMP runtime (libgomp) is not instrumented,
// so the start and end of a parallel region and the barrier of `omp single` order nothing in
// TSan's eyes, and every array the team reads after the main thread wrote it would be reported.
// The runner (backend/cpu/runner.hpp) states those orderings with these two calls; they are
// empty in builds without TSan. The team's own barrier is made of std::atomic operations, which
// TSan sees, so a missing barrier in the step is still reported (tests: build-tsan in test.sh).
#pragma once

#if defined(__SANITIZE_THREAD__)
#define SPIKETORCH_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SPIKETORCH_TSAN 1
#endif
#endif

#if defined(SPIKETORCH_TSAN)
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace spiketorch::backend {

/// Everything this thread did before is visible to a thread that then calls tsan_acquire(token).
inline void tsan_release([[maybe_unused]] void* token) {
#if defined(SPIKETORCH_TSAN)
  __tsan_release(token);
#endif
}
inline void tsan_acquire([[maybe_unused]] void* token) {
#if defined(SPIKETORCH_TSAN)
  __tsan_acquire(token);
#endif
}

}  // namespace spiketorch::backend
