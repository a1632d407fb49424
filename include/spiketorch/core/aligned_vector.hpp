// Per-neuron arrays that start on a cache line. A std::vector's buffer from malloc starts 16
// bytes past one, so that every second 32-byte load or store of a vectorised loop straddles
// two lines: on this project's machine the neuron update of the Brette et al. (2007) networks
// took 10-20% longer over such arrays (examples/brette2007, N = 4,000-64,000, one thread).
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace spiketorch {

/// std::allocator's behaviour with buffers aligned to `Align` bytes.
template <class T, std::size_t Align>
struct aligned_allocator {
  static_assert(Align >= alignof(T) && (Align & (Align - 1)) == 0);
  using value_type = T;
  template <class U>
  struct rebind {
    using other = aligned_allocator<U, Align>;
  };
  aligned_allocator() = default;
  template <class U>
  aligned_allocator(const aligned_allocator<U, Align>&) noexcept {}
  T* allocate(std::size_t n) {
    return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(Align)));
  }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, std::align_val_t(Align)); }
  template <class U>
  bool operator==(const aligned_allocator<U, Align>&) const noexcept {
    return true;
  }
};

/// The alignment of state arrays: a cache line, and a whole AVX-512 register.
inline constexpr std::size_t state_alignment = 64;

template <class T>
using aligned_vector = std::vector<T, aligned_allocator<T, state_alignment>>;

}  // namespace spiketorch
