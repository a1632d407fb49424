// Compile-time strings used as template arguments: layer and projection names are part of the
// network type, so a misspelt name fails to compile instead of failing at run time.
#pragma once

#include "spiketorch/config.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace spiketorch {

template <std::size_t N>
struct fixed_string {
  char value[N]{};

  constexpr fixed_string(const char (&text)[N]) { std::copy_n(text, N, value); }

  constexpr std::string_view view() const { return {value, N - 1}; }
  constexpr operator std::string_view() const { return view(); }

  template <std::size_t M>
  constexpr bool operator==(const fixed_string<M>& other) const {
    return view() == other.view();
  }
};

/// FNV-1a of a name: used to derive independent random streams for each layer and projection.
constexpr std::uint64_t name_hash(std::string_view name) {
  std::uint64_t h = 1469598103934665603ull;
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace spiketorch
