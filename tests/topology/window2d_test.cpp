// Sliding-window topologies (topology/window2d.hpp) against independent references:
//   conv2d   a network's delivery of a spike map equals the direct convolution of that map with
//            the kernels (random shapes, strides, paddings, dilations);
//   local2d  equals, bit for bit, a dense layer whose weight matrix is masked to the windows;
//   pool2d   into fire_once neurons passes exactly the earliest spike of each window;
// and the visits agree with each other (targets of a source, sources of a target, find).
#include <spiketorch/spiketorch.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <utility>
#include <vector>

using namespace spiketorch;
using Catch::Contains;

namespace {

// Voltages that only add up their input: V after a run is the sum of the weights delivered.
const neurons::integrate_and_fire::params adder{.v_thresh_mv = 1e30};

template <class Topo>
using window_net =
    network<layers<input<"X", encoding::latency>,
                   population<"Y", neurons::integrate_and_fire, synapses::delta_current>>,
            projections<projection<"X", "Y", Topo>>>;

// Every pair of the window geometry, from the definition: output (o, oy, ox) sees input
// (c, oy·s - p + qy·d, ox·s - p + qx·d) at taps (qy, qx), for every c (conv, local) or c = o
// (pool). Neuron (c, y, x) is index (y·width + x)·channels + c (channels last).
struct pair_ref {
  std::size_t pre, post, c, o, qy, qx, position;  // position: oy·out.width + ox
};
std::vector<pair_ref> window_pairs(topology::grid3 in, topology::grid3 out, std::size_t k,
                                   std::size_t s, std::size_t p, std::size_t d, bool per_channel) {
  std::vector<pair_ref> pairs;
  for (std::size_t o = 0; o < out.channels; ++o)
    for (std::size_t oy = 0; oy < out.height; ++oy)
      for (std::size_t ox = 0; ox < out.width; ++ox)
        for (std::size_t c = 0; c < in.channels; ++c) {
          if (per_channel && c != o) continue;
          for (std::size_t qy = 0; qy < k; ++qy)
            for (std::size_t qx = 0; qx < k; ++qx) {
              const long y = long(oy * s + qy * d) - long(p), x = long(ox * s + qx * d) - long(p);
              if (y < 0 || x < 0 || y >= long(in.height) || x >= long(in.width)) continue;
              pairs.push_back({in.index(c, std::size_t(y), std::size_t(x)), out.index(o, oy, ox), c,
                               o, qy, qx, oy * out.width + ox});
            }
        }
  return pairs;
}

// The visits of a topology hold exactly the pairs, each once, with the weight index `weight_of`
// gives; sources in increasing order per target; find agrees.
template <class Topo, class WeightOf>
void check_visits(const Topo& topo, const std::vector<pair_ref>& pairs, WeightOf weight_of) {
  std::set<std::pair<std::size_t, std::size_t>> expected;
  std::vector<std::vector<std::pair<std::size_t, std::size_t>>> by_target(topo.n_post());
  for (const auto& r : pairs) {
    expected.insert({r.pre, r.post});
    by_target[r.post].push_back({r.pre, weight_of(r)});
  }
  std::set<std::pair<std::size_t, std::size_t>> visited;
  std::size_t n_visits = 0;
  for (index_t i = 0; i < topo.n_pre(); ++i) {
    topo.for_each_target(i, [&](index_t j, std::size_t k) {
      visited.insert({i, j});
      ++n_visits;
      CHECK(topo.find(i, j) == k);
    });
  }
  CHECK(n_visits == pairs.size());
  CHECK(visited == expected);
  // A range of targets (a thread's share) visits the pairs into it, with the same weights.
  const auto v = topo.view();
  for (const auto& [lo, hi] : {std::pair<std::size_t, std::size_t>{0, topo.n_post() / 3},
                               {topo.n_post() / 3, topo.n_post() / 2 + 1},
                               {topo.n_post() - 1, topo.n_post()}}) {
    std::set<std::pair<std::size_t, std::size_t>> in_range, want;
    for (const auto& [i, j] : expected)
      if (j >= lo && j < hi) want.insert({i, j});
    for (index_t i = 0; i < topo.n_pre(); ++i)
      v.for_each_target_between(i, lo, hi, [&](index_t j, std::size_t k) {
        CHECK(in_range.insert({i, j}).second);
        CHECK(topo.find(i, j) == k);
      });
    CHECK(in_range == want);
  }
  for (index_t j = 0; j < topo.n_post(); ++j) {
    std::vector<std::pair<std::size_t, std::size_t>> got;
    topo.for_each_source(j, [&](index_t i, std::size_t k) { got.push_back({i, k}); });
    auto want = by_target[j];
    std::sort(want.begin(), want.end());
    CHECK(got == want);  // in increasing source order, with the weight of the definition
  }
  // Pairs outside the windows have no synapse.
  for (index_t i = 0; i < topo.n_pre(); i += 3)
    for (index_t j = 0; j < topo.n_post(); j += 2)
      if (!expected.count({i, j})) CHECK(topo.find(i, j) == topology::no_synapse);
}

struct shape_case {
  topology::conv_params p;
};

// Random valid conv shapes (small: the references are brute force).
std::vector<topology::conv_params> random_shapes(unsigned seed, std::size_t n) {
  std::mt19937 g(seed);
  auto pick = [&](std::size_t lo, std::size_t hi) {
    return std::uniform_int_distribution<std::size_t>(lo, hi)(g);
  };
  std::vector<topology::conv_params> out;
  while (out.size() < n) {
    topology::conv_params p{.input = {pick(1, 3), pick(3, 11), pick(3, 11)},
                            .out_channels = pick(1, 4),
                            .kernel = pick(1, 5),
                            .stride = pick(1, 3),
                            .padding = pick(0, 2),
                            .dilation = pick(1, 2)};
    const std::size_t span = p.dilation * (p.kernel - 1) + 1;
    if (span > std::min(p.input.height, p.input.width) + 2 * p.padding) continue;
    out.push_back(p);
  }
  return out;
}

// Spike map: each input on with probability 0.4; latency code 1 = a spike at step 0.
std::vector<float> random_map(std::size_t n, unsigned seed) {
  std::mt19937 g(seed);
  std::bernoulli_distribution on(0.4);
  std::vector<float> m(n);
  for (auto& x : m) x = on(g) ? 1.0f : 0.0f;
  return m;
}

std::vector<real> random_weights(std::size_t n, unsigned seed) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<real> w(n);
  for (auto& x : w) x = u(g);
  return w;
}

}  // namespace

TEST_CASE("conv2d: the visits are the windows of the definition", "[topology][conv]") {
  for (const auto& p : random_shapes(11, 40)) {
    CAPTURE(p.input.channels, p.input.height, p.input.width, p.out_channels, p.kernel, p.stride,
            p.padding, p.dilation);
    const auto out = topology::conv2d::output_of(p);
    // The output size of the definition: floor((in + 2p - d(k - 1) - 1) / s) + 1.
    CHECK(out.height ==
          (p.input.height + 2 * p.padding - p.dilation * (p.kernel - 1) - 1) / p.stride + 1);
    CHECK(out.width ==
          (p.input.width + 2 * p.padding - p.dilation * (p.kernel - 1) - 1) / p.stride + 1);
    const topology::conv2d conv(p.input.size(), out.size(), p);
    CHECK(conv.n_synapses() == p.out_channels * p.input.channels * p.kernel * p.kernel);
    const auto pairs = window_pairs(p.input, out, p.kernel, p.stride, p.padding, p.dilation, false);
    // [qy][qx][c][o]
    const auto conv_weight = [&](const pair_ref& r) {
      return ((r.qy * p.kernel + r.qx) * p.input.channels + r.c) * p.out_channels + r.o;
    };
    check_visits(conv, pairs, conv_weight);
    for (const auto& r : pairs) REQUIRE(conv.kernel_index(r.o, r.c, r.qy, r.qx) == conv_weight(r));
    const topology::local2d local(p.input.size(), out.size(), p);
    CHECK(local.n_synapses() == out.size() * p.input.channels * p.kernel * p.kernel);
    // [position][qy][qx][c][o]
    check_visits(local, pairs, [&](const pair_ref& r) {
      return ((r.position * p.kernel * p.kernel + r.qy * p.kernel + r.qx) * p.input.channels +
              r.c) *
                 p.out_channels +
             r.o;
    });
  }
}

TEST_CASE("conv2d: delivery of a spike map equals its direct convolution", "[topology][conv]") {
  unsigned seed = 100;
  for (const auto& p : random_shapes(5, 25)) {
    CAPTURE(p.input.channels, p.input.height, p.input.width, p.out_channels, p.kernel, p.stride,
            p.padding, p.dilation);
    const auto out = topology::conv2d::output_of(p);
    window_net<topology::conv2d> net({.dt_ms = 0.5, .seed = 1}, {p.input.size(), out.size()});
    net.set_params<"Y">(adder);
    net.connect<"X", "Y">({.topology = p});
    const auto w = random_weights(net.weights<"X", "Y">().size(), ++seed);
    net.set_weights<"X", "Y">(w);
    const auto map = random_map(p.input.size(), ++seed);
    net.run(map, 2.0);
    // Direct convolution, in double, by output.
    const auto v = net.state<"Y", "v">();
    for (std::size_t o = 0; o < out.channels; ++o)
      for (std::size_t oy = 0; oy < out.height; ++oy)
        for (std::size_t ox = 0; ox < out.width; ++ox) {
          double sum = 0;
          for (std::size_t c = 0; c < p.input.channels; ++c)
            for (std::size_t qy = 0; qy < p.kernel; ++qy)
              for (std::size_t qx = 0; qx < p.kernel; ++qx) {
                const long y = long(oy * p.stride + qy * p.dilation) - long(p.padding);
                const long x = long(ox * p.stride + qx * p.dilation) - long(p.padding);
                if (y < 0 || x < 0 || y >= long(p.input.height) || x >= long(p.input.width))
                  continue;
                const std::size_t i = p.input.index(c, std::size_t(y), std::size_t(x));
                const std::size_t k =
                    ((qy * p.kernel + qx) * p.input.channels + c) * p.out_channels + o;
                sum += map[i] * double(w[k]);
              }
          const std::size_t j = out.index(o, oy, ox);
          REQUIRE(v[j] == Approx(sum).margin(1e-5));
        }
  }
}

TEST_CASE("local2d: equals a dense layer with the weight matrix masked to the windows, bitwise",
          "[topology][conv]") {
  unsigned seed = 300;
  for (const auto& p : random_shapes(9, 15)) {
    CAPTURE(p.input.channels, p.input.height, p.input.width, p.out_channels, p.kernel, p.stride,
            p.padding, p.dilation);
    const auto out = topology::local2d::output_of(p);
    const std::size_t n_in = p.input.size(), n_out = out.size();
    window_net<topology::local2d> local({.dt_ms = 0.5, .seed = 1}, {n_in, n_out});
    window_net<topology::dense> dense({.dt_ms = 0.5, .seed = 1}, {n_in, n_out});
    local.set_params<"Y">(adder);
    dense.set_params<"Y">(adder);
    local.connect<"X", "Y">({.topology = p});
    dense.connect<"X", "Y">({});
    const auto w = random_weights(local.weights<"X", "Y">().size(), ++seed);
    local.set_weights<"X", "Y">(w);
    std::vector<real> masked(n_in * n_out, real(0));
    for (const auto& r :
         window_pairs(p.input, out, p.kernel, p.stride, p.padding, p.dilation, false))
      masked[r.pre * n_out + r.post] =
          w[((r.position * p.kernel * p.kernel + r.qy * p.kernel + r.qx) * p.input.channels + r.c) *
                p.out_channels +
            r.o];
    dense.set_weights<"X", "Y">(masked);
    for (int trial = 0; trial < 3; ++trial) {
      const auto map = random_map(n_in, ++seed);
      local.reset_state();
      dense.reset_state();
      local.run(map, 2.0);
      dense.run(map, 2.0);
      const auto a = local.state<"Y", "v">(), b = dense.state<"Y", "v">();
      REQUIRE(std::equal(a.begin(), a.end(), b.begin()));
    }
  }
}

TEST_CASE("pool2d into fire_once neurons passes exactly the earliest spike of each window",
          "[topology][conv][pooling]") {
  using pool_net = network<layers<input<"X", encoding::latency>,
                                  population<"P", neurons::fire_once, synapses::delta_current>>,
                           projections<projection<"X", "P", topology::pool2d>>>;
  for (const auto& [k, s, pad] : std::vector<std::tuple<std::size_t, std::size_t, std::size_t>>{
           {2, 2, 0}, {3, 2, 1}, {3, 3, 0}, {2, 1, 0}}) {
    CAPTURE(k, s, pad);
    const topology::pool_params p{.input = {3, 9, 10}, .kernel = k, .stride = s, .padding = pad};
    const auto out = topology::pool2d::output_of(p);
    CHECK(out.channels == 3);
    pool_net net({.dt_ms = 1.0, .seed = 1}, {p.input.size(), out.size()});
    net.set_params<"P">(neurons::fire_once::params{.v_thresh_mv = 0.5});
    net.connect<"X", "P">({.topology = p, .weights = {1.0, 1.0}});
    net.set_encoder_params<"X">(encoding::latency::params{.window_ms = 40.0});
    net.record_events<"P">(100000);
    net.record_events<"X">(100000);
    // Intensities: a third silent, the rest at one of 40 latencies (ties within windows).
    std::mt19937 g(unsigned(k * 100 + s * 10 + pad));
    std::vector<float> values(p.input.size());
    for (auto& x : values) x = g() % 3 == 0 ? 0.0f : float(1 + g() % 40) / 40.0f;
    net.run(values, 60.0);
    const auto& in = net.events<"X">();
    std::vector<std::int64_t> first_in(p.input.size(), std::numeric_limits<std::int64_t>::max());
    for (std::size_t e = 0; e < in.size(); ++e)
      first_in[in.neurons()[e]] = std::min(first_in[in.neurons()[e]], in.steps()[e]);
    // Each output: one spike, a step after the earliest input of its window, or none.
    const auto& ev = net.events<"P">();
    std::vector<std::int64_t> got(out.size(), -1);
    for (std::size_t e = 0; e < ev.size(); ++e) {
      REQUIRE(got[ev.neurons()[e]] == -1);  // at most one spike
      got[ev.neurons()[e]] = ev.steps()[e];
    }
    std::vector<std::int64_t> want(out.size(), std::numeric_limits<std::int64_t>::max());
    for (const auto& r : window_pairs(p.input, out, k, s, pad, 1, true))
      want[r.post] = std::min(want[r.post], first_in[r.pre]);
    std::size_t spiking = 0;
    for (std::size_t j = 0; j < out.size(); ++j) {
      CAPTURE(j);
      if (want[j] == std::numeric_limits<std::int64_t>::max()) {
        CHECK(got[j] == -1);
      } else {
        ++spiking;
        // A spike of step t is integrated by its targets in step t + 1.
        CHECK(got[j] == want[j] + 1);
      }
    }
    CHECK(spiking > out.size() / 2);
    // The pooled windows' visits are the definition's.
    const topology::pool2d pool(p.input.size(), out.size(), p);
    check_visits(pool, window_pairs(p.input, out, k, s, pad, 1, true),
                 [&](const pair_ref& r) { return r.qy * k + r.qx; });
  }
}

TEST_CASE("window topologies: shapes that do not fit get a clear error",
          "[topology][conv][errors]") {
  const topology::conv_params p{.input = {2, 8, 8}, .out_channels = 4, .kernel = 3};
  CHECK(topology::conv2d::output_of(p) == topology::grid3{4, 6, 6});
  // Kernel larger than the padded input.
  CHECK_THROWS_WITH(topology::conv2d::output_of({.input = {1, 4, 9}, .kernel = 5}),
                    Contains("larger than the padded input height (4 + 2·0 = 4)"));
  CHECK_THROWS_WITH(topology::conv2d::output_of({.input = {1, 9, 9}, .kernel = 5, .dilation = 3}),
                    Contains("spanning 13"));
  CHECK_NOTHROW(topology::conv2d::output_of({.input = {1, 4, 4}, .kernel = 5, .padding = 1}));
  // Zero stride, kernel, dilation, channels.
  CHECK_THROWS_WITH(topology::conv2d::output_of({.input = {1, 8, 8}, .stride = 0}),
                    Contains("stride must be > 0"));
  CHECK_THROWS_WITH(topology::pool2d::output_of({.input = {1, 8, 8}, .stride = 0}),
                    Contains("pool2d: stride must be > 0"));
  CHECK_THROWS_WITH(topology::local2d::output_of({.input = {1, 8, 8}, .kernel = 0}),
                    Contains("local2d: kernel size must be > 0"));
  CHECK_THROWS_WITH(topology::conv2d::output_of({.input = {1, 8, 8}, .dilation = 0}),
                    Contains("dilation must be > 0"));
  CHECK_THROWS_WITH(topology::conv2d::output_of({.input = {1, 8, 8}, .out_channels = 0}),
                    Contains("out_channels must be > 0"));
  CHECK_THROWS_WITH(topology::conv2d::output_of({.input = {0, 8, 8}}),
                    Contains("input channels must be > 0"));
  // Layers whose sizes do not match the grids (e.g. channel counts).
  CHECK_THROWS_WITH(
      topology::conv2d(3 * 64, 4 * 36, p),
      Contains("the source layer has 192 neurons, but the input grid is 2x8x8 = 128"));
  CHECK_THROWS_WITH(
      topology::conv2d(128, 5 * 36, p),
      Contains("the target layer has 180 neurons, but the output grid is 4x6x6 = 144"));
  // Through a network: the error names the projection's shapes before any run.
  window_net<topology::conv2d> net({.dt_ms = 0.5}, {128, 100});
  const auto connect = [&] { net.connect<"X", "Y">({.topology = p}); };
  CHECK_THROWS_WITH(connect(), Contains("output grid is 4x6x6"));
}

TEST_CASE("conv2d and local2d: shares of the targets hold the whole projection's weights",
          "[topology][conv][distributed]") {
  const topology::conv_params p{.input = {2, 7, 6}, .out_channels = 3, .kernel = 3, .padding = 1};
  const std::size_t n_in = p.input.size(), n_out = topology::conv2d::output_of(p).size();
  const random_stream stream(4, 2);
  auto check = [&]<class Topo>(Topo*) {
    using P = projection<"A", "B", Topo, learning::none, delays::uniform>;
    const connection_options<P> o{.topology = p, .weights = {0.0, 1.0}, .delays = {0.0, 4.0}};
    projection_state<P> whole;
    whole.connect(n_in, n_out, o, 0.5, stream, true, {0, n_out});
    for (const topology::column_range c :
         {topology::column_range{0, 40}, topology::column_range{40, 41},
          topology::column_range{81, n_out - 81}}) {
      projection_state<P> share;
      share.connect(n_in, n_out, o, 0.5, stream, true, c);
      CHECK(share.topo.whole_synapses() == whole.topo.n_synapses());
      const auto w = share.topo.weights(), ww = whole.topo.weights();
      for (std::size_t k = 0; k < w.size(); ++k) {
        REQUIRE(w[k] == ww[share.topo.global_weight(k)]);
        REQUIRE(share.delay_steps[k] == whole.delay_steps[share.topo.global_weight(k)]);
      }
      // The same synapses into each target as the whole projection's.
      for (index_t j = 0; j < c.count; ++j) {
        std::vector<std::pair<std::size_t, real>> a, b;
        share.topo.for_each_source(j, [&](index_t i, std::size_t k) { a.push_back({i, w[k]}); });
        whole.topo.for_each_source(index_t(c.first + j), [&](index_t i, std::size_t k) {
          b.push_back({i, ww[k]});
        });
        REQUIRE(a == b);
      }
      CHECK(share.ring.slots() == whole.ring.slots());
    }
  };
  check(static_cast<topology::conv2d*>(nullptr));
  check(static_cast<topology::local2d*>(nullptr));
}
