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

#include <cmath>
#include <cstring>
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

TEST_CASE("rescale_is_identity: a factor within 2^-26 of 1 gives every float back",
          "[learning][normalization]") {
  const double tol = std::ldexp(1.0, -26);
  const double factors[] = {1.0 - tol, 1.0 + tol, 1.0 - tol / 3, 1.0 + 0.7 * tol, 1.0};
  sequential_uniforms u(random_stream(5, 5), 0, 0);
  std::vector<float> xs = {0.0f, -0.0f, 1.0f, 0.5f, 2.0f, std::ldexp(1.0f, -126),
                           std::ldexp(1.0f, -140), std::nextafter(1.0f, 2.0f),
                           std::nextafter(1.0f, 0.0f), std::nextafter(2.0f, 0.0f), -1.0f};
  for (int k = 0; k < 20000; ++k) {
    // Every binade from 2^-149 to 2^20, both signs.
    const float m = 1.0f + u.next();
    xs.push_back((k % 2 ? -1.0f : 1.0f) * std::ldexp(m, int(k % 170) - 149));
  }
  for (double f : factors) {
    REQUIRE(learning::rescale_is_identity(f));
    for (float x : xs) {
      INFO("x = " << x << ", factor - 1 = " << f - 1.0);
      const float y = static_cast<float>(double(x) * f);
      REQUIRE(std::memcmp(&x, &y, sizeof x) == 0);  // bits: -0.0f stays -0.0f
    }
  }
  // Factors a little further out change some floats, and are not called identities.
  for (double f : {1.0 + 4 * tol, 1.0 - 4 * tol, 1.0 + std::ldexp(1.0, -23)}) {
    CHECK_FALSE(learning::rescale_is_identity(f));
    std::size_t changed = 0;
    for (float x : xs) changed += static_cast<float>(double(x) * f) != x;
    CHECK(changed > 0);
  }
  CHECK_FALSE(learning::rescale_is_identity(0.0));
  CHECK_FALSE(learning::rescale_is_identity(std::nan("")));
}

TEST_CASE("normalize_incoming on dense rows: the same floats as rescaling every column",
          "[learning][normalization]") {
  // The reference: every weight times its column's factor, whether or not it is 1.
  auto reference = [](std::vector<real> w, std::size_t n_pre, std::size_t n_post, double sum) {
    std::vector<double> s(n_post, 0.0);
    for (std::size_t i = 0; i < n_pre; ++i)
      for (std::size_t j = 0; j < n_post; ++j) s[j] += w[i * n_post + j];
    for (double& x : s) x = x > 0 ? sum / x : 1.0;
    for (std::size_t i = 0; i < n_pre; ++i)
      for (std::size_t j = 0; j < n_post; ++j)
        w[i * n_post + j] = static_cast<real>(w[i * n_post + j] * s[j]);
    return w;
  };
  const std::size_t n_pre = 784, n_post = 200;
  topology::dense t(n_pre, n_post);
  randomise(t, 3);
  sequential_uniforms u(random_stream(8, 8), 0, 0);
  // Round 0 rescales every column; then a few columns change (the column walk), then many
  // (the row walk), then none.
  for (std::size_t changed : {std::size_t(0), std::size_t(3), std::size_t(60), std::size_t(0)}) {
    INFO(changed << " changed columns");
    auto w = t.weights();
    for (std::size_t c = 0; c < changed; ++c) {
      const std::size_t j = (c * 37 + 11) % n_post;
      for (std::size_t i = 0; i < n_pre; i += 7) w[i * n_post + j] += 0.01f * u.next();
    }
    const std::vector<real> expected = reference({w.begin(), w.end()}, n_pre, n_post, 78.0);
    learning::normalize_incoming{78.0}.apply(t);
    auto after = t.weights();
    REQUIRE(std::memcmp(after.data(), expected.data(), expected.size() * sizeof(real)) == 0);
  }
}
