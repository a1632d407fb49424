// All-to-all connectivity: n_pre x n_post weights stored row-major, so the synapses of one
// presynaptic neuron (what a spike touches) are contiguous.
#pragma once

#include <vector>

#include "spiketorch/topology/concepts.hpp"

namespace spiketorch::topology {

class dense {
 public:
  struct params {};
  dense() = default;
  dense(std::size_t n_pre, std::size_t n_post, const params& = {})
      : n_pre_(n_pre), n_post_(n_post), w_(n_pre * n_post, real(0)) {
    require(n_pre > 0 && n_post > 0, "dense topology: layer sizes must be > 0");
  }

  std::size_t n_pre() const { return n_pre_; }
  std::size_t n_post() const { return n_post_; }
  std::size_t n_synapses() const { return w_.size(); }
  std::span<real> weights() { return w_; }
  std::span<const real> weights() const { return w_; }
  std::size_t find(index_t i, index_t j) const { return std::size_t(i) * n_post_ + j; }

  template <class F>
  void for_each_target(index_t i, F&& f) const {
    // size_t induction variables: a 32-bit counter against a 64-bit bound could wrap, which
    // stops the compiler from vectorising.
    const std::size_t base = std::size_t(i) * n_post_, n = n_post_;
    SPIKETORCH_SIMD_LOOP
    for (std::size_t j = 0; j < n; ++j) f(index_t(j), base + j);
  }
  template <class F>
  void for_each_source(index_t j, F&& f) const {
    const std::size_t n = n_pre_, stride = n_post_;
    for (std::size_t i = 0; i < n; ++i) f(index_t(i), i * stride + j);
  }
  template <class F>
  void for_each_synapse(F&& f) const {
    const std::size_t n_pre = n_pre_, n_post = n_post_;
    for (std::size_t i = 0; i < n_pre; ++i)
      SPIKETORCH_SIMD_LOOP
      for (std::size_t j = 0; j < n_post; ++j) f(index_t(i), index_t(j), i * n_post + j);
  }
  /// Contiguous targets of i: lets kernels run a plain unit-stride loop over j.
  static constexpr bool contiguous_rows = true;
  std::size_t row_begin(index_t i) const { return std::size_t(i) * n_post_; }

 private:
  std::size_t n_pre_ = 0, n_post_ = 0;
  std::vector<real> w_;
};

static_assert(Topology<dense>);

}  // namespace spiketorch::topology
