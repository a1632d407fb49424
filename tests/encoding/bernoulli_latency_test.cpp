// encoding::bernoulli (per-step probability x·max_probability) and encoding::latency (one spike
// at floor((1 - x)·window/dt), rank order of the values).
#include <spiketorch/encoding/bernoulli.hpp>
#include <spiketorch/encoding/latency.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

using namespace spiketorch;

TEST_CASE("bernoulli: spike probability per step is x·max_probability", "[encoding][bernoulli]") {
  const double max_p = GENERATE(1.0, 0.4);
  encoding::bernoulli enc({.max_probability = max_p});
  const std::vector<float> values{0.0f, 0.05f, 0.5f, 1.0f};
  const std::size_t n_copies = 100, n_steps = 4000;
  std::vector<float> input;
  for (std::size_t c = 0; c < n_copies; ++c) input.insert(input.end(), values.begin(), values.end());
  enc.begin(input, n_steps, 0.5, random_stream(11, 5), 0);
  std::vector<double> counts(values.size(), 0.0);
  for (std::size_t t = 0; t < n_steps; ++t)
    for (index_t i : enc.spikes_at(t)) counts[i % values.size()] += 1;
  const double n = double(n_copies * n_steps);
  for (std::size_t v = 0; v < values.size(); ++v) {
    const double p = double(values[v]) * max_p;
    INFO("x = " << values[v] << ", max_probability = " << max_p);
    // Binomial(n, p): 4 standard errors (exact for p = 0 and p = 1, where the variance is 0).
    CHECK(std::abs(counts[v] - n * p) <= 4 * std::sqrt(n * p * (1 - p)) + 1e-9);
  }
}

TEST_CASE("bernoulli: values and max_probability outside [0, 1] throw", "[encoding][bernoulli]") {
  encoding::bernoulli enc;
  std::vector<float> bad{0.5f, 1.5f};
  CHECK_THROWS_AS(enc.begin(bad, 10, 0.5, random_stream(1, 1), 0), invalid_argument);
  bad = {-0.1f};
  CHECK_THROWS_AS(enc.begin(bad, 10, 0.5, random_stream(1, 1), 0), invalid_argument);
  encoding::bernoulli too_high({.max_probability = 1.2});
  std::vector<float> ok{0.5f};
  CHECK_THROWS_AS(too_high.begin(ok, 10, 0.5, random_stream(1, 1), 0), invalid_argument);
}

TEST_CASE("latency: one spike per input at floor((1 - x)·window/dt)", "[encoding][latency]") {
  encoding::latency enc({.window_ms = 50.0, .threshold = 0.0});
  // window/dt = 100 steps: x = 1 -> 0, 0.9 -> floor(10.0000024) = 10 (float 0.9 is 0.899999976),
  // 0.75 -> 25, 0.5 -> 50, 0.25 -> 75, 0.013 -> floor(98.7) = 98, 0 -> silent (at threshold).
  const std::vector<float> values{0.5f, 1.0f, 0.0f, 0.25f, 0.9f, 0.013f, 0.75f};
  const std::vector<long> expected{50, 0, -1, 75, 10, 98, 25};
  enc.begin(values, 200, 0.5, random_stream(), 0);
  std::vector<long> first(values.size(), -1);
  std::vector<int> count(values.size(), 0);
  std::vector<index_t> order;
  for (std::size_t t = 0; t < 200; ++t)
    for (index_t i : enc.spikes_at(t)) {
      if (first[i] < 0) first[i] = long(t);
      ++count[i];
      order.push_back(i);
    }
  CHECK(first == expected);
  for (std::size_t i = 0; i < values.size(); ++i) CHECK(count[i] == (expected[i] >= 0 ? 1 : 0));
  // Rank order: the order of spikes is the order of decreasing values.
  CHECK(order == std::vector<index_t>{1, 4, 6, 0, 3, 5});
  // Against the formula with the encoder's own arithmetic (double of the float value).
  for (std::size_t i = 0; i < values.size(); ++i)
    if (values[i] > 0) CHECK(first[i] == long(std::floor((1.0 - double(values[i])) * 50.0 / 0.5)));
}

TEST_CASE("latency: threshold silences weak inputs, late spikes beyond the presentation are dropped",
          "[encoding][latency]") {
  encoding::latency enc({.window_ms = 100.0, .threshold = 0.3});
  const std::vector<float> values{0.3f, 0.31f, 0.8f};
  // dt 1 ms: 0.31 -> floor(68.99999998) = 68 steps, 0.8 -> floor(19.9999988) = 19: a 40-step
  // presentation keeps only the strong input.
  enc.begin(values, 40, 1.0, random_stream(), 0);
  std::vector<index_t> all;
  for (std::size_t t = 0; t < 40; ++t)
    for (index_t i : enc.spikes_at(t)) all.push_back(i);
  CHECK(all == std::vector<index_t>{2});
  std::vector<float> bad{1.1f};
  CHECK_THROWS_AS(enc.begin(bad, 10, 1.0, random_stream(), 0), invalid_argument);
  encoding::latency zero_window({.window_ms = 0.0});
  CHECK_THROWS_AS(zero_window.begin(values, 10, 1.0, random_stream(), 0), invalid_argument);
}
