// One-to-one connectivity: neuron i of the source reaches neuron i of the target only.
#pragma once

#include <vector>

#include "spiketorch/topology/concepts.hpp"

namespace spiketorch::topology {

class one_to_one {
 public:
  struct params {};
  one_to_one() = default;
  one_to_one(std::size_t n_pre, std::size_t n_post, const params& = {}) : w_(n_pre, real(0)) {
    require(n_pre > 0, "one_to_one topology: layer sizes must be > 0");
    require(n_pre == n_post, "one_to_one topology needs equal layer sizes, got ", n_pre, " and ",
            n_post);
  }

  std::size_t n_pre() const { return w_.size(); }
  std::size_t n_post() const { return w_.size(); }
  std::size_t n_synapses() const { return w_.size(); }
  std::span<real> weights() { return w_; }
  std::span<const real> weights() const { return w_; }

  std::size_t find(index_t i, index_t j) const { return i == j ? std::size_t(i) : no_synapse; }

  template <class F>
  void for_each_target(index_t i, F&& f) const {
    f(i, std::size_t(i));
  }
  template <class F>
  void for_each_source(index_t j, F&& f) const {
    f(j, std::size_t(j));
  }
  template <class F>
  void for_each_synapse(F&& f) const {
    for (std::size_t i = 0; i < w_.size(); ++i) f(index_t(i), index_t(i), i);
  }
  static constexpr bool contiguous_rows = false;

 private:
  std::vector<real> w_;
};

static_assert(Topology<one_to_one>);

}  // namespace spiketorch::topology
