// All-but-self connectivity between two layers of equal size: neuron i reaches every target
// except target i (lateral inhibition in Diehl & Cook). Stored as n x (n - 1) row-major weights
// without the diagonal, so no code path can ever read or write a self-connection.
#pragma once

#include <vector>

#include "spiketorch/topology/concepts.hpp"

namespace spiketorch::topology {

class all_but_self {
 public:
  struct params {};
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

  std::size_t find(index_t i, index_t j) const {
    return i == j ? no_synapse : std::size_t(i) * (n_ - 1) + (j < i ? j : j - 1);
  }

  template <class F>
  void for_each_target(index_t i, F&& f) const {
    const std::size_t base = std::size_t(i) * (n_ - 1), n = n_;
    for (std::size_t j = 0; j < i; ++j) f(index_t(j), base + j);
    for (std::size_t j = std::size_t(i) + 1; j < n; ++j) f(index_t(j), base + j - 1);
  }
  template <class F>
  void for_each_source(index_t j, F&& f) const {
    const std::size_t n = n_;
    for (std::size_t i = 0; i < n; ++i)
      if (i != j) f(index_t(i), i * (n - 1) + (j < i ? j : j - 1));
  }
  template <class F>
  void for_each_synapse(F&& f) const {
    for (std::size_t i = 0; i < n_; ++i)
      for_each_target(index_t(i), [&](index_t j, std::size_t k) { f(index_t(i), j, k); });
  }
  static constexpr bool contiguous_rows = false;

 private:
  std::size_t n_ = 0;
  std::vector<real> w_;
};

static_assert(Topology<all_but_self>);

}  // namespace spiketorch::topology
