// Normalisation of incoming weights to a fixed sum, a policy separate from the learning rule:
// each postsynaptic neuron's incoming weights are rescaled multiplicatively so that they sum to
// `target_sum` (78 in Diehl & Cook, applied before every training example). Neurons whose
// incoming weights sum to zero are left alone; no clipping follows the rescale, as in the
// original code.
#pragma once

#include "spiketorch/config.hpp"

#include <vector>

#include "spiketorch/core/errors.hpp"
#include "spiketorch/topology/concepts.hpp"

namespace spiketorch::learning {

struct normalize_incoming {
  double target_sum = 78.0;

  /// `sums` is scratch space (resized to n_post) so repeated calls do not allocate.
  template <topology::Topology T>
  void apply(T& topo, std::vector<double>& sums) const {
    static_assert(!topology::shares_weights_v<T>,
                  "normalize_incoming rescales each target's own weights: shared kernels "
                  "(conv2d, pool2d) have none");
    require(std::isfinite(target_sum) && target_sum >= 0,
            "normalize_incoming: target_sum must be finite and >= 0, got ", target_sum);
    const std::size_t n_post = topo.n_post();
    sums.assign(n_post, 0.0);
    auto w = topo.weights();
    if constexpr (T::contiguous_rows) {
      // Dense rows: unit-stride loops over targets, which the compiler vectorises.
      double* __restrict s = sums.data();
      for (std::size_t i = 0; i < topo.n_pre(); ++i) {
        const real* __restrict row = w.data() + i * n_post;
        for (std::size_t j = 0; j < n_post; ++j) s[j] += row[j];
      }
      for (std::size_t j = 0; j < n_post; ++j) s[j] = s[j] > 0 ? target_sum / s[j] : 1.0;
      for (std::size_t i = 0; i < topo.n_pre(); ++i) {
        real* __restrict row = w.data() + i * n_post;
        for (std::size_t j = 0; j < n_post; ++j) row[j] = static_cast<real>(row[j] * s[j]);
      }
    } else {
      // Storage order keeps the memory walk sequential for every topology.
      topo.for_each_synapse([&](index_t, index_t j, std::size_t k) { sums[j] += w[k]; });
      for (double& s : sums) s = s > 0 ? target_sum / s : 1.0;
      topo.for_each_synapse(
          [&](index_t, index_t j, std::size_t k) { w[k] = static_cast<real>(w[k] * sums[j]); });
    }
  }
  template <topology::Topology T>
  void apply(T& topo) const {
    std::vector<double> sums;
    apply(topo, sums);
  }
};

}  // namespace spiketorch::learning
