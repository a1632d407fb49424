// All-but-self connectivity between two layers of equal size: neuron i reaches every target
// except target i (lateral inhibition in Diehl & Cook). Stored row-major without the diagonal,
// n x (n - 1) weights, so no code path can ever read or write a self-connection.
//
// A share of the targets (column_range: what one rank stores, distributed/) keeps the rows of
// all sources over its targets only: row i has `count` weights, one fewer where target i is in
// the share. The whole projection is the share of all targets, so one set of formulas serves
// both.
#pragma once

#include "spiketorch/config.hpp"

#include <vector>

#include "spiketorch/core/array_map.hpp"
#include "spiketorch/core/random.hpp"
#include "spiketorch/topology/concepts.hpp"

namespace spiketorch::topology {

class all_but_self : public visits_through_view<all_but_self> {
 public:
  struct params {};

  /// Targets [0, n_post) are targets col0.. of the projection.
  struct view_type {
    static constexpr bool contiguous_rows = false;
    static constexpr bool one_source_per_target = false;
    real* w;
    std::size_t n_pre, n_post;
    std::size_t col0;

    /// Source i's target in the share's numbering (n_post or above when it is outside).
    SPIKETORCH_HD std::size_t self_of(index_t i) const { return std::size_t(i) - col0; }
    /// Where source i's row begins: n_post weights per row before it, less the diagonals.
    SPIKETORCH_HD std::size_t row_start(index_t i) const {
      const std::size_t before = std::size_t(i) < col0 ? 0 : std::size_t(i) - col0;
      return std::size_t(i) * n_post - (before < n_post ? before : n_post);
    }
    SPIKETORCH_HD std::size_t find(index_t i, index_t j) const {
      const std::size_t self = self_of(i);
      if (std::size_t(j) == self) return no_synapse;
      return row_start(i) + j - (self < n_post && std::size_t(j) > self ? 1 : 0);
    }
    template <class F>
    SPIKETORCH_HD void for_each_target(index_t i, F&& f) const {
      const std::size_t base = row_start(i), n = n_post;
      const std::size_t self = self_of(i) < n ? self_of(i) : n;
      for (std::size_t j = 0; j < self; ++j) f(index_t(j), base + j);
      for (std::size_t j = self + 1; j < n; ++j) f(index_t(j), base + j - 1);
    }
    SPIKETORCH_HD std::size_t n_sources(index_t) const { return n_pre - 1; }
    SPIKETORCH_HD synapse_ref source(index_t j, std::size_t q) const {
      const std::size_t i = q < std::size_t(j) + col0 ? q : q + 1;
      return {index_t(i), find(index_t(i), j)};
    }
  };

  all_but_self() = default;
  all_but_self(std::size_t n_pre, std::size_t n_post, const params& = {})
      : n_(n_pre), n_post_(n_post) {
    require(n_pre > 1, "all_but_self topology: layers need at least 2 neurons, got ", n_pre);
    require(n_pre == n_post, "all_but_self topology needs equal layer sizes, got ", n_pre, " and ",
            n_post);
    w_.assign(n_ * (n_ - 1), real(0));
  }
  /// The synapses into targets c only.
  all_but_self(std::size_t n_pre, std::size_t n_post, const params&, random_stream,
               column_range c)
      : n_(n_pre), n_post_(c.count), col0_(c.first) {
    require(n_pre > 1, "all_but_self topology: layers need at least 2 neurons, got ", n_pre);
    require(n_pre == n_post, "all_but_self topology needs equal layer sizes, got ", n_pre, " and ",
            n_post);
    require(c.first + c.count <= n_post, "all_but_self topology: targets ", c.first, "..",
            c.first + c.count, " outside the ", n_post, " of the layer");
    w_.assign(n_ * c.count - c.count, real(0));  // each target's own source is left out
  }

  std::size_t n_pre() const { return n_; }
  std::size_t n_post() const { return n_post_; }
  std::size_t n_synapses() const { return w_.size(); }
  std::span<real> weights() { return w_; }
  std::span<const real> weights() const { return w_; }
  std::uint64_t whole_synapses() const { return std::uint64_t(n_) * (n_ - 1); }
  /// The index in the whole projection of stored synapse k (from source i).
  std::uint64_t global_synapse(index_t i, std::size_t k) const {
    const view_type v = view();
    const std::size_t pos = k - v.row_start(i), self = v.self_of(i);
    const std::size_t j = col0_ + pos + (self < n_post_ && pos >= self ? 1 : 0);
    return std::uint64_t(i) * (n_ - 1) + (j < i ? j : j - 1);
  }

  template <class Map>
  view_type view(Map&& m, bool learning) {
    return {learning ? m.state(w_) : m.constant(w_), n_, n_post_, col0_};
  }
  view_type view() const { return {const_cast<real*>(w_.data()), n_, n_post_, col0_}; }

  static constexpr bool contiguous_rows = false;

 private:
  std::size_t n_ = 0, n_post_ = 0, col0_ = 0;
  std::vector<real> w_;
};

static_assert(Topology<all_but_self>);

}  // namespace spiketorch::topology
