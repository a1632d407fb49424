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

/// Whether float(x · factor), computed in double, gives back x for every float x: true when
/// |factor - 1| <= 2^-26. Then |x·(factor - 1)| is at most a quarter of the spacing of floats at
/// x (half of it below a power of two; a constant spacing for subnormals), so the product
/// rounds back to x; the double product's own rounding (2^-53 relative) cannot close the gap.
inline bool rescale_is_identity(double factor) {
  constexpr double tolerance = 1.0 / (1 << 26);
  return factor >= 1.0 - tolerance && factor <= 1.0 + tolerance;
}

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
      // Most targets' weights did not change since the last call (only recently active
      // targets learn): their factor is 1 to within rounding and the rescale would give the
      // same floats (rescale_is_identity), so only the others are rescaled, a column each. When
      // many change, the row walk is faster and gives the same floats.
      std::size_t n_rescaled = 0;
      for (std::size_t j = 0; j < n_post; ++j) {
        s[j] = s[j] > 0 ? target_sum / s[j] : 1.0;
        if (!rescale_is_identity(s[j])) ++n_rescaled;
      }
      if (n_rescaled * 16 > n_post) {
        for (std::size_t i = 0; i < topo.n_pre(); ++i) {
          real* __restrict row = w.data() + i * n_post;
          for (std::size_t j = 0; j < n_post; ++j) row[j] = static_cast<real>(row[j] * s[j]);
        }
      } else {
        for (std::size_t j = 0; j < n_post; ++j) {
          if (rescale_is_identity(s[j])) continue;
          real* col = w.data() + j;
          for (std::size_t i = 0; i < topo.n_pre(); ++i)
            col[i * n_post] = static_cast<real>(col[i * n_post] * s[j]);
        }
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
