// The number of members of an aggregate: the largest N for which T{x1, ..., xN} compiles. Field
// lists of parameter structs (their JSON serialiser, the Python module of described networks)
// check against it that they name every member, so that a field added to a struct but not to a
// list fails to compile instead of silently going missing.
#pragma once

#include "spiketorch/config.hpp"

#include <cstddef>
#include <utility>

namespace spiketorch::detail {

/// Converts to anything: stands for one member's initialiser.
struct any_value {
  template <class T>
  operator T() const;
};

template <class T, class... A>
constexpr std::size_t member_count() {
  if constexpr (requires { T{std::declval<A>()..., any_value{}}; })
    return member_count<T, A..., any_value>();
  else
    return sizeof...(A);
}

}  // namespace spiketorch::detail
