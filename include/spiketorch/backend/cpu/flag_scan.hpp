// The spiking neurons of a range, from the update's spike flags (one byte per neuron, 0 or not),
// for the CPU's compactions (execution.hpp, team_execution.hpp). Spikes are rare: a step of the
// Brette et al. (2007) networks flags about one neuron in two thousand, so the scan's cost is
// that of reading the flags, and it reads them a cache line at a time.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace spiketorch::backend {

static_assert(std::endian::native == std::endian::little, "for_each_flag reads flags as words");

/// f(i) for the i in [lo, hi) with flags[i] != 0, in increasing i.
template <class F>
inline void for_each_flag(const std::uint8_t* flags, std::size_t lo, std::size_t hi, F&& f) {
  auto word_at = [flags](std::size_t i) {
    std::uint64_t w;
    std::memcpy(&w, flags + i, sizeof w);
    return w;
  };
  // The flagged bytes of the eight from i (byte k of the word is flags[i + k]).
  auto visit_word = [&](std::size_t i, std::uint64_t w) {
    while (w != 0) {
      const int k = std::countr_zero(w) / 8;
      f(i + static_cast<std::size_t>(k));
      w &= ~(std::uint64_t{0xff} << (8 * k));
    }
  };
  std::size_t i = lo;
  for (; i + 64 <= hi; i += 64) {
    std::uint64_t w[8];
    std::uint64_t any = 0;
    for (std::size_t q = 0; q < 8; ++q) any |= w[q] = word_at(i + 8 * q);
    if (any == 0) continue;
    for (std::size_t q = 0; q < 8; ++q)
      if (w[q] != 0) visit_word(i + 8 * q, w[q]);
  }
  for (; i + 8 <= hi; i += 8)
    if (const std::uint64_t w = word_at(i); w != 0) visit_word(i, w);
  for (; i < hi; ++i)
    if (flags[i]) f(i);
}

}  // namespace spiketorch::backend
