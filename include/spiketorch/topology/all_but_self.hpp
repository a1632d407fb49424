// All-but-self connectivity between two layers of equal size: neuron i reaches every target
// except target i (lateral inhibition in Diehl & Cook). Stored as n x (n - 1) row-major weights
// without the diagonal, so no code path can ever read or write a self-connection.
#pragma once

#include "spiketorch/config.hpp"

#include <vector>

#include "spiketorch/core/array_map.hpp"
#include "spiketorch/topology/concepts.hpp"

namespace spiketorch::topology {

class all_but_self : public visits_through_view<all_but_self> {
 public:
  struct params {};

  struct view_type {
    static constexpr bool contiguous_rows = false;
    static constexpr bool one_source_per_target = false;
    real* w;
    std::size_t n_pre, n_post;  // equal

    SPIKETORCH_HD std::size_t find(index_t i, index_t j) const {
      return i == j ? no_synapse : std::size_t(i) * (n_post - 1) + (j < i ? j : j - 1);
    }
    template <class F>
    SPIKETORCH_HD void for_each_target(index_t i, F&& f) const {
      const std::size_t base = std::size_t(i) * (n_post - 1), n = n_post;
      for (std::size_t j = 0; j < i; ++j) f(index_t(j), base + j);
      for (std::size_t j = std::size_t(i) + 1; j < n; ++j) f(index_t(j), base + j - 1);
    }
    SPIKETORCH_HD std::size_t n_sources(index_t) const { return n_pre - 1; }
    SPIKETORCH_HD synapse_ref source(index_t j, std::size_t q) const {
      const std::size_t i = q < j ? q : q + 1;
      return {index_t(i), i * (n_post - 1) + (j < i ? j : j - 1)};
    }
  };

  all_but_self() = default;
  all_but_self(std::size_t n_pre, std::size_t n_post, const params& = {}) : n_(n_pre) {
    require(n_pre > 1, "all_but_self topology: layers need at least 2 neurons, got ", n_pre);
    require(n_pre == n_post, "all_but_self topology needs equal layer sizes, got ", n_pre, " and ",
            n_post);
    w_.assign(n_ * (n_ - 1), real(0));
  }

  std::size_t n_pre() const { return n_; }
  std::size_t n_post() const { return n_; }
  std::size_t n_synapses() const { return w_.size(); }
  std::span<real> weights() { return w_; }
  std::span<const real> weights() const { return w_; }

  template <class Map>
  view_type view(Map&& m, bool learning) {
    return {learning ? m.state(w_) : m.constant(w_), n_, n_};
  }
  view_type view() const { return {const_cast<real*>(w_.data()), n_, n_}; }

  static constexpr bool contiguous_rows = false;

 private:
  std::size_t n_ = 0;
  std::vector<real> w_;
};

static_assert(Topology<all_but_self>);

}  // namespace spiketorch::topology
