// Topologies: the three visits (for_each_target / for_each_source / for_each_synapse) and find()
// describe the same set of synapses with the same indices; structure-specific properties.
#include <spiketorch/core/random.hpp>
#include <spiketorch/topology/all_but_self.hpp>
#include <spiketorch/topology/dense.hpp>
#include <spiketorch/topology/one_to_one.hpp>
#include <spiketorch/topology/sparse.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>
#include <vector>

using namespace spiketorch;

namespace {

using triple = std::tuple<index_t, index_t, std::size_t>;

template <class Topo>
std::vector<triple> by_target(const Topo& t) {
  std::vector<triple> out;
  for (index_t i = 0; i < t.n_pre(); ++i)
    t.for_each_target(i, [&](index_t j, std::size_t k) { out.emplace_back(i, j, k); });
  std::sort(out.begin(), out.end());
  return out;
}
template <class Topo>
std::vector<triple> by_source(const Topo& t) {
  std::vector<triple> out;
  for (index_t j = 0; j < t.n_post(); ++j)
    t.for_each_source(j, [&](index_t i, std::size_t k) { out.emplace_back(i, j, k); });
  std::sort(out.begin(), out.end());
  return out;
}
template <class Topo>
std::vector<triple> by_synapse(const Topo& t) {
  std::vector<triple> out;
  t.for_each_synapse([&](index_t i, index_t j, std::size_t k) { out.emplace_back(i, j, k); });
  return out;
}

// The three visits agree, every synapse index 0..n_synapses-1 appears exactly once, no (i, j)
// pair twice, for_each_synapse runs in storage order, and find(i, j) returns the same indices
// (and no_synapse for every absent pair).
template <class Topo>
std::vector<triple> check_consistent(const Topo& t) {
  const auto a = by_target(t), b = by_source(t), c = by_synapse(t);
  REQUIRE(a.size() == t.n_synapses());
  CHECK(a == b);
  auto c_sorted = c;
  std::sort(c_sorted.begin(), c_sorted.end());
  CHECK(a == c_sorted);
  for (std::size_t n = 0; n < c.size(); ++n) CHECK(std::get<2>(c[n]) == n);
  std::map<std::pair<index_t, index_t>, std::size_t> index_of;
  for (const auto& [i, j, k] : a) index_of.emplace(std::pair{i, j}, k);
  CHECK(index_of.size() == a.size());
  for (index_t i = 0; i < t.n_pre(); ++i)
    for (index_t j = 0; j < t.n_post(); ++j) {
      const auto it = index_of.find({i, j});
      REQUIRE(t.find(i, j) == (it == index_of.end() ? topology::no_synapse : it->second));
    }
  return a;
}

}  // namespace

TEST_CASE("dense: all n_pre·n_post pairs, row-major", "[topology]") {
  topology::dense t(7, 5);
  const auto s = check_consistent(t);
  CHECK(s.size() == 35);
  for (const auto& [i, j, k] : s) CHECK(k == std::size_t(i) * 5 + j);
  CHECK(t.row_begin(3) == 15);
  CHECK_THROWS_AS(topology::dense(0, 5), invalid_argument);
  CHECK_THROWS_AS(topology::dense(5, 0), invalid_argument);
}

TEST_CASE("all_but_self: every pair but the diagonal, never visited by any path", "[topology]") {
  const std::size_t n = GENERATE(2, 3, 9);
  topology::all_but_self t(n, n);
  const auto s = check_consistent(t);
  CHECK(s.size() == n * (n - 1));
  for (const auto& [i, j, k] : s) CHECK(i != j);
  for (index_t i = 0; i < n; ++i) {
    t.for_each_target(i, [&](index_t j, std::size_t) { REQUIRE(j != i); });
    t.for_each_source(i, [&](index_t src, std::size_t) { REQUIRE(src != i); });
    CHECK(t.find(i, i) == topology::no_synapse);
  }
  t.for_each_synapse([](index_t i, index_t j, std::size_t) { REQUIRE(i != j); });
  CHECK_THROWS_AS(topology::all_but_self(4, 5), invalid_argument);
  CHECK_THROWS_AS(topology::all_but_self(1, 1), invalid_argument);
}

TEST_CASE("one_to_one: i -> i only; sizes must match", "[topology]") {
  topology::one_to_one t(6, 6);
  const auto s = check_consistent(t);
  CHECK(s.size() == 6);
  for (const auto& [i, j, k] : s) {
    CHECK(i == j);
    CHECK(k == i);
  }
  CHECK_THROWS_AS(topology::one_to_one(6, 5), invalid_argument);
  CHECK_THROWS_AS(topology::one_to_one(0, 0), invalid_argument);
}

TEST_CASE("sparse: CSR and CSC views agree; connection probability ≈ p", "[topology]") {
  const double p = GENERATE(0.05, 0.3, 0.9);
  const std::size_t n_pre = 200, n_post = 150;
  topology::sparse t(n_pre, n_post, {.probability = p}, random_stream(5, 17));
  check_consistent(t);
  // Binomial(n_pre·n_post, p): within 4 standard errors.
  const double n = double(n_pre * n_post);
  INFO("p = " << p << ": " << t.n_synapses() << " synapses");
  CHECK(std::abs(double(t.n_synapses()) - n * p) <= 4 * std::sqrt(n * p * (1 - p)));
  // Deterministic in the stream, different for another seed.
  topology::sparse again(n_pre, n_post, {.probability = p}, random_stream(5, 17));
  topology::sparse other(n_pre, n_post, {.probability = p}, random_stream(6, 17));
  CHECK(by_synapse(again) == by_synapse(t));
  CHECK(by_synapse(other) != by_synapse(t));
}

TEST_CASE("sparse: allow_self = false removes the diagonal; probabilities 0 and 1", "[topology]") {
  topology::sparse no_self(40, 40, {.probability = 1.0, .allow_self = false}, random_stream(1, 2));
  const auto s = check_consistent(no_self);
  CHECK(s.size() == 40 * 39);
  for (const auto& [i, j, k] : s) CHECK(i != j);
  topology::sparse full(10, 20, {.probability = 1.0}, random_stream(1, 2));
  CHECK(full.n_synapses() == 200);
  topology::sparse empty(10, 20, {.probability = 0.0}, random_stream(1, 2));
  CHECK(empty.n_synapses() == 0);
  check_consistent(empty);
  CHECK_THROWS_AS(topology::sparse(10, 10, topology::sparse::params{.probability = 1.5}), invalid_argument);
  CHECK_THROWS_AS(topology::sparse(10, 10, topology::sparse::params{.probability = -0.1}), invalid_argument);
}

TEST_CASE("sparse: explicit pairs in any order; duplicates and out-of-range pairs throw",
          "[topology]") {
  using pairs = std::vector<std::pair<index_t, index_t>>;
  topology::sparse t(4, 3, pairs{{3, 0}, {0, 2}, {1, 1}, {0, 0}, {3, 2}});
  const auto s = check_consistent(t);
  // Stored in CSR order: sorted by (i, j).
  CHECK(by_synapse(t) == std::vector<triple>{{0, 0, 0}, {0, 2, 1}, {1, 1, 2}, {3, 0, 3}, {3, 2, 4}});
  CHECK_THROWS_AS(topology::sparse(4, 3, pairs{{0, 1}, {0, 1}}), invalid_argument);
  CHECK_THROWS_AS(topology::sparse(4, 3, pairs{{4, 0}}), invalid_argument);
  CHECK_THROWS_AS(topology::sparse(4, 3, pairs{{0, 3}}), invalid_argument);
}
