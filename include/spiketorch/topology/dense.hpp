// All-to-all connectivity: n_pre x n_post weights stored row-major, so the synapses of one
// presynaptic neuron (what a spike touches) are contiguous.
#pragma once

#include "spiketorch/config.hpp"

#include <vector>

#include "spiketorch/core/array_map.hpp"
#include "spiketorch/core/random.hpp"
#include "spiketorch/topology/concepts.hpp"

namespace spiketorch::topology {

class dense : public visits_through_view<dense> {
 public:
  struct params {};

  /// Weights and sizes as plain pointers, for the step on any backend.
  struct view_type {
    static constexpr bool contiguous_rows = true;
    static constexpr bool one_source_per_target = false;
    real* w;
    std::size_t n_pre, n_post;

    SPIKETORCH_HD std::size_t find(index_t i, index_t j) const { return std::size_t(i) * n_post + j; }
    SPIKETORCH_HD std::size_t row_begin(index_t i) const { return std::size_t(i) * n_post; }
    template <class F>
    SPIKETORCH_HD void for_each_target(index_t i, F&& f) const {
      // size_t induction variables: a 32-bit counter against a 64-bit bound could wrap, which
      // stops the compiler from vectorising.
      const std::size_t base = std::size_t(i) * n_post, n = n_post;
      SPIKETORCH_SIMD_LOOP
      for (std::size_t j = 0; j < n; ++j) f(index_t(j), base + j);
    }
    SPIKETORCH_HD std::size_t n_sources(index_t) const { return n_pre; }
    SPIKETORCH_HD synapse_ref source(index_t j, std::size_t q) const {
      return {index_t(q), q * n_post + j};
    }
  };

  dense() = default;
  dense(std::size_t n_pre, std::size_t n_post, const params& = {})
      : n_pre_(n_pre), n_post_(n_post), w_(n_pre * n_post, real(0)) {
    require(n_pre > 0 && n_post > 0, "dense topology: layer sizes must be > 0");
  }
  /// The synapses into targets c (topology/concepts.hpp, column_range) only.
  dense(std::size_t n_pre, std::size_t n_post, const params&, random_stream, column_range c)
      : n_pre_(n_pre), n_post_(c.count), first_(c.first), n_whole_(n_post) {
    require(n_pre > 0 && n_post > 0, "dense topology: layer sizes must be > 0");
    require(c.first + c.count <= n_post, "dense topology: targets ", c.first, "..",
            c.first + c.count, " outside the ", n_post, " of the layer");
    w_.assign(n_pre * c.count, real(0));
  }

  std::size_t n_pre() const { return n_pre_; }
  std::size_t n_post() const { return n_post_; }
  std::size_t n_synapses() const { return w_.size(); }
  std::span<real> weights() { return w_; }
  std::span<const real> weights() const { return w_; }
  /// The synapses of the whole projection (more than n_synapses() in a share).
  std::uint64_t whole_synapses() const {
    return std::uint64_t(n_pre_) * (n_whole_ == 0 ? n_post_ : n_whole_);
  }
  /// The index in the whole projection of stored synapse k (from source i).
  std::uint64_t global_synapse(index_t i, std::size_t k) const {
    return first_ == 0 && n_whole_ == 0 ? k
                                        : std::uint64_t(i) * n_whole_ + first_ + (k - i * n_post_);
  }

  /// The view; `learning` says whether the step writes the weights.
  template <class Map>
  view_type view(Map&& m, bool learning) {
    return {learning ? m.state(w_) : m.constant(w_), n_pre_, n_post_};
  }
  view_type view() const { return {const_cast<real*>(w_.data()), n_pre_, n_post_}; }

  /// Contiguous targets of i: lets kernels run a plain unit-stride loop over j.
  static constexpr bool contiguous_rows = true;
  std::size_t row_begin(index_t i) const { return view().row_begin(i); }

 private:
  std::size_t n_pre_ = 0, n_post_ = 0;
  std::size_t first_ = 0, n_whole_ = 0;  // a share's first target and the projection's targets
  std::vector<real> w_;
};

static_assert(Topology<dense>);

}  // namespace spiketorch::topology
