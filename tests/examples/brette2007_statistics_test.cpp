// Firing statistics of the Brette et al. (2007) programs (examples/brette2007/
// spike_statistics.hpp) against closed forms: a regular train has CV 0, two intervals a and b
// have CV |a - b| / (a + b), a Poisson train has CV 1; rates are spikes per neuron per second;
// chunks add up to the whole.
#include "../../examples/brette2007/spike_statistics.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

using brette2007::spike_statistics;
using spiketorch::index_t;

TEST_CASE("brette2007 statistics: CV of regular, two-interval and Poisson trains; rate",
          "[examples][brette2007]") {
  spike_statistics s(4);
  std::vector<index_t> neurons;
  std::vector<std::int64_t> steps;
  auto spike = [&](index_t i, std::int64_t t) {
    neurons.push_back(i);
    steps.push_back(t);
  };
  // Neuron 0 regular every 10 steps; neuron 1 intervals 10 and 30; neuron 2 a single interval
  // (not counted: one interval has no spread); neuron 3 silent.
  spike(0, 0), spike(1, 0), spike(2, 5);
  spike(0, 10), spike(1, 10);
  spike(0, 20), spike(2, 25);
  spike(0, 30);
  spike(1, 40);
  s.add(neurons, steps);
  CHECK(s.spikes() == 9);
  // CVs: 0 and |10 - 30| / (10 + 30) = 0.5, averaged.
  CHECK(s.cv_isi() == Approx(0.25).epsilon(1e-12));
  CHECK(s.mean_rate_hz(50.0) == Approx(9.0 / 4 / 0.05));
  // Of parts: neurons 0 and 1 spiked 4 + 3 times, 2 and 3 twice and never.
  CHECK(s.mean_rate_hz(50.0, 0, 2) == Approx(7.0 / 2 / 0.05));
  CHECK(s.mean_rate_hz(50.0, 2, 2) == Approx(2.0 / 2 / 0.05));
}

TEST_CASE("brette2007 statistics: a Poisson train's CV is 1; chunks add up to the whole",
          "[examples][brette2007]") {
  // Exponential intervals of mean m = 200 steps, rounded up to whole steps (as a simulation's
  // are): ceil(X) is geometric with success probability q = 1 - e^{-1/m}, mean 1/q and variance
  // (1 - q)/q^2, so CV = sqrt(1 - q) = e^{-1/(2m)} = 0.9975. 50 neurons x 2000 intervals: the
  // standard error of one neuron's CV is about sqrt(3 / (4 x 2000)) = 0.02, of the mean of 50
  // about 0.003; the margin is 0.02.
  const std::size_t n = 50, k = 2000;
  const double m = 200;
  std::mt19937_64 rng(1);
  std::exponential_distribution<double> gap(1.0 / m);
  std::vector<std::int64_t> t(n, 0);
  std::vector<index_t> neurons;
  std::vector<std::int64_t> steps;
  for (std::size_t e = 0; e <= k; ++e)
    for (std::size_t i = 0; i < n; ++i) {
      neurons.push_back(index_t(i));
      steps.push_back(t[i]);
      t[i] += std::int64_t(std::ceil(gap(rng)));
    }
  spike_statistics whole(n), chunked(n);
  whole.add(neurons, steps);
  const std::size_t half = neurons.size() / 2;
  chunked.add({neurons.data(), half}, {steps.data(), half});
  chunked.add({neurons.data() + half, neurons.size() - half},
              {steps.data() + half, steps.size() - half});
  CHECK(whole.cv_isi() == Approx(std::exp(-1 / (2 * m))).margin(0.02));
  CHECK(chunked.cv_isi() == whole.cv_isi());
  CHECK(chunked.spikes() == whole.spikes());

  // Neurons of a second layer are numbered after the first's (`first`).
  spike_statistics two(2 * n);
  two.add(neurons, steps);
  two.add(neurons, steps, n);  // the same train again for neurons n .. 2n-1
  CHECK(two.cv_isi() == Approx(whole.cv_isi()).epsilon(1e-12));
}
