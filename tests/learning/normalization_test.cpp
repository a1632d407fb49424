// learning::normalize_incoming: each target's incoming weights are rescaled to sum to
// target_sum; targets with a zero sum are left alone.
//
// Tolerance: every weight is rounded to float once after scaling (2^-24 relative), so the exact
// sum of the stored floats differs from target_sum by at most target_sum·2^-24 (4.6e-6 for 78);
// the test sums in double. 1e-5 absolute (for 78) is used, i.e. target_sum·1.3e-7.
#include <spiketorch/core/random.hpp>
#include <spiketorch/learning/normalization.hpp>
#include <spiketorch/topology/all_but_self.hpp>
#include <spiketorch/topology/dense.hpp>
#include <spiketorch/topology/one_to_one.hpp>
#include <spiketorch/topology/sparse.hpp>

#include <catch2/catch.hpp>

#include <vector>

using namespace spiketorch;

namespace {

template <class Topo>
std::vector<double> column_sums(const Topo& t) {
  std::vector<double> s(t.n_post(), 0.0);
  auto w = t.weights();
  t.for_each_synapse([&](index_t, index_t j, std::size_t k) { s[j] += w[k]; });
  return s;
}

template <class Topo>
void randomise(Topo& t, std::uint64_t seed) {
  sequential_uniforms u(random_stream(seed, 1), 0, 0);
  for (auto& x : t.weights()) x = u.next();
}

template <class Topo>
void check_normalised(Topo t, std::vector<index_t> zero_columns = {}) {
  randomise(t, 42);
  auto w = t.weights();
  for (index_t z : zero_columns)
    t.for_each_source(z, [&](index_t, std::size_t k) { w[k] = 0.0f; });
  const std::vector<real> before(w.begin(), w.end());
  learning::normalize_incoming{78.0}.apply(t);
  const auto sums = column_sums(t);
  for (index_t j = 0; j < t.n_post(); ++j) {
    INFO("column " << j);
    bool is_zero = false;
    for (index_t z : zero_columns) is_zero |= z == j;
    if (is_zero) {
      CHECK(sums[j] == 0.0);
    } else {
      CHECK(sums[j] == Approx(78.0).margin(1e-5));
    }
  }
  // Multiplicative: ratios within a column are kept (each weight rounded once: 2^-23 relative).
  t.for_each_synapse([&](index_t, index_t j, std::size_t k) {
    if (before[k] == 0) return;
    const double scale = 78.0 / [&] {
      double s = 0;
      t.for_each_source(j, [&](index_t, std::size_t kk) { s += before[kk]; });
      return s;
    }();
    REQUIRE(double(w[k]) == Approx(before[k] * scale).epsilon(std::ldexp(1.0, -23)));
  });
}

}  // namespace

TEST_CASE("normalize_incoming: every column sums to target_sum", "[learning][normalization]") {
  SECTION("dense 784 x 25") { check_normalised(topology::dense(784, 25)); }
  SECTION("dense with zero columns left untouched") { check_normalised(topology::dense(100, 6), {0, 4}); }
  SECTION("sparse") {
    check_normalised(topology::sparse(300, 40, {.probability = 0.2}, random_stream(9, 9)));
  }
  SECTION("sparse with a zero column") {
    check_normalised(topology::sparse(300, 40, {.probability = 0.2}, random_stream(9, 9)), {7});
  }
  SECTION("all_but_self") { check_normalised(topology::all_but_self(50, 50), {3}); }
  SECTION("one_to_one") { check_normalised(topology::one_to_one(20, 20), {19}); }
}

TEST_CASE("normalize_incoming: a target without any synapse is left alone; bad sums throw",
          "[learning][normalization]") {
  // Target 2 has no incoming synapse at all, target 1 only one.
  topology::sparse t(3, 3, std::vector<std::pair<index_t, index_t>>{{0, 0}, {1, 0}, {2, 1}});
  t.weights()[0] = 1.0f;
  t.weights()[1] = 3.0f;
  t.weights()[2] = 0.5f;
  learning::normalize_incoming{2.0}.apply(t);
  CHECK(t.weights()[0] == 0.5f);
  CHECK(t.weights()[1] == 1.5f);
  CHECK(t.weights()[2] == 2.0f);
  CHECK_THROWS_AS(learning::normalize_incoming{-1.0}.apply(t), invalid_argument);
  CHECK_THROWS_AS(learning::normalize_incoming{std::nan("")}.apply(t), invalid_argument);
  // target_sum 0 is allowed and zeroes every non-zero column.
  learning::normalize_incoming{0.0}.apply(t);
  for (real x : t.weights()) CHECK(x == 0.0f);
}
