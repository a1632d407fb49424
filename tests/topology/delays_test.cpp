// delays::fixed and delays::uniform: milliseconds rounded to whole steps in 0..255.
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
