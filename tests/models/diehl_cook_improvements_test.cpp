// The Diehl & Cook model past the paper (models/diehl_cook_params.hpp, diehl_cook_improvements):
// the increasing-inhibition profile and schedule against their formula, homeostasis against a
// twin model trained without it, the recorded firing order against the spike counts, the
// threaded training step against one thread (bit for bit), and the faithful default untouched.
// Synthetic images (no data needed): bright random strokes, so that the network fires.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <random>
#include <vector>
#include <xtensor/xtensor.hpp>

#include "spiketorch/models/diehl_cook_2015.hpp"
#include "spiketorch/models/diehl_cook_checkpoint.hpp"

using namespace spiketorch;
using models::diehl_cook_params;

namespace {

/// `count` 28 x 28 images: about 150 pixels of 255 on a dark background, from `seed`.
xt::xtensor<std::uint8_t, 3> stroke_images(std::size_t count, unsigned seed) {
  xt::xtensor<std::uint8_t, 3> images =
      xt::zeros<std::uint8_t>({count, std::size_t(28), std::size_t(28)});
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pos(4, 23);
  for (std::size_t e = 0; e < count; ++e)
    for (int k = 0; k < 150; ++k) images(e, pos(rng), pos(rng)) = 255;
  return images;
}

std::span<const std::uint8_t> image(const xt::xtensor<std::uint8_t, 3>& images, std::size_t e) {
  return {images.data() + e * 784, 784};
}

diehl_cook_params small(std::size_t n = 16) {
  diehl_cook_params p;
  p.n_neurons = n;
  return p;
}

}  // namespace

TEST_CASE("increasing inhibition: w_inh_exc (s + (1 - s) sqrt(d / d_max)) on the neuron grid",
          "[diehl_cook][improvements]") {
  // 10 neurons on a grid of ceil(sqrt(10)) = 4 columns and 3 rows: d_max = sqrt(2² + 3²).
  auto p = small(10);
  p.improvements.inhibition_start = 0.2;
  p.improvements.inhibition_ramp_examples = 1000;
  models::diehl_cook_2015<> m(p);
  m.set_inhibition(0.2);
  const auto w = m.net().weights<"Ai", "Ae">();
  REQUIRE(w.size() == 10 * 9);
  const double d_max = std::sqrt(13.0);
  std::size_t k = 0;
  for (std::size_t j = 0; j < 10; ++j)
    for (std::size_t i = 0; i < 10; ++i) {
      if (i == j) continue;
      const double dy = double(i / 4) - double(j / 4), dx = double(i % 4) - double(j % 4);
      const double expected = 17.0 * (0.2 + 0.8 * std::sqrt(std::sqrt(dy * dy + dx * dx) / d_max));
      INFO("from " << j << " onto " << i);
      CHECK(w[k++] == Approx(expected).epsilon(1e-6));
    }
  // Corners 0 (0, 0) and 9 (2, 1): d = sqrt(5). Neighbours 0 and 1: d = 1, the weakest.
  CHECK(*std::min_element(w.begin(), w.end()) == Approx(17.0 * (0.2 + 0.8 * std::sqrt(1 / d_max))));
  CHECK(*std::max_element(w.begin(), w.end()) == Approx(17.0));
  // s = 1 is the paper's uniform inhibition.
  m.set_inhibition(1.0);
  for (real x : m.net().weights<"Ai", "Ae">()) CHECK(x == real(17.0));
}

TEST_CASE("increasing inhibition: s rises linearly over the ramp, then stays at 1",
          "[diehl_cook][improvements]") {
  auto p = small();
  p.improvements.inhibition_start = 0.1;
  p.improvements.inhibition_ramp_examples = 400;
  models::diehl_cook_2015<> m(p);
  CHECK(m.inhibition_scale(0) == Approx(0.1));
  CHECK(m.inhibition_scale(200) == Approx(0.55));
  CHECK(m.inhibition_scale(399) == Approx(0.1 + 0.9 * 399 / 400.0));
  CHECK(m.inhibition_scale(400) == 1.0);
  CHECK(m.inhibition_scale(100000) == 1.0);
  // Training applies it: the first example sets s = 0.1 (neighbours weakest), a restored
  // checkpoint continues where training stopped, and the end of the ramp is uniform again.
  const auto images = stroke_images(3, 1);
  m.train(image(images, 0));
  const auto first = m.net().weights<"Ai", "Ae">();
  // 16 neurons: a 4 x 4 grid, d_max = sqrt(18); grid neighbours (d = 1) are inhibited least.
  CHECK(*std::min_element(first.begin(), first.end()) ==
        Approx(17.0 * (0.1 + 0.9 * std::sqrt(1 / std::sqrt(18.0)))).epsilon(1e-6));
  m.set_examples_trained(400);
  for (real x : m.net().weights<"Ai", "Ae">()) CHECK(x == real(17.0));
  CHECK(m.examples_trained() == 400);
  // Off by default: the faithful model keeps its uniform 17 whatever it has seen.
  models::diehl_cook_2015<> faithful(small());
  CHECK(faithful.inhibition_scale(0) == 1.0);
  faithful.train(image(images, 1));
  for (real x : faithful.net().weights<"Ai", "Ae">()) CHECK(x == real(17.0));
}

TEST_CASE("homeostasis lowers the thresholds of the neurons that did not fire, to the floor",
          "[diehl_cook][improvements]") {
  const auto images = stroke_images(1, 2);
  auto with = small(30);
  with.improvements.homeostasis_mv = 0.5;
  with.improvements.theta_floor_mv = -1.0;
  models::diehl_cook_2015<> a(small(30)), b(with);
  // The same network and input spikes: the example runs alike, then b lowers its silent neurons.
  const auto ra = a.train(image(images, 0));
  const std::vector<std::uint32_t> counts(ra.counts.begin(), ra.counts.end());
  b.train(image(images, 0));
  std::size_t silent = 0, fired = 0;
  for (std::size_t i = 0; i < 30; ++i) {
    INFO("neuron " << i << " with " << counts[i] << " spikes");
    if (counts[i] == 0) {
      ++silent;
      CHECK(b.theta()[i] == std::max(a.theta()[i] - real(0.5), real(19.0)));
    } else {
      ++fired;
      CHECK(b.theta()[i] == a.theta()[i]);
    }
  }
  REQUIRE(silent > 0);
  REQUIRE(fired > 0);
  // Four more examples bring the silent ones to the floor, theta_offset - 1 = 19 mV; below it
  // only theta's own decay (tau_theta = 1e7 ms: 0.001 mV per example) lowers them.
  for (int k = 0; k < 4; ++k) b.train(image(images, 0));
  const real lowest = *std::min_element(b.theta().begin(), b.theta().end());
  CHECK(lowest >= real(18.995));
  CHECK(lowest < real(19.0));
}

TEST_CASE("recruiting: a neuron silent for a whole window takes the next image as weights",
          "[diehl_cook][improvements]") {
  const auto images = stroke_images(3, 6);
  auto p = small(30);
  p.improvements.recruit_window = 2;
  models::diehl_cook_2015<> m(p);
  std::vector<std::uint32_t> window(30, 0);
  for (std::size_t e = 0; e < 2; ++e) {
    const auto r = m.train(image(images, e));
    for (std::size_t i = 0; i < 30; ++i) window[i] += r.counts[i];
  }
  CHECK(m.recruited() == 0);
  std::size_t first_silent = 30;
  double active_theta = 0;
  std::size_t active = 0;
  for (std::size_t i = 0; i < 30; ++i) {
    if (window[i] == 0 && first_silent == 30) first_silent = i;
    if (window[i] > 0) {
      active_theta += m.theta()[i];
      ++active;
    }
  }
  REQUIRE(first_silent < 30);
  REQUIRE(active > 0);
  const auto r = m.train(image(images, 2));
  CHECK(m.recruited() == 1);
  // Its weights were image 2 / 255, then normalised to 78 and moved a little by STDP: they
  // correlate with the image almost perfectly.
  const auto w = m.input_weights();
  double sw = 0, sx = 0, sww = 0, sxx = 0, swx = 0;
  for (std::size_t k = 0; k < 784; ++k) {
    const double a = w[k * 30 + first_silent], b = images.data()[2 * 784 + k];
    sw += a, sx += b, sww += a * a, sxx += b * b, swx += a * b;
  }
  const double cov = swx / 784 - sw * sx / (784.0 * 784.0);
  const double corr = cov / std::sqrt((sww / 784 - sw * sw / (784.0 * 784.0)) *
                                      (sxx / 784 - sx * sx / (784.0 * 784.0)));
  CHECK(corr > 0.95);
  // Its theta started from the mean of the window's active neurons; then each of its spikes in
  // example 2 (presentations and rest) added theta_plus = 0.05 mV, and theta decayed by < 0.01.
  const double rise = m.theta()[first_silent] - active_theta / double(active);
  const double spikes = std::round(rise / 0.05);
  CHECK(std::abs(rise - 0.05 * spikes) < 0.01);
  CHECK(spikes >= double(r.counts[first_silent]));
}

TEST_CASE("the recorded firing order holds each neuron as often as its spike count",
          "[diehl_cook][improvements]") {
  const auto images = stroke_images(6, 3);
  models::diehl_cook_2015<> m(small(20));
  for (std::size_t e = 0; e < 4; ++e) m.train(image(images, e));
  auto recorder = m;
  recorder.record_spike_order(1000);
  for (std::size_t e = 4; e < 6; ++e) {
    const auto plain = m.respond(image(images, e), e);
    const std::vector<std::uint32_t> counts(plain.counts.begin(), plain.counts.end());
    const auto r = recorder.respond(image(images, e), e);
    // Recording changes nothing of the response.
    CHECK(std::vector<std::uint32_t>(r.counts.begin(), r.counts.end()) == counts);
    REQUIRE(r.order.size() == r.exc_spikes);
    std::vector<std::uint32_t> tally(20, 0);
    for (index_t i : r.order) ++tally.at(i);
    CHECK(tally == counts);
    CHECK(plain.order.empty());
  }
  // respond_all keeps every example's order, the same on any number of threads.
  std::vector<std::vector<index_t>> one, two;
  const auto c1 = models::respond_all(
      m, images, 0, 6, 1, 0, [](std::uint64_t) {}, nullptr, nullptr, nullptr, &one);
  const auto c2 = models::respond_all(
      m, images, 0, 6, 2, 0, [](std::uint64_t) {}, nullptr, nullptr, nullptr, &two);
  CHECK(c1 == c2);
  CHECK(one == two);
  REQUIRE(one.size() == 6);
  for (std::size_t e = 0; e < 6; ++e) {
    std::size_t spikes = 0;
    for (std::size_t i = 0; i < 20; ++i) spikes += c1(e, i);
    CHECK(one[e].size() == spikes);
  }
}

TEST_CASE("eval_repeats sums K presentations, the first of them the one-presentation response",
          "[diehl_cook][improvements]") {
  const auto images = stroke_images(5, 5);
  auto p = small(20);
  models::diehl_cook_2015<> once(p);
  for (std::size_t e = 0; e < 3; ++e) once.train(image(images, e));
  // The same trained network, evaluated with three presentations per digit.
  auto thrice_params = p;
  thrice_params.improvements.eval_repeats = 3;
  models::diehl_cook_2015<> thrice(thrice_params);
  thrice.net().set_weights<"X", "Ae">(
      std::vector<real>(once.input_weights().begin(), once.input_weights().end()));
  std::copy(once.theta().begin(), once.theta().end(), thrice.theta().begin());
  thrice.record_spike_order(4096);
  for (std::size_t e = 3; e < 5; ++e) {
    const auto r1 = once.respond(image(images, e), e);
    const std::vector<std::uint32_t> c1(r1.counts.begin(), r1.counts.end());
    const std::uint64_t p1 = r1.presentations;
    const auto r3 = thrice.respond(image(images, e), e);
    std::uint64_t total = 0;
    bool more = false;
    for (std::size_t i = 0; i < 20; ++i) {
      CHECK(r3.counts[i] >= c1[i]);  // the first repeat is the single presentation
      more = more || r3.counts[i] > c1[i];
      total += r3.counts[i];
    }
    CHECK(more);
    CHECK(r3.exc_spikes == total);
    CHECK(r3.order.size() == total);
    CHECK(r3.presentations >= p1 + 2);
    // The repeats draw their own input spikes: the sum is not three times the first.
    bool differs = false;
    for (std::size_t i = 0; i < 20; ++i) differs = differs || r3.counts[i] != 3 * c1[i];
    CHECK(differs);
  }
}

#if defined(SPIKETORCH_USE_OPENMP)
TEST_CASE("training on two threads gives the weights and thresholds of one, bit for bit",
          "[diehl_cook][threads]") {
  const auto images = stroke_images(5, 4);
  auto p = small(64);
  p.improvements.inhibition_start = 0.3;
  p.improvements.inhibition_ramp_examples = 4;
  p.improvements.homeostasis_mv = 0.1;
  models::diehl_cook_2015<> one(p), two(p);
  two.set_threads(2);
  CHECK(two.threads() == 2);
  for (std::size_t e = 0; e < 5; ++e) {
    const auto r1 = one.train(image(images, e));
    const auto r2 = two.train(image(images, e));
    CHECK(r1.exc_spikes == r2.exc_spikes);
  }
  CHECK(two.net().threads_used() == 2);
  const auto w1 = one.input_weights(), w2 = two.input_weights();
  CHECK(std::equal(w1.begin(), w1.end(), w2.begin(), w2.end()));
  const auto t1 = one.theta(), t2 = two.theta();
  CHECK(std::equal(t1.begin(), t1.end(), t2.begin(), t2.end()));
}
#endif

TEST_CASE("the improvements' parameters are checked, named", "[diehl_cook][improvements]") {
  auto p = small();
  p.improvements.inhibition_start = 1.5;
  CHECK_THROWS_WITH(p.validate(),
                    Catch::Contains("improvements.inhibition_start must be in [0, 1]"));
  p = small();
  p.improvements.homeostasis_mv = -0.1;
  CHECK_THROWS_WITH(p.validate(),
                    Catch::Contains("improvements.homeostasis_mv must be in [0, 10]"));
  p = small();
  p.improvements.theta_floor_mv = -25;  // below -theta_offset (20): theta would go negative
  CHECK_THROWS_WITH(p.validate(), Catch::Contains("improvements.theta_floor_mv must be in [-"));
  p.improvements.theta_floor_mv = 0.5;
  CHECK_THROWS(p.validate());
}
