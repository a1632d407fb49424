// A tuple that device code can use and that is trivially copyable into device memory (std::tuple
// is neither on every CUDA toolchain), and a compile-time loop over indices. The network's view
// (network/view.hpp) keeps one view per layer and per projection in it.
#pragma once

#include "spiketorch/config.hpp"

#include <cstddef>
#include <type_traits>
#include <utility>

namespace spiketorch {

namespace detail {
template <std::size_t I, class T>
struct tuple_leaf {
  T value;
};
template <class Seq, class... T>
struct tuple_base;
template <std::size_t... I, class... T>
struct tuple_base<std::index_sequence<I...>, T...> : tuple_leaf<I, T>... {};
}  // namespace detail

template <class... T>
struct device_tuple : detail::tuple_base<std::index_sequence_for<T...>, T...> {};

template <std::size_t I, class T>
SPIKETORCH_HD SPIKETORCH_INLINE T& tuple_at(detail::tuple_leaf<I, T>& l) {
  return l.value;
}
template <std::size_t I, class T>
SPIKETORCH_HD SPIKETORCH_INLINE const T& tuple_at(const detail::tuple_leaf<I, T>& l) {
  return l.value;
}

namespace detail {
template <class F, std::size_t... I>
SPIKETORCH_HD SPIKETORCH_INLINE void static_for_impl(F& f, std::index_sequence<I...>) {
  (f(std::integral_constant<std::size_t, I>{}), ...);
}
}  // namespace detail

/// f(integral_constant<0>), ..., f(integral_constant<N - 1>), in order.
template <std::size_t N, class F>
SPIKETORCH_HD SPIKETORCH_INLINE void static_for(F&& f) {
  detail::static_for_impl(f, std::make_index_sequence<N>{});
}

}  // namespace spiketorch
