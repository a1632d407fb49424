// Counter-based random numbers (Philox-4x32-10, Salmon et al. 2011, "Parallel random numbers: as
// easy as 1, 2, 3"). A draw is a pure function of (seed, counter), so every stream can be
// addressed directly (layer, presentation, neuron, draw index) without shared generator state:
// runs are reproducible for any thread count and the GPU can draw the same numbers as the CPU.
#pragma once

#include "spiketorch/config.hpp"

#include <array>
#include <cmath>
#include <cstdint>

namespace spiketorch {

struct philox_counter {
  std::uint32_t c[4];
};

namespace detail {
SPIKETORCH_HD SPIKETORCH_INLINE void philox_mulhilo(std::uint32_t a, std::uint32_t b,
                                                    std::uint32_t& hi, std::uint32_t& lo) {
  const std::uint64_t product = static_cast<std::uint64_t>(a) * b;
  hi = static_cast<std::uint32_t>(product >> 32);
  lo = static_cast<std::uint32_t>(product);
}
}  // namespace detail

/// Philox-4x32-10: four independent 32-bit words for one (key, counter) pair.
SPIKETORCH_HD SPIKETORCH_INLINE philox_counter philox4x32(philox_counter ctr, std::uint64_t key) {
  constexpr std::uint32_t m0 = 0xD2511F53u, m1 = 0xCD9E8D57u;
  constexpr std::uint32_t w0 = 0x9E3779B9u, w1 = 0xBB67AE85u;
  std::uint32_t k0 = static_cast<std::uint32_t>(key), k1 = static_cast<std::uint32_t>(key >> 32);
  for (int round = 0; round < 10; ++round) {
    std::uint32_t hi0, lo0, hi1, lo1;
    detail::philox_mulhilo(m0, ctr.c[0], hi0, lo0);
    detail::philox_mulhilo(m1, ctr.c[2], hi1, lo1);
    ctr = {{hi1 ^ ctr.c[1] ^ k0, lo1, hi0 ^ ctr.c[3] ^ k1, lo0}};
    k0 += w0;
    k1 += w1;
  }
  return ctr;
}

/// Uniform float in [0, 1) from the top 24 bits of a word (every value exactly representable).
SPIKETORCH_HD SPIKETORCH_INLINE float uniform01(std::uint32_t word) {
  return static_cast<float>(word >> 8) * (1.0f / 16777216.0f);
}

/// Uniform float in (0, 1]: safe to take the logarithm of.
SPIKETORCH_HD SPIKETORCH_INLINE float uniform01_open_low(std::uint32_t word) {
  return (static_cast<float>(word >> 8) + 1.0f) * (1.0f / 16777216.0f);
}

/// One addressable random stream: the seed plus a stream id (e.g. a hash of a layer name). Its
/// draws are indexed by three further 32-bit coordinates chosen by the caller.
class random_stream {
 public:
  random_stream() = default;
  SPIKETORCH_HD random_stream(std::uint64_t seed, std::uint32_t stream_id)
      : key_(seed), stream_(stream_id) {}

  SPIKETORCH_HD philox_counter words(std::uint32_t a, std::uint32_t b, std::uint32_t c) const {
    return philox4x32({{stream_, a, b, c}}, key_);
  }
  /// Four uniforms in [0, 1) for coordinates (a, b, c).
  SPIKETORCH_HD std::array<float, 4> uniform4(std::uint32_t a, std::uint32_t b,
                                              std::uint32_t c) const {
    const philox_counter w = words(a, b, c);
    return {uniform01(w.c[0]), uniform01(w.c[1]), uniform01(w.c[2]), uniform01(w.c[3])};
  }
  SPIKETORCH_HD float uniform(std::uint32_t a, std::uint32_t b, std::uint32_t c) const {
    return uniform01(words(a, b, c).c[0]);
  }
  SPIKETORCH_HD std::uint64_t seed() const { return key_; }
  SPIKETORCH_HD std::uint32_t id() const { return stream_; }

 private:
  std::uint64_t key_ = 0;
  std::uint32_t stream_ = 0;
};

/// A sequential view of a stream for host-side set-up code (weights, delays): draws uniforms in
/// order from consecutive counters of one coordinate pair, four per Philox call.
class sequential_uniforms {
 public:
  sequential_uniforms(random_stream stream, std::uint32_t a, std::uint32_t b)
      : stream_(stream), a_(a), b_(b) {}
  float next() {
    if (used_ == 4) {
      block_ = stream_.uniform4(a_, b_, counter_++);
      used_ = 0;
    }
    return block_[used_++];
  }

 private:
  random_stream stream_;
  std::uint32_t a_, b_, counter_ = 0;
  std::array<float, 4> block_{};
  int used_ = 4;
};

/// Draw n of the sequence `sequential_uniforms(stream, a, b)` gives, for any n: what a process
/// that stores only some of a projection's synapses (distributed/) draws for synapse n, the same
/// value as one that stores them all. Increasing n reuses each Philox call for four draws.
class indexed_uniforms {
 public:
  indexed_uniforms(random_stream stream, std::uint32_t a, std::uint32_t b)
      : stream_(stream), a_(a), b_(b) {}
  float at(std::uint64_t n) {
    const std::uint64_t block = n / 4;
    if (block != block_index_) {
      block_ = stream_.uniform4(a_, b_, static_cast<std::uint32_t>(block));
      block_index_ = block;
    }
    return block_[n % 4];
  }

 private:
  random_stream stream_;
  std::uint32_t a_, b_;
  std::uint64_t block_index_ = ~std::uint64_t(0);
  std::array<float, 4> block_{};
};

/// Uniform integers from a stream for host-side set-up code (connectors): 32-bit words in order
/// from consecutive counters of one coordinate pair, four per Philox call. Integers come from
/// whole words (or pairs of words), not from the 24-bit floats of `sequential_uniforms`, so that
/// a range of millions of neurons is covered evenly.
class sequential_integers {
 public:
  sequential_integers(random_stream stream, std::uint32_t a, std::uint32_t b)
      : stream_(stream), a_(a), b_(b) {}
  std::uint32_t next_word() {
    if (used_ == 4) {
      block_ = stream_.words(a_, b_, counter_++);
      used_ = 0;
    }
    return block_.c[used_++];
  }
  /// Uniform in [0, n) for 0 < n < 2^32 (Lemire's multiply-shift: bias below n / 2^32).
  std::uint32_t below(std::uint32_t n) {
    return static_cast<std::uint32_t>((static_cast<std::uint64_t>(next_word()) * n) >> 32);
  }
  /// Uniform in [0, n) for any n > 0 (64-bit draw reduced modulo n: bias below n / 2^64).
  std::uint64_t below64(std::uint64_t n) {
    const std::uint64_t hi = next_word();
    const std::uint64_t u = (hi << 32) | next_word();
    return u % n;
  }

 private:
  random_stream stream_;
  std::uint32_t a_, b_, counter_ = 0;
  philox_counter block_{};
  int used_ = 4;
};

}  // namespace spiketorch
