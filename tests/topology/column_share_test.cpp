// Shares of a projection's targets (topology::column_range: what one MPI rank stores): built for
// any split of the targets, the shares hold every synapse of the whole projection exactly once,
// each under its index in the whole projection (global_synapse), with the same sources in the
// same order per target; a projection built for a share draws the weights and delays that the
// whole projection gives those synapses.
#include <spiketorch/backend/cpu/shares.hpp>
#include <spiketorch/core/random.hpp>
#include <spiketorch/network/projection.hpp>
#include <spiketorch/topology/all_but_self.hpp>
#include <spiketorch/topology/dense.hpp>
#include <spiketorch/topology/one_to_one.hpp>
#include <spiketorch/topology/sparse.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

using namespace spiketorch;

namespace {

// Shares of n targets as ranks split them (multiples of 16), or evenly for small n.
std::vector<topology::column_range> split(std::size_t n, std::size_t parts, bool even) {
  std::vector<topology::column_range> out;
  for (std::size_t p = 0; p < parts; ++p) {
    const std::size_t lo = even ? n * p / parts : backend::share_begin(n, p, parts);
    const std::size_t hi = even ? n * (p + 1) / parts : backend::share_begin(n, p + 1, parts);
    out.push_back({lo, hi - lo});
  }
  return out;
}

template <class Topo>
void check_shares(std::size_t n_pre, std::size_t n_post, const typename Topo::params& p,
                  random_stream stream) {
  const Topo whole(n_pre, n_post, p, stream, topology::column_range{0, n_post});
  for (const std::size_t parts : {1, 2, 3, 4, 7}) {
    for (const bool even : {false, true}) {
      CAPTURE(parts, even);
      std::vector<int> seen(whole.n_synapses(), 0);
      for (const auto c : split(n_post, parts, even)) {
        CAPTURE(c.first, c.count);
        const Topo share(n_pre, n_post, p, stream, c);
        REQUIRE(share.n_post() == c.count);
        REQUIRE(share.n_pre() == n_pre);
        CHECK(share.whole_synapses() == whole.n_synapses());
        std::size_t stored = 0;
        // Row visits: the whole projection's synapse of (i, first + j), under its index; a
        // source's synapses consecutive in both numberings.
        for (index_t i = 0; i < n_pre; ++i) {
          std::size_t last_k = 0;
          std::uint64_t last_g = 0;
          bool first_of_row = true;
          share.for_each_target(i, [&](index_t j, std::size_t k) {
            const std::uint64_t g = share.global_synapse(i, k);
            if (!first_of_row) {
              CHECK(k == last_k + 1);
              CHECK(g == last_g + 1);
            }
            first_of_row = false;
            last_k = k;
            last_g = g;
            REQUIRE(g < seen.size());
            ++seen[g];
            ++stored;
            CHECK(whole.find(i, index_t(c.first + j)) == g);
            CHECK(share.find(i, j) == k);
          });
        }
        CHECK(stored == share.n_synapses());
        // Target visits: the same sources in the same order as the whole projection's.
        for (index_t j = 0; j < c.count; ++j) {
          std::vector<std::uint64_t> a, b;
          share.for_each_source(j, [&](index_t i, std::size_t k) {
            a.push_back(i);
            a.push_back(share.global_synapse(i, k));
          });
          whole.for_each_source(index_t(c.first + j), [&](index_t i, std::size_t k) {
            b.push_back(i);
            b.push_back(k);
          });
          CHECK(a == b);
        }
        // Pairs that do not exist in the share: every source to a target where the whole has
        // none.
        for (index_t i = 0; i < n_pre; ++i)
          for (index_t j = 0; j < c.count; ++j)
            if (whole.find(i, index_t(c.first + j)) == topology::no_synapse)
              CHECK(share.find(i, j) == topology::no_synapse);
      }
      for (std::size_t g = 0; g < seen.size(); ++g) REQUIRE(seen[g] == 1);
    }
  }
}

}  // namespace

TEST_CASE(
    "column shares: every synapse of the whole projection in exactly one share, under its "
    "index, with its sources in order",
    "[topology][distributed]") {
  const random_stream s(7, 3);
  SECTION("dense") { check_shares<topology::dense>(13, 45, {}, s); }
  SECTION("one_to_one") { check_shares<topology::one_to_one>(45, 45, {}, s); }
  SECTION("all_but_self") { check_shares<topology::all_but_self>(45, 45, {}, s); }
  using sp = topology::sparse;
  SECTION("sparse, fixed probability") {
    check_shares<sp>(30, 45, {.probability = 0.2}, s);
    check_shares<sp>(45, 45, {.probability = 0.3, .allow_self = false}, s);
  }
  SECTION("sparse, fixed in-degree") {
    check_shares<sp>(30, 45, {.rule = sp::connector::fixed_in_degree, .in_degree = 6}, s);
    check_shares<sp>(
        45, 45, {.allow_self = false, .rule = sp::connector::fixed_in_degree, .in_degree = 9}, s);
  }
  SECTION("sparse, fixed total") {
    check_shares<sp>(30, 45, {.rule = sp::connector::fixed_total, .total = 200}, s);
    check_shares<sp>(45, 45,
                     {.allow_self = false, .rule = sp::connector::fixed_total, .total = 300}, s);
  }
}

TEST_CASE("column shares: the targets must lie in the layer", "[topology][distributed][errors]") {
  const random_stream s(1, 1);
  CHECK_THROWS_WITH(topology::dense(4, 10, {}, s, {6, 5}), Catch::Contains("outside the 10"));
  CHECK_THROWS_WITH(topology::all_but_self(10, 10, {}, s, {8, 3}),
                    Catch::Contains("outside the 10"));
  CHECK_THROWS_WITH(topology::one_to_one(10, 10, {}, s, {11, 0}),
                    Catch::Contains("outside the 10"));
  CHECK_THROWS_WITH(topology::sparse(4, 10, {}, s, {0, 11}), Catch::Contains("outside the 10"));
}

namespace {

template <class Proj>
void check_projection_shares(std::size_t n_pre, std::size_t n_post,
                             const connection_options<Proj>& o) {
  const random_stream stream(99, 5);
  projection_state<Proj> whole;
  whole.connect(n_pre, n_post, o, 0.5, stream, true, {0, n_post});
  REQUIRE(whole.stores_all());
  for (const auto c : split(n_post, 3, false)) {
    projection_state<Proj> share;
    share.connect(n_pre, n_post, o, 0.5, stream, true, c);
    CHECK(share.columns.first == c.first);
    CHECK(share.ring.width() == c.count);
    // The ring's depth is the whole projection's, whatever delays the share drew.
    CHECK(share.ring.slots() == whole.ring.slots());
    const auto w = share.topo.weights();
    const auto ww = whole.topo.weights();
    share.topo.for_each_synapse([&](index_t i, index_t, std::size_t k) {
      const auto g = share.topo.global_synapse(i, k);
      REQUIRE(w[k] == ww[g]);
      REQUIRE(share.delay_steps[k] == whole.delay_steps[g]);
    });
    // Weights of the whole projection set on a share: it keeps its own (network::set_weights).
    std::vector<real> other(ww.begin(), ww.end());
    for (std::size_t g = 0; g < other.size(); ++g) other[g] = real(g);
    share.set_whole_weights(other);
    share.topo.for_each_synapse([&](index_t i, index_t, std::size_t k) {
      REQUIRE(w[k] == real(share.topo.global_synapse(i, k)));
    });
  }
}

}  // namespace

TEST_CASE(
    "column shares: a projection built for a share has the whole projection's weights and "
    "delays at its synapses",
    "[topology][distributed]") {
  using sp = topology::sparse;
  SECTION("dense, uniform weights and delays") {
    using P = projection<"A", "B", topology::dense, learning::none, delays::uniform>;
    check_projection_shares<P>(20, 70, {.weights = {0.1, 0.9}, .delays = {0.0, 6.0}});
  }
  SECTION("sparse, normal weights and delays") {
    using P = projection<"A", "B", sp, learning::none, delays::normal>;
    check_projection_shares<P>(
        60, 70,
        {.topology = {.probability = 0.2},
         .weights = {.distribution = weight_distribution::normal, .mean = 0.5, .sd = 0.2},
         .delays = {.mean_ms = 2.0, .sd_ms = 1.0}});
  }
  SECTION("all_but_self, uniform weights, fixed delays") {
    using P = projection<"A", "A", topology::all_but_self, learning::none, delays::fixed>;
    check_projection_shares<P>(70, 70, {.weights = {0.0, 1.0}, .delays = {.delay_ms = 1.5}});
  }
}
