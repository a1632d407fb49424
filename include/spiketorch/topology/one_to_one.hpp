// One-to-one connectivity: neuron i of the source reaches neuron i of the target only.
#pragma once

#include "spiketorch/config.hpp"

#include <vector>

#include "spiketorch/core/array_map.hpp"
#include "spiketorch/core/random.hpp"
#include "spiketorch/topology/concepts.hpp"

namespace spiketorch::topology {

class one_to_one : public visits_through_view<one_to_one> {
 public:
  struct params {};

  /// Targets [0, n_post) are targets col0.. of the projection (a share: column_range); synapse k
  /// is the one into target k.
  struct view_type {
    static constexpr bool contiguous_rows = false;
    static constexpr bool one_source_per_target = true;
    real* w;
    std::size_t n_pre, n_post;
    std::size_t col0;

    SPIKETORCH_HD std::size_t find(index_t i, index_t j) const {
      return i == j + col0 ? std::size_t(j) : no_synapse;
    }
    template <class F>
    SPIKETORCH_HD void for_each_target(index_t i, F&& f) const {
      const std::size_t j = std::size_t(i) - col0;  // wraps above n_post for i < col0
      if (j < n_post) f(index_t(j), j);
    }
    SPIKETORCH_HD std::size_t n_sources(index_t) const { return 1; }
    SPIKETORCH_HD synapse_ref source(index_t j, std::size_t) const {
      return {index_t(j + col0), std::size_t(j)};
    }
  };

  one_to_one() = default;
  one_to_one(std::size_t n_pre, std::size_t n_post, const params& = {})
      : n_pre_(n_pre), w_(n_pre, real(0)) {
    require(n_pre > 0, "one_to_one topology: layer sizes must be > 0");
    require(n_pre == n_post, "one_to_one topology needs equal layer sizes, got ", n_pre, " and ",
            n_post);
  }
  /// The synapses into targets c only.
  one_to_one(std::size_t n_pre, std::size_t n_post, const params&, random_stream, column_range c)
      : n_pre_(n_pre), col0_(c.first) {
    require(n_pre > 0, "one_to_one topology: layer sizes must be > 0");
    require(n_pre == n_post, "one_to_one topology needs equal layer sizes, got ", n_pre, " and ",
            n_post);
    require(c.first + c.count <= n_post, "one_to_one topology: targets ", c.first, "..",
            c.first + c.count, " outside the ", n_post, " of the layer");
    w_.assign(c.count, real(0));
  }

  std::size_t n_pre() const { return n_pre_; }
  std::size_t n_post() const { return w_.size(); }
  std::size_t n_synapses() const { return w_.size(); }
  std::span<real> weights() { return w_; }
  std::span<const real> weights() const { return w_; }
  std::uint64_t whole_synapses() const { return n_pre_; }
  std::uint64_t global_synapse(index_t, std::size_t k) const { return col0_ + k; }

  template <class Map>
  view_type view(Map&& m, bool learning) {
    return {learning ? m.state(w_) : m.constant(w_), n_pre_, w_.size(), col0_};
  }
  view_type view() const { return {const_cast<real*>(w_.data()), n_pre_, w_.size(), col0_}; }

  static constexpr bool contiguous_rows = false;

 private:
  std::size_t n_pre_ = 0, col0_ = 0;
  std::vector<real> w_;
};

static_assert(Topology<one_to_one>);

}  // namespace spiketorch::topology
