// encoding::poisson: a Bernoulli trial with p = rate·dt per step, sampled by geometric skips or
// one uniform per step. Statistical checks use a tolerance of 4 standard errors (a false alarm
// rate of ~6e-5 per check, and the streams are fixed by the seed, so a pass is reproducible).
#include <spiketorch/encoding/poisson.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

using namespace spiketorch;
using method = encoding::poisson::method;

namespace {

struct raster {
  std::size_t n_inputs, n_steps;
  std::vector<std::uint8_t> bits;  // [input][step]
  std::uint8_t at(std::size_t i, std::size_t t) const { return bits[i * n_steps + t]; }
};

raster encode(method m, const std::vector<float>& rates, std::size_t n_steps, double dt,
              std::uint64_t seed = 7, std::uint32_t presentation = 0) {
  encoding::poisson enc({.sampler = m});
  enc.begin(rates, n_steps, dt, random_stream(seed, 3), presentation);
  raster r{rates.size(), n_steps, std::vector<std::uint8_t>(rates.size() * n_steps, 0)};
  for (std::size_t t = 0; t < n_steps; ++t) {
    const auto s = enc.spikes_at(t);
    for (std::size_t e = 0; e < s.size(); ++e) {
      REQUIRE(s[e] < rates.size());
      if (e > 0) REQUIRE(s[e] > s[e - 1]);  // increasing, hence no input twice in one step
      r.bits[s[e] * n_steps + t] = 1;
    }
  }
  return r;
}

}  // namespace

TEST_CASE("poisson: mean rate and Fano factor 1 - p of window counts", "[encoding][poisson]") {
  const method m = GENERATE(method::geometric_skip, method::per_step_bernoulli);
  const double dt = 0.5;
  const double rate_hz = GENERATE(20.0, 200.0, 1000.0, 1600.0);  // p = 0.01, 0.1, 0.5, 0.8
  const double p = rate_hz * dt * 1e-3;
  const std::size_t n_inputs = 200, n_steps = 5000, window = 50;
  const auto r = encode(m, std::vector<float>(n_inputs, float(rate_hz)), n_steps, dt);
  INFO("method " << (m == method::geometric_skip ? "geometric_skip" : "per_step_bernoulli")
                 << ", p = " << p);

  // Mean: the total is Binomial(N, p), N = inputs·steps; standard error sqrt(N p (1-p)).
  const double n_trials = double(n_inputs * n_steps);
  double total = 0;
  for (auto b : r.bits) total += b;
  CHECK(std::abs(total - n_trials * p) <= 4.0 * std::sqrt(n_trials * p * (1 - p)));
  const double measured_rate = total / n_trials / (dt * 1e-3);
  CHECK(measured_rate == Approx(rate_hz).epsilon(4.0 * std::sqrt((1 - p) / (n_trials * p))));

  // Fano factor of counts in windows of W steps: Binomial(W, p) gives var/mean = 1 - p.
  // Standard error of the sample variance ratio for n windows: (1 - p)·sqrt((2 + kappa)/n), kappa
  // the binomial excess kurtosis (1 - 6pq)/(Wpq); the mean's own error is negligible beside it.
  std::vector<double> counts;
  for (std::size_t i = 0; i < n_inputs; ++i)
    for (std::size_t w = 0; w + window <= n_steps; w += window) {
      double c = 0;
      for (std::size_t t = w; t < w + window; ++t) c += r.at(i, t);
      counts.push_back(c);
    }
  const double n_w = double(counts.size());
  double mean = 0, var = 0;
  for (double c : counts) mean += c;
  mean /= n_w;
  for (double c : counts) var += (c - mean) * (c - mean);
  var /= (n_w - 1);
  const double fano = var / mean;
  const double q = 1 - p, kappa = (1 - 6 * p * q) / (double(window) * p * q);
  const double se = (1 - p) * std::sqrt((2 + kappa) / n_w);
  INFO("Fano " << fano << " expected " << 1 - p << " +- " << 4 * se);
  CHECK(std::abs(fano - (1 - p)) <= 4 * se);
}

TEST_CASE("poisson: every step is an independent trial with probability p (no start-up bias)",
          "[encoding][poisson]") {
  const method m = GENERATE(method::geometric_skip, method::per_step_bernoulli);
  const double dt = 0.5, p = 0.1;
  const std::size_t n_inputs = 40000, n_steps = 12;
  const auto r = encode(m, std::vector<float>(n_inputs, float(p / (dt * 1e-3))), n_steps, dt);
  const double se = std::sqrt(double(n_inputs) * p * (1 - p));
  for (std::size_t t = 0; t < n_steps; ++t) {
    double c = 0;
    for (std::size_t i = 0; i < n_inputs; ++i) c += r.at(i, t);
    INFO("step " << t);
    CHECK(std::abs(c - n_inputs * p) <= 4 * se);
  }
  // P(spike at t+1 | spike at t) = p: a sampler that forgot to skip past the spike's own step, or
  // skipped one step too many, fails here.
  double pairs = 0, firsts = 0;
  for (std::size_t i = 0; i < n_inputs; ++i)
    for (std::size_t t = 0; t + 1 < n_steps; ++t)
      if (r.at(i, t)) {
        ++firsts;
        pairs += r.at(i, t + 1);
      }
  CHECK(std::abs(pairs / firsts - p) <= 4 * std::sqrt(p * (1 - p) / firsts));
}

TEST_CASE("poisson: geometric_skip inter-spike intervals are geometric with mean 1/p",
          "[encoding][poisson]") {
  const double dt = 1.0, p = 0.05;
  const std::size_t n_inputs = 100, n_steps = 20000;
  const auto r = encode(method::geometric_skip, std::vector<float>(n_inputs, float(p * 1000.0)),
                        n_steps, dt);
  std::vector<double> isi;
  for (std::size_t i = 0; i < n_inputs; ++i) {
    long last = -1;
    for (std::size_t t = 0; t < n_steps; ++t)
      if (r.at(i, t)) {
        if (last >= 0) isi.push_back(double(long(t) - last));
        last = long(t);
      }
  }
  double mean = 0;
  for (double x : isi) mean += x;
  mean /= double(isi.size());
  // Geometric(p) on {1, 2, ...}: mean 1/p, variance (1 - p)/p^2.
  CHECK(std::abs(mean - 1 / p) <= 4 * std::sqrt((1 - p) / (p * p) / double(isi.size())));
  // P(ISI = 1) = p.
  double ones = 0;
  for (double x : isi) ones += x == 1;
  CHECK(std::abs(ones / double(isi.size()) - p) <= 4 * std::sqrt(p * (1 - p) / double(isi.size())));
}

TEST_CASE("poisson: the limits of the rate", "[encoding][poisson]") {
  const method m = GENERATE(method::geometric_skip, method::per_step_bernoulli);
  const double dt = 0.5;
  // 2000 Hz at dt = 0.5 ms is p = 1: a spike in every step.
  auto full = encode(m, {2000.0f, 0.0f}, 100, dt);
  for (std::size_t t = 0; t < 100; ++t) {
    CHECK(full.at(0, t) == 1);
    CHECK(full.at(1, t) == 0);  // rate 0: silent
  }
  encoding::poisson enc({.sampler = m});
  const random_stream s(1, 1);
  std::vector<float> bad{10.0f, 2000.5f};
  CHECK_THROWS_AS(enc.begin(bad, 10, dt, s, 0), invalid_argument);
  bad = {-1.0f};
  CHECK_THROWS_AS(enc.begin(bad, 10, dt, s, 0), invalid_argument);
  bad = {std::numeric_limits<float>::quiet_NaN()};
  CHECK_THROWS_AS(enc.begin(bad, 10, dt, s, 0), invalid_argument);
  bad = {std::numeric_limits<float>::infinity()};
  CHECK_THROWS_AS(enc.begin(bad, 10, dt, s, 0), invalid_argument);
  // 1000/dt is the limit for any dt: 1000 Hz is allowed at dt = 1 ms, 1001 Hz is not.
  std::vector<float> ok{1000.0f};
  CHECK_NOTHROW(enc.begin(ok, 10, 1.0, s, 0));
  ok = {1001.0f};
  CHECK_THROWS_AS(enc.begin(ok, 10, 1.0, s, 0), invalid_argument);
}

TEST_CASE("poisson: draws are a function of (seed, stream, presentation)", "[encoding][poisson]") {
  const method m = GENERATE(method::geometric_skip, method::per_step_bernoulli);
  const std::vector<float> rates(50, 100.0f);
  const auto a = encode(m, rates, 1000, 0.5, 7, 3);
  const auto b = encode(m, rates, 1000, 0.5, 7, 3);
  const auto c = encode(m, rates, 1000, 0.5, 7, 4);
  const auto d = encode(m, rates, 1000, 0.5, 8, 3);
  CHECK(a.bits == b.bits);
  CHECK(a.bits != c.bits);
  CHECK(a.bits != d.bits);
  // The two samplers use different draws: their trains differ for the same seed.
  const method other = m == method::geometric_skip ? method::per_step_bernoulli : method::geometric_skip;
  CHECK(a.bits != encode(other, rates, 1000, 0.5, 7, 3).bits);
}
