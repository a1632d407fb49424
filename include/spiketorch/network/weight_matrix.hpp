// Dense weights as an Eigen matrix: `net.weight_matrix<"X", "E">()` maps a dense projection's
// weights as an n_pre x n_post row-major matrix without copying. A header of its own so that a
// network that needs no linear algebra does not parse Eigen.
#pragma once

#include "spiketorch/config.hpp"

#include <Eigen/Core>
#include <cstddef>

#include "spiketorch/network/network.hpp"

namespace spiketorch::detail {

template <>
struct array_adaptor<eigen_tag> {
  static auto matrix(real* w, std::size_t n_pre, std::size_t n_post) {
    return Eigen::Map<Eigen::Matrix<real, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
        w, static_cast<Eigen::Index>(n_pre), static_cast<Eigen::Index>(n_post));
  }
};

}  // namespace spiketorch::detail
