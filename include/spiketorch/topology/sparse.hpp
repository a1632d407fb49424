// Sparse connectivity in compressed sparse row (CSR) form, plus a transposed index (CSC) so that
// a postsynaptic spike can visit its incoming synapses without a search.
#pragma once

#include "spiketorch/config.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <unordered_set>
#include <utility>
#include <vector>

#include "spiketorch/core/array_map.hpp"
#include "spiketorch/core/errors.hpp"
#include "spiketorch/core/random.hpp"
#include "spiketorch/topology/concepts.hpp"

namespace spiketorch::topology {

class sparse : public visits_through_view<sparse> {
 public:
  /// How the synapses are drawn (all from the projection's random stream, so a structure is a
  /// function of the seed alone, whatever the number of threads):
  ///   fixed_probability  each (i, j) exists independently with probability `probability`;
  ///   fixed_in_degree    each target gets exactly `in_degree` distinct sources;
  ///   fixed_total        exactly `total` distinct (i, j) pairs, uniformly among all possible.
  /// `allow_self = false` excludes the pairs i == j (for a layer projecting onto itself).
  enum class connector { fixed_probability, fixed_in_degree, fixed_total };
  struct params {
    double probability = 0.1;
    bool allow_self = true;  // only meaningful when a layer projects onto itself
    connector rule = connector::fixed_probability;
    std::size_t in_degree = 0;  // fixed_in_degree
    std::size_t total = 0;      // fixed_total
  };

  /// CSR rows (targets of a source, increasing) and the transposed index (sources of a target).
  struct view_type {
    static constexpr bool contiguous_rows = false;
    static constexpr bool one_source_per_target = false;
    real* w;
    std::size_t n_pre, n_post;
    const std::size_t* row_ptr;  // [n_pre + 1]
    const index_t* col;          // target of synapse k
    const std::size_t* col_ptr;  // [n_post + 1]
    const index_t* row_of;       // source of the c-th synapse in target order
    const std::size_t* syn_of;   // its synapse index

    /// The first synapse of source i's row whose target is j or above (binary search).
    SPIKETORCH_HD std::size_t first_target_from(index_t i, std::size_t j) const {
      std::size_t lo = row_ptr[i], hi = row_ptr[i + 1];
      while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (col[mid] < j)
          lo = mid + 1;
        else
          hi = mid;
      }
      return lo;
    }
    SPIKETORCH_HD std::size_t find(index_t i, index_t j) const {
      const std::size_t k = first_target_from(i, j);
      return k < row_ptr[i + 1] && col[k] == j ? k : no_synapse;
    }
    template <class F>
    SPIKETORCH_HD void for_each_target(index_t i, F&& f) const {
      for (std::size_t k = row_ptr[i]; k < row_ptr[i + 1]; ++k) f(col[k], k);
    }
    /// The same for the targets in [lo, hi) only (a thread's share: backend/cpu/
    /// team_execution.hpp), starting from a binary search in the sorted row.
    template <class F>
    SPIKETORCH_HD void for_each_target_between(index_t i, std::size_t lo, std::size_t hi,
                                               F&& f) const {
      for (std::size_t k = first_target_from(i, lo); k < row_ptr[i + 1] && col[k] < hi; ++k)
        f(col[k], k);
    }
    SPIKETORCH_HD std::size_t n_sources(index_t j) const { return col_ptr[j + 1] - col_ptr[j]; }
    SPIKETORCH_HD synapse_ref source(index_t j, std::size_t q) const {
      const std::size_t c = col_ptr[j] + q;
      return {row_of[c], syn_of[c]};
    }
  };

  sparse() = default;
  /// Draws a random structure from `stream`. Coordinates (1, i) for fixed_probability,
  /// (3, j) for fixed_in_degree and (4, 0) for fixed_total, so they never overlap the weight
  /// draws (0, ·) and delay draws (2, ·) of the same projection.
  sparse(std::size_t n_pre, std::size_t n_post, const params& p, random_stream stream = {})
      : sparse(n_pre, n_post, p, stream, column_range{0, n_post}) {}
  /// The synapses into targets c only (column_range), out of the structure the whole projection
  /// draws: every rank draws it all (the connectors' draws are per source or over all pairs) but
  /// keeps its share, and each source's count of synapses before it (global_synapse).
  sparse(std::size_t n_pre, std::size_t n_post, const params& p, random_stream stream,
         column_range c) {
    require(n_pre > 0 && n_post > 0, "sparse topology: layer sizes must be > 0");
    require(n_pre <= 0xffffffffu && n_post <= 0xffffffffu,
            "sparse topology: layer sizes must be below 2^32");
    require(c.first + c.count <= n_post, "sparse topology: targets ", c.first, "..",
            c.first + c.count, " outside the ", n_post, " of the layer");
    share_collector share(n_pre, n_post, c);
    switch (p.rule) {
      case connector::fixed_probability:
        // NaN fails both comparisons.
        require(p.probability >= 0.0 && p.probability <= 1.0,
                "sparse topology: probability must be in [0, 1], got ", p.probability);
        draw_probability(n_pre, n_post, p, stream, share);
        break;
      case connector::fixed_in_degree:
        draw_in_degree(n_pre, n_post, p, stream, share);
        break;
      case connector::fixed_total:
        draw_total(n_pre, n_post, p, stream, share);
        break;
      default:
        throw invalid_argument("sparse topology: unknown connector");
    }
    build(n_pre, c.count, std::move(share.pairs));
    if (!share.whole) {
      // Source i's first stored synapse follows all its synapses before it in the projection:
      // those of the sources before i, and its own into targets below the share.
      global_row_.assign(n_pre, 0);
      std::uint64_t before = 0;
      for (std::size_t i = 0; i < n_pre; ++i) {
        global_row_[i] = before + share.row_below[i];
        before += share.row_total[i];
      }
      whole_ = before;
    }
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
  std::uint64_t whole_synapses() const { return global_row_.empty() ? col_.size() : whole_; }
  /// The index in the whole projection of stored synapse k (from source i).
  std::uint64_t global_synapse(index_t i, std::size_t k) const {
    return global_row_.empty() ? k : global_row_[i] + (k - row_ptr_[i]);
  }
  /// CSR structure: the synapses of source i are row_offsets()[i] .. row_offsets()[i + 1] - 1,
  /// with targets columns()[k] in increasing order (the CUDA backend searches them).
  std::span<const std::size_t> row_offsets() const { return row_ptr_; }
  std::span<const index_t> columns() const { return col_; }

  template <class Map>
  view_type view(Map&& m, bool learning) {
    return {learning ? m.state(w_) : m.constant(w_),
            n_pre_,
            n_post_,
            m.constant(row_ptr_),
            m.constant(col_),
            m.constant(col_ptr_),
            m.constant(row_of_),
            m.constant(syn_of_)};
  }
  view_type view() const {
    return {const_cast<real*>(w_.data()), n_pre_,          n_post_,        row_ptr_.data(),
            col_.data(),                  col_ptr_.data(), row_of_.data(), syn_of_.data()};
  }

  static constexpr bool contiguous_rows = false;

 private:
  using pair_list = std::vector<std::pair<index_t, index_t>>;

  // The pairs of a share of the targets, renumbered from its first, and how many pairs of each
  // source fall before the share and in all; all pairs as they are for the whole projection.
  struct share_collector {
    column_range c;
    bool whole;
    pair_list pairs;
    std::vector<std::uint64_t> row_below, row_total;
    share_collector(std::size_t n_pre, std::size_t n_post, column_range range)
        : c(range), whole(range.first == 0 && range.count == n_post) {
      if (!whole) {
        row_below.assign(n_pre, 0);
        row_total.assign(n_pre, 0);
      }
    }
    void reserve(std::size_t n) {
      if (whole) pairs.reserve(n);
    }
    void add(index_t i, index_t j) {
      if (whole) {
        pairs.emplace_back(i, j);
        return;
      }
      ++row_total[i];
      if (j < c.first)
        ++row_below[i];
      else if (j - c.first < c.count)
        pairs.emplace_back(i, static_cast<index_t>(j - c.first));
    }
  };

  // Source i's targets, skipping from one to the next by geometrically distributed gaps (the
  // number of failed Bernoulli(p) trials before a success), so drawing costs the synapses made,
  // not n_pre x n_post trials: 256k neurons at p = 80/256k take 20M draws, not 6.6e10. The gap
  // is floor(ln u / ln(1 - p)) for u uniform in (0, 1], from 53 bits of two words.
  static void draw_probability(std::size_t n_pre, std::size_t n_post, const params& p,
                               random_stream stream, share_collector& pairs) {
    if (p.probability == 0.0) return;
    const double expected = p.probability * double(n_pre) * double(n_post);
    pairs.reserve(static_cast<std::size_t>(expected + 6 * std::sqrt(expected) + 16));
    const double log_miss = std::log1p(-p.probability);  // -inf for p = 1: every gap is 0
    for (index_t i = 0; i < n_pre; ++i) {
      sequential_integers draw(stream, 1, i);
      std::uint64_t j = 0;
      while (true) {
        const std::uint64_t bits = (std::uint64_t(draw.next_word()) << 21) | (draw.next_word() >> 11);
        const double u = (double(bits) + 1.0) * 0x1p-53;
        const double gap = p.probability == 1.0 ? 0.0 : std::floor(std::log(u) / log_miss);
        if (gap >= double(n_post - j)) break;
        j += static_cast<std::uint64_t>(gap);
        if (p.allow_self || i != j) pairs.add(i, static_cast<index_t>(j));
        if (++j >= n_post) break;
      }
    }
  }

  // Target j draws its sources by Floyd's algorithm (K distinct values out of N with exactly K
  // draws, whatever K / N). Without self-connections j's candidates are the other sources:
  // candidate c stands for source c + (c >= j).
  static void draw_in_degree(std::size_t n_pre, std::size_t n_post, const params& p,
                             random_stream stream, share_collector& pairs) {
    const std::size_t k = p.in_degree;
    const std::size_t limit = p.allow_self ? n_pre : n_pre - 1;
    require(k <= limit, "sparse topology: in_degree ", k, " exceeds the ", limit,
            " possible sources per target (", n_pre, " in the source layer",
            p.allow_self ? "" : ", minus the target itself without self-connections", ")");
    pairs.reserve(k * n_post);
    std::vector<std::uint8_t> taken(n_pre, 0);
    std::vector<index_t> chosen;
    chosen.reserve(k);
    for (index_t j = 0; j < n_post; ++j) {
      const bool skip_self = !p.allow_self && j < n_pre;
      const std::size_t n = skip_self ? n_pre - 1 : n_pre;
      sequential_integers draw(stream, 3, j);
      chosen.clear();
      for (std::size_t r = n - k; r < n; ++r) {
        std::size_t c = draw.below(static_cast<std::uint32_t>(r + 1));
        if (taken[c]) c = r;
        taken[c] = 1;
        chosen.push_back(static_cast<index_t>(c));
      }
      for (index_t c : chosen) {
        taken[c] = 0;
        pairs.add(skip_self && c >= j ? c + 1 : c, j);
      }
    }
  }

  // Floyd's algorithm over the possible pairs, numbered row by row. Without self-connections the
  // first min(n_pre, n_post) rows have n_post - 1 pairs (the diagonal left out), the rest n_post.
  static void draw_total(std::size_t n_pre, std::size_t n_post, const params& p,
                         random_stream stream, share_collector& pairs) {
    const std::uint64_t n_diag = std::min(n_pre, n_post);
    const std::uint64_t possible =
        std::uint64_t(n_pre) * n_post - (p.allow_self ? 0 : n_diag);
    require(p.total <= possible, "sparse topology: total ", p.total, " exceeds the ", possible,
            " possible (source, target) pairs (", n_pre, " x ", n_post,
            p.allow_self ? "" : " without self-connections", ")");
    const std::uint64_t m = p.total;
    std::unordered_set<std::uint64_t> taken;
    taken.reserve(m);
    sequential_integers draw(stream, 4, 0);
    for (std::uint64_t r = possible - m; r < possible; ++r) {
      const std::uint64_t c = draw.below64(r + 1);
      if (!taken.insert(c).second) taken.insert(r);
    }
    const std::uint64_t short_rows = p.allow_self ? 0 : n_diag;
    const std::uint64_t short_len = n_post - 1;
    pairs.reserve(m);
    for (std::uint64_t c : taken) {
      std::uint64_t i, j;
      if (c < short_rows * short_len) {
        i = c / short_len;
        j = c % short_len;
        if (j >= i) ++j;
      } else {
        const std::uint64_t q = c - short_rows * short_len;
        i = short_rows + q / n_post;
        j = q % n_post;
      }
      pairs.add(static_cast<index_t>(i), static_cast<index_t>(j));
    }
    // build() sorts them, so the set's order does not matter
  }

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
  std::vector<std::uint64_t> global_row_;  // a share's: global_synapse of each row's first
  std::uint64_t whole_ = 0;                // a share's: the synapses of the whole projection
  std::vector<index_t> col_, row_of_;
  std::vector<real> w_;
};

static_assert(Topology<sparse>);

}  // namespace spiketorch::topology
