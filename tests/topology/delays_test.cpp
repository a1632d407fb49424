// delays::fixed, delays::uniform and delays::normal: milliseconds rounded to whole steps in 0..255.
#include <spiketorch/core/random.hpp>
#include <spiketorch/topology/delays.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using namespace spiketorch;

TEST_CASE("delays::uniform covers every step of [min, max] with equal frequency", "[topology][delays]") {
  struct range_case {
    double min_ms, max_ms, dt_ms;
    unsigned lo, hi;  // expected step range, by hand
  };
  const range_case c = GENERATE(range_case{0.0, 10.0, 0.5, 0, 20},  // Diehl & Cook: 21 values
                                range_case{2.0, 3.0, 0.25, 8, 12}, range_case{1.0, 1.0, 0.5, 2, 2},
                                range_case{0.0, 127.5, 0.5, 0, 255});
  const std::size_t n = 200000;
  const auto d = delays::uniform::draw(n, {.min_ms = c.min_ms, .max_ms = c.max_ms}, c.dt_ms,
                                       random_stream(3, 8));
  REQUIRE(d.size() == n);
  std::vector<double> hist(256, 0.0);
  for (auto x : d) hist[x] += 1;
  const unsigned span = c.hi - c.lo + 1;
  const double p = 1.0 / span;
  for (unsigned s = 0; s < 256; ++s) {
    INFO("step " << s);
    if (s < c.lo || s > c.hi) {
      REQUIRE(hist[s] == 0);
    } else {
      // Binomial(n, 1/span) per value: 4 standard errors (exact when span = 1).
      REQUIRE(std::abs(hist[s] - n * p) <= 4 * std::sqrt(n * p * (1 - p)) + 1e-9);
    }
  }
}

TEST_CASE("delays: fixed rounds to the nearest step; more than 255 steps and bad ranges throw",
          "[topology][delays]") {
  const auto d = delays::fixed::draw(5, {.delay_ms = 1.2}, 0.5, random_stream());  // 2.4 -> 2 steps
  CHECK(d == std::vector<delays::steps_t>(5, 2));
  CHECK(delays::fixed::draw(1, {.delay_ms = 127.5}, 0.5, random_stream())[0] == 255);
  CHECK_THROWS_AS(delays::fixed::draw(1, {.delay_ms = 128.0}, 0.5, random_stream()), invalid_argument);
  CHECK_THROWS_AS(delays::fixed::draw(1, {.delay_ms = 200.0}, 0.5, random_stream()), invalid_argument);
  CHECK_THROWS_AS(delays::fixed::draw(1, {.delay_ms = -1.0}, 0.5, random_stream()), invalid_argument);
  CHECK_THROWS_AS(delays::uniform::draw(1, {.min_ms = 0.0, .max_ms = 130.0}, 0.5, random_stream()),
                  invalid_argument);
  CHECK_THROWS_AS(delays::uniform::draw(1, {.min_ms = 5.0, .max_ms = 2.0}, 0.5, random_stream()),
                  invalid_argument);
  CHECK_THROWS_AS(delays::uniform::draw(1, {.min_ms = std::nan(""), .max_ms = 2.0}, 0.5, random_stream()),
                  invalid_argument);
}

TEST_CASE("delays::normal: mean and sd of the drawn steps; clipped at 0; bad parameters throw",
          "[topology][delays]") {
  const std::size_t n = 200000;
  // Far from 0: the rounded draws have the normal's mean and variance plus 1/12 step^2.
  const auto d = delays::normal::draw(n, {.mean_ms = 20.0, .sd_ms = 3.0}, 0.5, random_stream(4, 1));
  double mean = 0, var = 0;
  for (auto x : d) mean += x;
  mean /= n;
  for (auto x : d) var += (x - mean) * (x - mean);
  var /= n - 1;
  CHECK(mean == Approx(40.0).margin(4 * 6.0 / std::sqrt(double(n))));
  CHECK(std::sqrt(var) == Approx(std::sqrt(36.0 + 1.0 / 12)).epsilon(0.01));
  // Mean 0: half the draws are clipped to 0 steps, those below -0.5 steps included (P(z < 0.25 /
  // 2) with sd = 2 steps: rounding sends (-inf, 0.5) to 0), the rest positive.
  const auto c = delays::normal::draw(n, {.mean_ms = 0.0, .sd_ms = 1.0}, 0.5, random_stream(4, 2));
  std::size_t zeros = 0;
  for (auto x : c) zeros += x == 0;
  const double p0 = 0.5 * std::erfc(-0.25 / std::sqrt(2.0));  // P(N(0, 2 steps) < 0.5 step)
  CHECK(std::abs(double(zeros) - n * p0) <= 4 * std::sqrt(n * p0 * (1 - p0)));
  // Same stream, same delays; sd 0 is the constant mean.
  CHECK(delays::normal::draw(100, {.mean_ms = 20.0, .sd_ms = 3.0}, 0.5, random_stream(4, 1)) ==
        std::vector<delays::steps_t>(d.begin(), d.begin() + 100));
  CHECK(delays::normal::draw(7, {.mean_ms = 2.0, .sd_ms = 0.0}, 0.5, random_stream(4, 1)) ==
        std::vector<delays::steps_t>(7, 4));
  const auto throws = [](delays::normal::params p, const char* what) {
    CHECK_THROWS_WITH(delays::normal::draw(1000, p, 0.5, random_stream(1, 1)),
                      Catch::Matchers::Contains(what));
  };
  throws({.mean_ms = -1.0, .sd_ms = 1.0}, "mean_ms must be finite and >= 0, got -1");
  throws({.mean_ms = 1.0, .sd_ms = -1.0}, "sd_ms must be finite and >= 0, got -1");
  throws({.mean_ms = std::nan(""), .sd_ms = 1.0}, "mean_ms must be finite");
  throws({.mean_ms = 1.0, .sd_ms = std::nan("")}, "sd_ms must be finite");
  throws({.mean_ms = 120.0, .sd_ms = 10.0}, "at most 255 steps");
}
