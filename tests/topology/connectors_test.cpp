// Connectors of topology::sparse: fixed probability, fixed in-degree and fixed total number, all
// drawn from the projection's counter-based stream (same seed, same structure), with clear errors
// for impossible requests.
#include <spiketorch/core/errors.hpp>
#include <spiketorch/core/random.hpp>
#include <spiketorch/topology/sparse.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <utility>
#include <vector>

using namespace spiketorch;
using params = topology::sparse::params;
using connector = topology::sparse::connector;

namespace {

using pair_set = std::set<std::pair<index_t, index_t>>;

// The synapses as (source, target) pairs, checked to agree between the CSR and CSC visits.
pair_set synapses_of(const topology::sparse& t) {
  pair_set by_row, by_col;
  for (index_t i = 0; i < t.n_pre(); ++i)
    t.for_each_target(i, [&](index_t j, std::size_t) { by_row.emplace(i, j); });
  for (index_t j = 0; j < t.n_post(); ++j)
    t.for_each_source(j, [&](index_t i, std::size_t) { by_col.emplace(i, j); });
  REQUIRE(by_row.size() == t.n_synapses());  // a set: no pair twice
  REQUIRE(by_row == by_col);
  return by_row;
}

std::vector<std::size_t> in_degrees(const pair_set& s, std::size_t n_post) {
  std::vector<std::size_t> d(n_post, 0);
  for (const auto& [i, j] : s) ++d[j];
  return d;
}

}  // namespace

TEST_CASE("sparse fixed_in_degree: every target has exactly K distinct sources", "[topology]") {
  const std::size_t k = GENERATE(0, 1, 7, 50);
  const bool self = GENERATE(true, false);
  const std::size_t n_pre = 50 + (self ? 0 : 1), n_post = 80;
  topology::sparse t(n_pre, n_post,
                     params{.allow_self = self, .rule = connector::fixed_in_degree, .in_degree = k},
                     random_stream(3, 9));
  const pair_set s = synapses_of(t);
  CHECK(s.size() == k * n_post);
  for (std::size_t d : in_degrees(s, n_post)) CHECK(d == k);
  if (!self)
    for (const auto& [i, j] : s) CHECK(i != j);
  // All sources can be drawn: with K = n_pre (or n_pre - 1 without self) every one is.
  if (k == 50) CHECK(s.size() == (self ? n_pre : n_pre - 1) * n_post);
}

TEST_CASE("sparse fixed_in_degree: sources spread evenly over the source layer", "[topology]") {
  const std::size_t n_pre = 20, n_post = 4000, k = 5;
  topology::sparse t(n_pre, n_post, params{.rule = connector::fixed_in_degree, .in_degree = k},
                     random_stream(1, 1));
  // Out-degree of each source ~ Binomial(n_post, k / n_pre): within 5 standard deviations.
  const double p = double(k) / n_pre, mean = n_post * p, sd = std::sqrt(n_post * p * (1 - p));
  for (index_t i = 0; i < n_pre; ++i) {
    std::size_t out = 0;
    t.for_each_target(i, [&](index_t, std::size_t) { ++out; });
    CHECK(std::abs(double(out) - mean) <= 5 * sd);
  }
}

TEST_CASE("sparse fixed_total: exactly M distinct synapses, no duplicates", "[topology]") {
  const bool self = GENERATE(true, false);
  const std::size_t n_pre = GENERATE(1, 13, 40), n_post = GENERATE(1, 17, 40);
  const std::size_t possible = n_pre * n_post - (self ? 0 : std::min(n_pre, n_post));
  for (std::size_t m : {std::size_t(0), possible / 3, possible}) {
    topology::sparse t(n_pre, n_post,
                       params{.allow_self = self, .rule = connector::fixed_total, .total = m},
                       random_stream(8, 2));
    const pair_set s = synapses_of(t);
    CHECK(s.size() == m);
    if (!self)
      for (const auto& [i, j] : s) CHECK(i != j);
  }
}

TEST_CASE("sparse fixed_total: every pair equally likely", "[topology]") {
  // 6 x 5 without self: 25 possible pairs, 10 drawn; over 400 seeds each pair is drawn
  // Binomial(400, 10/25) times: within 5 standard deviations.
  const std::size_t trials = 400;
  std::vector<std::size_t> hits(30, 0);
  for (std::uint64_t seed = 0; seed < trials; ++seed) {
    topology::sparse t(6, 5,
                       params{.allow_self = false, .rule = connector::fixed_total, .total = 10},
                       random_stream(seed, 4));
    for (const auto& [i, j] : synapses_of(t)) ++hits[i * 5 + j];
  }
  const double p = 10.0 / 25, mean = trials * p, sd = std::sqrt(trials * p * (1 - p));
  for (std::size_t i = 0; i < 6; ++i)
    for (std::size_t j = 0; j < 5; ++j) {
      INFO("pair (" << i << ", " << j << ")");
      if (i == j)
        CHECK(hits[i * 5 + j] == 0);
      else
        CHECK(std::abs(double(hits[i * 5 + j]) - mean) <= 5 * sd);
    }
}

TEST_CASE("sparse fixed_probability: the count is Binomial(pairs, p) within 4 standard deviations",
          "[topology]") {
  const double p = GENERATE(0.02, 0.5);
  const bool self = GENERATE(true, false);
  const std::size_t n = 300;
  topology::sparse t(n, n, params{.probability = p, .allow_self = self}, random_stream(11, 3));
  const double pairs = double(n) * n - (self ? 0 : n);
  const double mean = pairs * p, sd = std::sqrt(pairs * p * (1 - p));
  INFO(t.n_synapses() << " synapses, expected " << mean << " +- " << sd);
  CHECK(std::abs(double(t.n_synapses()) - mean) <= 4 * sd);
  if (!self) CHECK(t.find(7, 7) == topology::no_synapse);
}

TEST_CASE("sparse fixed_probability: every pair independently with probability p (the skips "
          "between a source's targets are geometric)", "[topology]") {
  // Drawn by skipping ahead, a structure must still look like independent Bernoulli(p) trials:
  // every target position equally likely (no drift along a row: each column's count is
  // Binomial(n_pre, p)), and neighbours independent (pairs (j, j+1) both present with
  // probability p^2, as often as (j, j+2)).
  const double p = GENERATE(0.05, 0.3, 0.9);
  const std::size_t n_pre = 4000, n_post = 60;
  topology::sparse t(n_pre, n_post, params{.probability = p}, random_stream(5, 8));
  std::vector<std::size_t> column(n_post, 0);
  std::vector<std::uint8_t> present(n_pre * n_post, 0);
  const auto rows = t.row_offsets();
  const auto cols = t.columns();
  for (std::size_t i = 0; i < n_pre; ++i)
    for (std::size_t k = rows[i]; k < rows[i + 1]; ++k) {
      ++column[cols[k]];
      present[i * n_post + cols[k]] = 1;
    }
  const double mean = double(n_pre) * p, sd = std::sqrt(double(n_pre) * p * (1 - p));
  for (std::size_t j = 0; j < n_post; ++j) {
    INFO("p = " << p << ", column " << j << ": " << column[j] << " sources, expected " << mean
                << " +- " << sd);
    // 60 columns: 4.5 sd leaves a chance below 1e-3 that a correct draw fails.
    CHECK(std::abs(double(column[j]) - mean) <= 4.5 * sd);
  }
  std::size_t adjacent = 0;
  for (std::size_t i = 0; i < n_pre; ++i)
    for (std::size_t j = 0; j + 1 < n_post; ++j)
      adjacent += present[i * n_post + j] & present[i * n_post + j + 1];
  const double pairs = double(n_pre) * double(n_post - 1);
  const double both = pairs * p * p;
  // Neighbouring pairs overlap, which widens the spread at most threefold over Binomial's.
  const double spread = 3 * std::sqrt(pairs * p * p * (1 - p * p));
  INFO("adjacent pairs " << adjacent << ", expected " << both << " +- " << spread);
  CHECK(std::abs(double(adjacent) - both) <= 4 * spread);
}

TEST_CASE("sparse fixed_probability: 256,000 x 64,000 neurons at p = 80 / 256,000",
          "[topology]") {
  // One trial per pair would be 1.6e10 draws here (minutes); skipping draws the 5e6 synapses.
  const std::size_t n = 256000;
  topology::sparse t(n, n / 4, params{.probability = 80.0 / double(n)}, random_stream(2, 1));
  const double mean = double(n) * double(n / 4) * 80.0 / double(n);
  CHECK(std::abs(double(t.n_synapses()) - mean) <= 5 * std::sqrt(mean));
}

TEST_CASE("sparse connectors: same seed, same structure; another seed or stream, another",
          "[topology]") {
  const params p = GENERATE(
      params{.probability = 0.1}, params{.rule = connector::fixed_in_degree, .in_degree = 6},
      params{.allow_self = false, .rule = connector::fixed_total, .total = 500});
  const auto make = [&](std::uint64_t seed, std::uint32_t id) {
    return synapses_of(topology::sparse(60, 60, p, random_stream(seed, id)));
  };
  const pair_set a = make(42, 7);
  CHECK(a == make(42, 7));
  CHECK(a != make(43, 7));
  CHECK(a != make(42, 8));
}

TEST_CASE("sparse connectors: impossible requests throw with the numbers", "[topology][errors]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto throws = [](std::size_t n_pre, std::size_t n_post, params p, const char* what) {
    CHECK_THROWS_WITH(topology::sparse(n_pre, n_post, p, random_stream(1, 1)),
                      Catch::Matchers::Contains(what));
  };
  throws(10, 10, {.probability = 1.5}, "probability must be in [0, 1], got 1.5");
  throws(10, 10, {.probability = -0.1}, "probability must be in [0, 1]");
  throws(10, 10, {.probability = nan}, "probability must be in [0, 1], got nan");
  throws(10, 20, {.rule = connector::fixed_in_degree, .in_degree = 11},
         "in_degree 11 exceeds the 10 possible sources");
  throws(10, 20, {.allow_self = false, .rule = connector::fixed_in_degree, .in_degree = 10},
         "in_degree 10 exceeds the 9 possible sources");
  throws(10, 20, {.rule = connector::fixed_total, .total = 201},
         "total 201 exceeds the 200 possible");
  throws(10, 20, {.allow_self = false, .rule = connector::fixed_total, .total = 191},
         "total 191 exceeds the 190 possible");
  // The largest possible requests are fine.
  CHECK(topology::sparse(10, 20,
                         {.allow_self = false, .rule = connector::fixed_in_degree, .in_degree = 9},
                         random_stream(1, 1))
            .n_synapses() == 180);
  CHECK(topology::sparse(10, 20,
                         {.allow_self = false, .rule = connector::fixed_total, .total = 190},
                         random_stream(1, 1))
            .n_synapses() == 190);
}
