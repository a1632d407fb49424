// Sparse connectivity in compressed sparse row (CSR) form, plus a transposed index (CSC) so that
// a postsynaptic spike can visit its incoming synapses without a search.
#pragma once

#include <algorithm>
#include <utility>
#include <vector>

#include "spiketorch/core/random.hpp"
#include "spiketorch/topology/concepts.hpp"

namespace spiketorch::topology {

class sparse {
 public:
  /// Random connectivity: each (i, j) exists independently with probability `probability`.
  struct params {
    double probability = 0.1;
    bool allow_self = true;  // only meaningful when a layer projects onto itself
  };

  sparse() = default;
  /// Draws a random structure from `stream` (coordinates (1, i) so it never overlaps weight draws).
  sparse(std::size_t n_pre, std::size_t n_post, const params& p, random_stream stream = {}) {
    require(n_pre > 0 && n_post > 0, "sparse topology: layer sizes must be > 0");
    require(p.probability >= 0.0 && p.probability <= 1.0,
            "sparse topology: probability must be in [0, 1], got ", p.probability);
    std::vector<std::pair<index_t, index_t>> pairs;
    for (index_t i = 0; i < n_pre; ++i) {
      sequential_uniforms u(stream, 1, i);
      for (index_t j = 0; j < n_post; ++j)
        if (u.next() < p.probability && (p.allow_self || i != j)) pairs.emplace_back(i, j);
    }
    build(n_pre, n_post, std::move(pairs));
  }
  /// Explicit structure from (pre, post) pairs; duplicates are rejected.
  sparse(std::size_t n_pre, std::size_t n_post, std::vector<std::pair<index_t, index_t>> pairs) {
    require(n_pre > 0 && n_post > 0, "sparse topology: layer sizes must be > 0");
    build(n_pre, n_post, std::move(pairs));
  }

  std::size_t n_pre() const { return n_pre_; }
  std::size_t n_post() const { return n_post_; }
  std::size_t n_synapses() const { return col_.size(); }
  std::span<real> weights() { return w_; }
  std::span<const real> weights() const { return w_; }
  /// CSR structure: the synapses of source i are row_offsets()[i] .. row_offsets()[i + 1] - 1,
  /// with targets columns()[k] in increasing order (the CUDA backend searches them).
  std::span<const std::size_t> row_offsets() const { return row_ptr_; }
  std::span<const index_t> columns() const { return col_; }

  std::size_t find(index_t i, index_t j) const {
    const auto first = col_.begin() + std::ptrdiff_t(row_ptr_[i]);
    const auto last = col_.begin() + std::ptrdiff_t(row_ptr_[i + 1]);
    const auto it = std::lower_bound(first, last, j);
    return it != last && *it == j ? std::size_t(it - col_.begin()) : no_synapse;
  }

  template <class F>
  void for_each_target(index_t i, F&& f) const {
    for (std::size_t k = row_ptr_[i]; k < row_ptr_[i + 1]; ++k) f(col_[k], k);
  }
  template <class F>
  void for_each_source(index_t j, F&& f) const {
    for (std::size_t c = col_ptr_[j]; c < col_ptr_[j + 1]; ++c) f(row_of_[c], syn_of_[c]);
  }
  template <class F>
  void for_each_synapse(F&& f) const {
    for (std::size_t i = 0; i < n_pre_; ++i)
      for (std::size_t k = row_ptr_[i]; k < row_ptr_[i + 1]; ++k) f(index_t(i), col_[k], k);
  }
  static constexpr bool contiguous_rows = false;

 private:
  void build(std::size_t n_pre, std::size_t n_post, std::vector<std::pair<index_t, index_t>> pairs) {
    n_pre_ = n_pre;
    n_post_ = n_post;
    std::sort(pairs.begin(), pairs.end());
    require(std::adjacent_find(pairs.begin(), pairs.end()) == pairs.end(),
            "sparse topology: duplicate synapse");
    row_ptr_.assign(n_pre + 1, 0);
    col_ptr_.assign(n_post + 1, 0);
    col_.resize(pairs.size());
    for (std::size_t k = 0; k < pairs.size(); ++k) {
      const auto [i, j] = pairs[k];
      require(i < n_pre && j < n_post, "sparse topology: synapse (", i, ", ", j,
              ") outside the layers (", n_pre, " x ", n_post, ")");
      ++row_ptr_[i + 1];
      ++col_ptr_[j + 1];
      col_[k] = j;
    }
    for (std::size_t i = 0; i < n_pre; ++i) row_ptr_[i + 1] += row_ptr_[i];
    for (std::size_t j = 0; j < n_post; ++j) col_ptr_[j + 1] += col_ptr_[j];
    row_of_.resize(pairs.size());
    syn_of_.resize(pairs.size());
    std::vector<std::size_t> fill(col_ptr_.begin(), col_ptr_.end() - 1);
    for (std::size_t k = 0; k < pairs.size(); ++k) {
      const std::size_t c = fill[pairs[k].second]++;
      row_of_[c] = pairs[k].first;
      syn_of_[c] = k;
    }
    w_.assign(pairs.size(), real(0));
  }

  std::size_t n_pre_ = 0, n_post_ = 0;
  std::vector<std::size_t> row_ptr_, col_ptr_, syn_of_;
  std::vector<index_t> col_, row_of_;
  std::vector<real> w_;
};

static_assert(Topology<sparse>);

}  // namespace spiketorch::topology
