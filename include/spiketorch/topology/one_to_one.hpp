// One-to-one connectivity: neuron i of the source reaches neuron i of the target only.
#pragma once

#include "spiketorch/config.hpp"

#include <vector>

#include "spiketorch/core/array_map.hpp"
#include "spiketorch/topology/concepts.hpp"

namespace spiketorch::topology {

class one_to_one : public visits_through_view<one_to_one> {
 public:
  struct params {};

  struct view_type {
    static constexpr bool contiguous_rows = false;
    static constexpr bool one_source_per_target = true;
    real* w;
    std::size_t n_pre, n_post;  // equal

    SPIKETORCH_HD std::size_t find(index_t i, index_t j) const {
      return i == j ? std::size_t(i) : no_synapse;
    }
    template <class F>
    SPIKETORCH_HD void for_each_target(index_t i, F&& f) const {
      f(i, std::size_t(i));
    }
    SPIKETORCH_HD std::size_t n_sources(index_t) const { return 1; }
    SPIKETORCH_HD synapse_ref source(index_t j, std::size_t) const { return {j, std::size_t(j)}; }
  };

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

  template <class Map>
  view_type view(Map&& m, bool learning) {
    return {learning ? m.state(w_) : m.constant(w_), w_.size(), w_.size()};
  }
  view_type view() const { return {const_cast<real*>(w_.data()), w_.size(), w_.size()}; }

  static constexpr bool contiguous_rows = false;

 private:
  std::vector<real> w_;
};

static_assert(Topology<one_to_one>);

}  // namespace spiketorch::topology
