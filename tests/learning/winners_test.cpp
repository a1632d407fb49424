// Competition among feature maps (competition/winners.hpp) and the winners' stabilised STDP
// (learning/winner_stdp.hpp), against their definitions on hand-made and brute-force cases.
#include <spiketorch/spiketorch.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

using namespace spiketorch;
using competition::never;

namespace {
std::size_t at(const topology::grid3& g, std::size_t c, std::size_t y, std::size_t x) {
  return g.index(c, y, x);
}
}  // namespace

TEST_CASE("k_winners: earliest first, then highest potential, then lowest map; one per map",
          "[competition]") {
  const topology::grid3 g{3, 5, 5};
  std::vector<std::int64_t> first(g.size(), never);
  std::vector<float> v(g.size(), 0.0f);
  first[at(g, 0, 1, 1)] = 4;
  v[at(g, 0, 1, 1)] = 9.0f;
  first[at(g, 0, 3, 3)] = 2;
  v[at(g, 0, 3, 3)] = 5.0f;  // map 0's earliest
  first[at(g, 1, 3, 4)] = 2;
  v[at(g, 1, 3, 4)] = 6.0f;  // same step, higher potential: first
  first[at(g, 2, 0, 0)] = 2;
  v[at(g, 2, 0, 0)] = 5.0f;  // ties map 0 (3,3): a higher map
  first[at(g, 2, 4, 0)] = 3;
  v[at(g, 2, 4, 0)] = 50.0f;
  SECTION("no inhibition radius") {
    const auto w = competition::k_winners(first, v, g, {.k = 5});
    CHECK(w == std::vector<index_t>{index_t(at(g, 1, 3, 4)), index_t(at(g, 0, 3, 3)),
                                    index_t(at(g, 2, 0, 0))});
    CHECK(competition::k_winners(first, v, g, {.k = 2}).size() == 2);
  }
  SECTION("radius 1: (3,4) removes map 0's (3,3), and (0,0) removes map 0's (1,1)") {
    const auto w = competition::k_winners(first, v, g, {.k = 5, .inhibition_radius = 1});
    CHECK(w == std::vector<index_t>{index_t(at(g, 1, 3, 4)), index_t(at(g, 2, 0, 0))});
    first[at(g, 0, 2, 2)] = 6;  // outside both neighbourhoods: map 0's winner
    CHECK(competition::k_winners(first, v, g, {.k = 5, .inhibition_radius = 1}) ==
          std::vector<index_t>{index_t(at(g, 1, 3, 4)), index_t(at(g, 2, 0, 0)),
                               index_t(at(g, 0, 2, 2))});
  }
  SECTION("nobody fired: no winner") {
    std::fill(first.begin(), first.end(), never);
    CHECK(competition::k_winners(first, v, g, {.k = 3}).empty());
  }
  CHECK_THROWS_WITH(competition::k_winners(first, std::vector<float>(3), g, {}),
                    Catch::Contains("75 spike steps and 3 potentials for a 3x5x5 layer"));
}

TEST_CASE("k_winners: random layers against a brute-force sort", "[competition]") {
  std::mt19937 gen(12);
  for (int trial = 0; trial < 50; ++trial) {
    const topology::grid3 g{1 + gen() % 6, 1 + gen() % 7, 1 + gen() % 7};
    std::vector<std::int64_t> first(g.size());
    std::vector<float> v(g.size());
    for (std::size_t i = 0; i < g.size(); ++i) {
      first[i] = gen() % 3 == 0 ? never : std::int64_t(gen() % 4);
      v[i] = float(gen() % 5);
    }
    const std::size_t k = 1 + gen() % 5, r = gen() % 3;
    // Reference: sort all fired neurons once; take each that is not excluded by an earlier pick.
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < g.size(); ++i)
      if (first[i] != never) order.push_back(i);
    // Ties: the lower map, then the lower position.
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const std::size_t ma = a % g.channels, mb = b % g.channels;
      return std::tie(first[a], v[b], ma, a) < std::tie(first[b], v[a], mb, b);
    });
    std::vector<index_t> want;
    for (std::size_t i : order) {
      if (want.size() == k) break;
      bool excluded = false;
      for (index_t w : want) {
        const std::size_t pi = i / g.channels, pw = w / g.channels;
        const long dy = long(pi / g.width) - long(pw / g.width);
        const long dx = long(pi % g.width) - long(pw % g.width);
        excluded |= i % g.channels == w % g.channels ||
                    (std::abs(dy) <= long(r) && std::abs(dx) <= long(r));
      }
      if (!excluded) want.push_back(index_t(i));
    }
    CHECK(competition::k_winners(first, v, g, {.k = k, .inhibition_radius = r}) == want);
  }
}

TEST_CASE("pointwise_inhibition: one map keeps its spike at each position", "[competition]") {
  const topology::grid3 g{3, 1, 4};
  // clang-format off
  //                                   map:  0      1      2
  std::vector<std::int64_t> first{/* position 0 */ 2,     1,     3,
                                  /* position 1 */ never, never, 7,
                                  /* position 2 */ 1,     1,     1,
                                  /* position 3 */ 5,     5,     5};
  const std::vector<float> v{0, 0, 0,
                             0, 0, 0,
                             2, 3, 3,
                             1, 1, 1};
  competition::pointwise_inhibition(first, v, g);
  CHECK(first == std::vector<std::int64_t>{never, 1,     never,
                                           never, never, 7,
                                           never, 1,     never,
                                           5,     never, never});
  // clang-format on
}

TEST_CASE("first_spikes: the first step of each neuron from recorded events", "[competition]") {
  const std::vector<index_t> n{2, 0, 2, 1};
  const std::vector<std::int64_t> s{10, 11, 11, 13};
  CHECK(competition::first_spikes(n, s, 4, 10) == std::vector<std::int64_t>{1, 3, 0, never});
  CHECK_THROWS_WITH(competition::first_spikes(n, s, 2),
                    Catch::Contains("neuron 2 of a layer of 2"));
}

TEST_CASE("winner_stdp: the stabilised update on a conv2d winner's window equals the formula",
          "[learning][conv]") {
  const topology::conv_params p{.input = {2, 6, 6}, .out_channels = 3, .kernel = 3};
  const auto out = topology::conv2d::output_of(p);
  topology::conv2d conv(p.input.size(), out.size(), p);
  std::mt19937 gen(4);
  std::uniform_real_distribution<float> u(0.05f, 0.95f);
  auto w = conv.weights();
  for (auto& x : w) x = u(gen);
  const std::vector<real> before(w.begin(), w.end());
  std::vector<std::int64_t> pre(p.input.size());
  for (auto& t : pre) t = gen() % 4 == 0 ? never : std::int64_t(gen() % 6);
  std::vector<std::int64_t> post(out.size(), never);
  // Winners in maps 0 and 2 (one per map, as k_winners picks them).
  const index_t w0 = index_t(at(out, 0, 1, 2)), w2 = index_t(at(out, 2, 3, 0));
  post[w0] = 3;
  post[w2] = 1;
  const learning::winner_stdp_params rates{.a_plus = 0.05, .a_minus = -0.04};
  for (const auto o : {learning::outcome::unsupervised, learning::outcome::punish}) {
    std::copy(before.begin(), before.end(), w.begin());
    const std::vector<index_t> winners{w0, w2};
    learning::winner_stdp(conv, winners, pre, post, rates, o);
    const bool anti = o == learning::outcome::punish;
    for (std::size_t k = 0; k < w.size(); ++k) {
      // [qy][qx][c][o]: 3 maps, 2 channels
      const std::size_t map = k % 3, c = (k / 3) % 2, qy = k / 18, qx = (k / 6) % 3;
      if (map == 1) {
        CHECK(w[k] == before[k]);  // no winner: unchanged
        continue;
      }
      const std::size_t oy = map == 0 ? 1 : 3, ox = map == 0 ? 2 : 0;
      const std::int64_t t_pre = pre[at(p.input, c, oy + qy, ox + qx)];
      const std::int64_t t_post = map == 0 ? 3 : 1;
      const bool causal = t_pre != never && t_pre <= t_post;
      const double a = causal != anti ? 0.05 : -0.04;
      const double x = before[k];
      CHECK(w[k] == Approx(std::clamp(x + a * x * (1 - x), 0.0, 1.0)).margin(1e-7));
    }
  }
  CHECK_THROWS_WITH(learning::winner_stdp(conv, std::vector<index_t>{1}, pre, post, rates),
                    Catch::Contains("winner 1 did not fire"));
  CHECK_THROWS_WITH(learning::winner_stdp(conv, std::vector<index_t>{w0}, post, post, rates),
                    Catch::Contains("for a projection of 72 -> 48"));
}

TEST_CASE(
    "rate_schedule: a_plus doubles every 500 presentations up to 0.15, a_minus = -0.75 a_plus",
    "[learning][conv]") {
  const learning::rate_schedule s{};
  CHECK(s.at(0).a_plus == 0.004);
  CHECK(s.at(499).a_plus == 0.004);
  CHECK(s.at(500).a_plus == 0.008);
  CHECK(s.at(1500).a_plus == Approx(0.032));
  CHECK(s.at(1500).a_minus == Approx(-0.024));
  CHECK(s.at(2500).a_plus == Approx(0.128));
  CHECK(s.at(3000).a_plus == Approx(0.15));
  CHECK(s.at(1000000).a_plus == Approx(0.15));
}

TEST_CASE("winner_stdp: any topology, e.g. a dense neuron's incoming weights", "[learning]") {
  topology::dense d(4, 3);
  auto w = d.weights();
  for (std::size_t k = 0; k < w.size(); ++k) w[k] = 0.5f;
  const std::vector<std::int64_t> pre{2, never, 5, 3}, post{never, 4, never};
  learning::winner_stdp(d, std::vector<index_t>{1}, pre, post, {.a_plus = 0.1, .a_minus = -0.2},
                        learning::outcome::reward);
  // Target 1 only: pre 0 and 3 fired by step 4 (+0.1·0.25), 1 never and 2 later (-0.2·0.25).
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(w[i * 3 + 0] == 0.5f);
    CHECK(w[i * 3 + 2] == 0.5f);
  }
  CHECK(w[0 * 3 + 1] == Approx(0.525));
  CHECK(w[1 * 3 + 1] == Approx(0.45));
  CHECK(w[2 * 3 + 1] == Approx(0.45));
  CHECK(w[3 * 3 + 1] == Approx(0.525));
}
