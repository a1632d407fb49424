// encoding::rank_order (SpykeTorch's Intensity2Latency: equal bins of the decreasing order of
// the non-zero values) and the DoG front end (encoding/dog.hpp) against their definitions.
#include <spiketorch/encoding/dog.hpp>
#include <spiketorch/encoding/rank_order.hpp>
#include <spiketorch/encoding/spike_times.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

using namespace spiketorch;

namespace {
// The step of each input's spike, -1 for none (and at most one spike each).
std::vector<long> spike_steps(const encoding::rank_order& enc, std::size_t n, std::uint64_t steps) {
  std::vector<long> at(n, -1);
  for (std::uint64_t t = 0; t < steps; ++t)
    for (index_t i : enc.spikes_at(t)) {
      REQUIRE(at[i] == -1);
      at[i] = long(t);
    }
  return at;
}
}  // namespace

TEST_CASE("rank_order: brighter inputs spike no later, in equal bins; zeros never",
          "[encoding][rank_order]") {
  std::mt19937 g(3);
  std::uniform_real_distribution<float> u(0.0f, 5.0f);
  const std::size_t n = 1000, T = 15;
  std::vector<float> v(n);
  for (auto& x : v) x = g() % 4 == 0 ? 0.0f : u(g);
  const std::size_t nonzero =
      std::size_t(std::count_if(v.begin(), v.end(), [](float x) { return x > 0; }));
  encoding::rank_order enc({.time_steps = T, .steps_per_bin = 2});
  enc.begin(v, 100, 1.0, {}, 0);
  const auto at = spike_steps(enc, n, 100);
  const std::size_t bin = nonzero / T;
  std::vector<std::size_t> per_step(100, 0);
  std::size_t spiking = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (v[i] == 0) CHECK(at[i] == -1);
    if (at[i] >= 0) {
      ++per_step[std::size_t(at[i])];
      ++spiking;
      CHECK(at[i] % 2 == 0);  // steps_per_bin
    }
  }
  CHECK(spiking == bin * T);  // the remainder, the weakest, is silent
  for (std::size_t b = 0; b < T; ++b) CHECK(per_step[2 * b] == bin);
  // Monotone: a brighter input never spikes after a dimmer one; silent inputs are the dimmest.
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      if (v[i] > v[j] && v[j] > 0) {
        if (at[j] >= 0) REQUIRE((at[i] >= 0 && at[i] <= at[j]));
      }
  // Only the order matters.
  std::vector<float> squashed(n);
  for (std::size_t i = 0; i < n; ++i) squashed[i] = std::sqrt(v[i]);
  encoding::rank_order again({.time_steps = T, .steps_per_bin = 2});
  again.begin(squashed, 100, 1.0, {}, 0);
  CHECK(spike_steps(again, n, 100) == at);
}

TEST_CASE("rank_order: ties keep index order; fewer values than bins; bad input",
          "[encoding][rank_order]") {
  encoding::rank_order enc({.time_steps = 3});
  const std::vector<float> v{0.5f, 0.5f, 0.5f, 0.5f, 0.0f, 0.9f};
  enc.begin(v, 10, 1.0, {}, 0);
  // Five non-zero values, bins of 1: 0.9 first, then the 0.5s by index; two fall past bin 2.
  CHECK(spike_steps(enc, v.size(), 10) == std::vector<long>{1, 2, -1, -1, -1, 0});
  const std::vector<float> few{0.2f, 0.0f, 0.7f};
  encoding::rank_order many({.time_steps = 15});
  many.begin(few, 20, 1.0, {}, 0);
  CHECK(spike_steps(many, few.size(), 20) == std::vector<long>{1, -1, 0});
  const std::vector<float> bad{0.1f, -1.0f};
  CHECK_THROWS_WITH(enc.begin(bad, 10, 1.0, {}, 0),
                    Catch::Contains("input 1 must be finite and >= 0"));
  encoding::rank_order zero({.time_steps = 0});
  CHECK_THROWS_WITH(zero.begin(few, 10, 1.0, {}, 0), Catch::Contains("time_steps must be > 0"));
}

TEST_CASE("dog_kernel: the difference of Gaussians, zero mean, maximum 1", "[encoding][dog]") {
  const auto on = encoding::dog_kernel(7, 1.0, 2.0), off = encoding::dog_kernel(7, 2.0, 1.0);
  REQUIRE(on.size() == 49);
  double sum = 0;
  for (float x : on) sum += x;
  CHECK(sum == Approx(0.0).margin(1e-5));
  CHECK(*std::max_element(on.begin(), on.end()) == 1.0f);
  CHECK(on[24] == 1.0f);  // on-centre: the peak at the centre
  CHECK(off[24] < 0.0f);  // off-centre: a trough there
  // Proportional to the formula minus its mean: compare ratios to the centre.
  auto f = [](double r2) { return (std::exp(-r2 / 2) - std::exp(-r2 / 8) / 4) / (2 * M_PI); };
  double mean = 0;
  for (int y = -3; y <= 3; ++y)
    for (int x = -3; x <= 3; ++x) mean += f(x * x + y * y) / 49;
  for (int y = -3; y <= 3; ++y)
    for (int x = -3; x <= 3; ++x)
      CHECK(on[(y + 3) * 7 + x + 3] ==
            Approx((f(x * x + y * y) - mean) / (f(0) - mean)).margin(1e-6));
  CHECK_THROWS_WITH(encoding::dog_kernel(6, 1, 2), Catch::Contains("size must be odd"));
  CHECK_THROWS_WITH(encoding::dog_kernel(7, 1, 1),
                    Catch::Contains("sigmas must be > 0 and differ"));
}

TEST_CASE("dog_filter: a single bright pixel gives back the kernel; thresholds zero the rest",
          "[encoding][dog]") {
  const std::size_t h = 11, w = 12;
  std::vector<float> image(h * w, 0.0f);
  image[5 * w + 6] = 2.0f;
  const encoding::dog_params p{.size = 7, .padding = 3};
  const auto g = encoding::dog_output(p, h, w);
  CHECK(g == topology::grid3{2, 11, 12});
  const auto out = encoding::dog_filter(image, h, w, p);
  const auto on = encoding::dog_kernel(7, 1, 2), off = encoding::dog_kernel(7, 2, 1);
  for (std::size_t c = 0; c < 2; ++c)
    for (long y = 0; y < long(h); ++y)
      for (long x = 0; x < long(w); ++x) {
        const long qy = 5 - y + 3, qx = 6 - x + 3;  // the tap over the bright pixel
        const float want = qy >= 0 && qy < 7 && qx >= 0 && qx < 7
                               ? 2.0f * (c == 0 ? on : off)[std::size_t(qy * 7 + qx)]
                               : 0.0f;
        REQUIRE(out[g.index(c, std::size_t(y), std::size_t(x))] == Approx(want).margin(1e-6));
      }
  encoding::dog_params t = p;
  t.threshold = 0.5f;
  const auto cut = encoding::dog_filter(image, h, w, t);
  for (std::size_t q = 0; q < cut.size(); ++q) CHECK(cut[q] == (out[q] < 0.5f ? 0.0f : out[q]));
  CHECK_THROWS_WITH(encoding::dog_filter(image, h, w + 1, p), Catch::Contains("not 11x13"));
  CHECK_THROWS_WITH(encoding::dog_output({.size = 7, .padding = 0}, 5, 9),
                    Catch::Contains("larger than the padded input height"));
}

TEST_CASE("local_normalization: divides by the mean of the window", "[encoding][dog]") {
  const topology::grid3 g{2, 9, 10};
  std::mt19937 gen(8);
  std::uniform_real_distribution<float> u(0.0f, 3.0f);
  std::vector<float> m(g.size());
  for (auto& x : m) x = u(gen);
  const auto original = m;
  const std::size_t r = 2;
  encoding::local_normalization(m, g, r);
  for (std::size_t c = 0; c < g.channels; ++c)
    for (long y = 0; y < long(g.height); ++y)
      for (long x = 0; x < long(g.width); ++x) {
        double sum = 0;
        for (long dy = -long(r); dy <= long(r); ++dy)
          for (long dx = -long(r); dx <= long(r); ++dx) {
            const long yy = y + dy, xx = x + dx;
            if (yy >= 0 && xx >= 0 && yy < long(g.height) && xx < long(g.width))
              sum += original[g.index(c, std::size_t(yy), std::size_t(xx))];
          }
        const std::size_t i = g.index(c, std::size_t(y), std::size_t(x));
        REQUIRE(m[i] == Approx(original[i] / (sum / 25.0)).epsilon(1e-5));
      }
  // A constant map is 1 wherever the window lies inside.
  std::vector<float> flat(g.size(), 4.0f);
  encoding::local_normalization(flat, g, 1);
  CHECK(flat[g.index(1, 4, 5)] == Approx(1.0f));
  CHECK_THROWS_WITH(encoding::local_normalization(flat, {2, 9, 9}, 1),
                    Catch::Contains("for a grid of 162"));
}

TEST_CASE("spike_times: each input spikes in the step it names, negatives never",
          "[encoding][spike_times]") {
  encoding::spike_times enc;
  const std::vector<float> v{3.0f, -1.0f, 0.0f, 3.0f, 12.0f};
  enc.begin(v, 10, 1.0, {}, 0);
  CHECK(enc.spikes_at(0).size() == 1);
  CHECK(enc.spikes_at(0)[0] == 2);
  const auto at3 = enc.spikes_at(3);
  CHECK(std::vector<index_t>(at3.begin(), at3.end()) == std::vector<index_t>{0, 3});
  CHECK(enc.schedule().n_events() == 3);  // step 12 lies past the presentation
  CHECK_THROWS_WITH(enc.begin(std::vector<float>{1.5f}, 10, 1.0, {}, 0),
                    Catch::Contains("must be a whole step >= 0 or negative (never), got 1.5"));
  CHECK_THROWS_WITH(enc.begin(std::vector<float>{NAN}, 10, 1.0, {}, 0), Catch::Contains("input 0"));
}
