// Backend tests of backend::cuda, written once and compiled twice:
//   - cuda_test.cu (nvcc): against a real GPU; the program exits 77 (skipped) without a device;
//   - emulation_test.cpp (host compiler, SPIKETORCH_CUDA_EMULATION): the same kernels, runner and
//     transfers on the host emulation of tests/support/cuda_emulation.hpp, so the CUDA code path is
//     exercised on every machine.
// Each scenario runs the same network type with backend::cpu and backend::cuda (same seed,
// same calls) and compares what the API returns: spike counts, rasters, state traces, final
// state, weights. The kernels reproduce the CPU's order of floating-point operations, so the
// comparisons are exact except where a rule calls a transcendental function (std::pow in
// stdp_weight_dependent), where device and host libm may differ in the last bit: there the
// weights are compared within `pow_tolerance` and spikes must still agree. Closed forms
// (delay arrival steps, pair-STDP weight changes) are checked on both backends.
//
// The CPU-backend tests of neurons, synapses, delays and STDP (tests/neurons, tests/synapses,
// tests/network/delays_network_test.cpp, tests/learning) drive the CPU kernels directly; their
// scenarios are repeated here through the network API so that they also run on CUDA.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "spiketorch/backend/cuda/batch.cuh"
#include "spiketorch/spiketorch.hpp"
#include "spiketorch/models/diehl_cook_2015_cuda.cuh"
#include "spiketorch/models/kheradpisheh_2018.hpp"

namespace st_cuda_test {

using namespace spiketorch;
using backend::cpu;
using backend::cuda;

/// Device libm against host libm (std::pow in stdp_weight_dependent), per weight.
inline constexpr double pow_tolerance = 1e-6;

/// An encoder for tests: values[i] is the step (within the presentation) at which input i
/// spikes once, negative for never. Host-side only, like every encoder.
struct scripted {
  struct params {};
  void set_params(const params&) {}
  void begin(std::span<const float> values, std::uint64_t n_steps, double, random_stream,
             std::uint32_t) {
    schedule_.clear(n_steps);
    for (index_t i = 0; i < values.size(); ++i)
      if (values[i] >= 0 && values[i] < float(n_steps))
        schedule_.add(static_cast<std::uint64_t>(values[i]), i);
    schedule_.finish();
  }
  std::span<const index_t> spikes_at(std::uint64_t step) const { return schedule_.at(step); }
  const encoding::spike_schedule& schedule() const { return schedule_; }

 private:
  encoding::spike_schedule schedule_;
};
static_assert(encoding::Encoder<scripted>);

template <class T>
std::vector<T> to_vector(std::span<T> s) {
  return {s.begin(), s.end()};
}
template <class T>
std::vector<T> to_vector(std::span<const T> s) {
  return {s.begin(), s.end()};
}

/// Element-wise equality with the first difference in the message.
template <class A, class B>
void require_same(const A& a, const B& b, const std::string& what) {
  INFO(what);
  REQUIRE(a.size() == b.size());
  auto ia = a.begin();
  auto ib = b.begin();
  for (std::size_t k = 0; ia != a.end(); ++ia, ++ib, ++k) {
    if (!(*ia == *ib)) {
      INFO("first difference at " << k << ": " << +*ia << " vs " << +*ib);
      REQUIRE(*ia == *ib);
    }
  }
}
template <class A, class B>
void require_close(const A& a, const B& b, double tol, const std::string& what) {
  INFO(what);
  REQUIRE(a.size() == b.size());
  auto ia = a.begin();
  auto ib = b.begin();
  for (std::size_t k = 0; ia != a.end(); ++ia, ++ib, ++k) {
    if (!(std::abs(double(*ia) - double(*ib)) <= tol)) {
      INFO("first difference at " << k << ": " << *ia << " vs " << *ib << " (tolerance " << tol << ")");
      REQUIRE(std::abs(double(*ia) - double(*ib)) <= tol);
    }
  }
}
template <class T, std::size_t N>
std::vector<T> flat(const xt::xtensor<T, N>& x) {
  return {x.data(), x.data() + x.size()};
}

// ---- neurons and synapses -----------------------------------------------------------------------

template <class Neuron, class Synapse, class Backend>
using drive_net =
    network<layers<input<"X", encoding::poisson>, input<"Y", encoding::poisson>,
                   population<"E", Neuron, Synapse>>,
            projections<projection<"X", "E", topology::dense>,
                        projection<"Y", "E", topology::dense, learning::none, delays::none,
                                   receptor::inhibitory>>,
            Backend>;

/// What a run exposes through the API, for comparison across backends.
struct observation {
  std::vector<std::uint32_t> counts;
  std::uint64_t total = 0;
  std::vector<std::uint8_t> raster;
  std::vector<real> trace;
  std::vector<real> state;  // every neuron and synapse field at the end
  std::vector<index_t> last;
  std::vector<index_t> event_neurons;  // the event recorder (full before the end: drops)
  std::vector<std::int64_t> event_steps;
  std::uint64_t dropped = 0;
};

template <class Net>
observation observe(Net& net) {
  observation o;
  o.counts = to_vector(net.template spike_counts<"E">());
  o.total = net.template total_spikes<"E">();
  o.raster = flat(net.template spike_raster<"E">());
  o.trace = flat(net.template state_trace<"E">());
  const auto& pop = net.template layer<"E">();
  o.state.assign(pop.neuron_state.data(),
                 pop.neuron_state.data() + pop.neuron_state.fields() * pop.size);
  o.state.insert(o.state.end(), pop.synapse_state.data(),
                 pop.synapse_state.data() + pop.synapse_state.fields() * pop.size);
  o.last = to_vector(net.template last_spikes<"E">());
  const auto& ev = net.template events<"E">();
  o.event_neurons = to_vector(ev.neurons());
  o.event_steps = to_vector(ev.steps());
  o.dropped = ev.dropped();
  return o;
}

inline void require_same(const observation& a, const observation& b, const std::string& what) {
  require_same(a.counts, b.counts, what + ": spike counts");
  CHECK(a.total == b.total);
  require_same(a.raster, b.raster, what + ": spike raster");
  require_same(a.trace, b.trace, what + ": recorded state");
  require_same(a.state, b.state, what + ": final state");
  require_same(a.last, b.last, what + ": spikes of the last step");
  require_same(a.event_neurons, b.event_neurons, what + ": recorded event neurons");
  require_same(a.event_steps, b.event_steps, what + ": recorded event steps");
  CHECK(a.dropped == b.dropped);
}

/// A population driven by Poisson excitation and inhibition for three presentations (state
/// carries over), learning on for the first two and off for the last.
template <class Neuron, class Synapse, class Backend>
observation drive(const typename Neuron::params& np, const typename Synapse::params& sp,
                  double w_exc, double w_inh, float rate_hz) {
  drive_net<Neuron, Synapse, Backend> net({.dt_ms = 0.5, .seed = 7}, {40, 20, 37});
  net.template set_params<"E">(np, sp);
  net.template connect<"X", "E">({.weights = {0.0, w_exc}});
  net.template connect<"Y", "E">({.weights = {0.0, w_inh}});
  net.template record_spikes<"E">(400);
  net.template record_state<"E">("v", {0, 5, 36}, 1, 400);
  net.template record_events<"E">(150);
  std::vector<float> x(40, rate_hz), y(20, rate_hz / 2);
  net.template set_input<"X">(x);
  net.template set_input<"Y">(y);
  net.run(60.0);
  net.run(40.0);
  net.set_learning(false);
  net.run(50.0);
  return observe(net);
}

template <class Neuron, class Synapse>
void compare_drive(const char* name, const typename Neuron::params& np,
                   const typename Synapse::params& sp, double w_exc, double w_inh, float rate_hz) {
  const observation a = drive<Neuron, Synapse, cpu>(np, sp, w_exc, w_inh, rate_hz);
  const observation b = drive<Neuron, Synapse, cuda>(np, sp, w_exc, w_inh, rate_hz);
  CHECK(a.total > 0);  // the scenario must exercise spiking
  require_same(a, b, name);
}

TEST_CASE("cuda backend: neuron models give the CPU's spikes and state", "[cuda][neurons]") {
  SECTION("lif") {
    compare_drive<neurons::lif, synapses::exp_current>("lif", {}, {}, 8.0, 4.0, 200.f);
  }
  SECTION("adaptive_lif (theta rises when learning, frozen after)") {
    neurons::adaptive_lif::params p;
    p.v_init_mv = -65.0;
    p.theta_plus_mv = 1.0;
    compare_drive<neurons::adaptive_lif, synapses::exp_conductance>("adaptive_lif", p, {}, 0.5, 0.5,
                                                                   300.f);
  }
  SECTION("integrate_and_fire") {
    neurons::integrate_and_fire::params p;
    p.v_thresh_mv = 5.0;
    p.refractory_ms = 1.0;
    compare_drive<neurons::integrate_and_fire, synapses::delta_current>("integrate_and_fire", p, {},
                                                                       2.0, 1.0, 150.f);
  }
  SECTION("lif, Brian's refractory rule") {
    neurons::lif::params p;
    p.refractory = neurons::refractory_rule::since_spike;
    compare_drive<neurons::lif, synapses::exp_current>("lif since_spike", p, {}, 8.0, 4.0, 200.f);
  }
  SECTION("izhikevich") {
    compare_drive<neurons::izhikevich, synapses::exp_current>("izhikevich", {}, {}, 10.0, 5.0,
                                                             200.f);
  }
}

TEST_CASE("cuda backend: synapse kernels give the CPU's conductances and currents",
          "[cuda][synapses]") {
  neurons::lif::params lif;
  lif.v_init_mv = -60.0;
  SECTION("delta_current") {
    compare_drive<neurons::lif, synapses::delta_current>("delta_current", lif, {}, 6.0, 3.0, 150.f);
  }
  SECTION("exp_current") {
    synapses::exp_current::params p;
    p.tau_exc_ms = 3.0;
    compare_drive<neurons::lif, synapses::exp_current>("exp_current", lif, p, 6.0, 3.0, 150.f);
  }
  SECTION("exp_current, exact scheme") {
    synapses::exp_current::params p;
    p.tau_exc_ms = 3.0;
    p.scheme = synapses::current_scheme::exact;
    compare_drive<neurons::lif, synapses::exp_current>("exp_current exact", lif, p, 6.0, 3.0,
                                                       150.f);
  }
  SECTION("exp_conductance, exact decay") {
    compare_drive<neurons::lif, synapses::exp_conductance>("exp_conductance", lif, {}, 0.6, 0.6,
                                                           200.f);
  }
  SECTION("exp_conductance, forward Euler decay") {
    synapses::exp_conductance::params p;
    p.scheme = synapses::decay_scheme::forward_euler;
    compare_drive<neurons::lif, synapses::exp_conductance>("exp_conductance (Euler)", lif, p, 0.6,
                                                           0.6, 200.f);
  }
}

TEST_CASE("cuda backend: spike lists of populations larger than a block", "[cuda][neurons]") {
  // 2500 neurons: several chunks of blockDim.x neurons per compaction group (1024 threads),
  // and many groups with small blocks (evaluation with 64 and 32 threads per sample).
  using net_t = drive_net<neurons::lif, synapses::exp_current, cpu>;
  using gpu_t = drive_net<neurons::lif, synapses::exp_current, cuda>;
  auto build = [](auto& net) {
    neurons::lif::params p;
    p.v_init_mv = -60.0;
    net.template set_params<"E">(p);
    net.template connect<"X", "E">({.weights = {0.0, 12.0}});
    net.template connect<"Y", "E">({.weights = {0.0, 4.0}});
    net.template record_spikes<"E">(100);
    std::vector<float> x(40, 300.f), y(20, 100.f);
    net.template set_input<"X">(x);
    net.template set_input<"Y">(y);
  };
  net_t a({.dt_ms = 0.5, .seed = 9}, {40, 20, 2500});
  gpu_t b({.dt_ms = 0.5, .seed = 9}, {40, 20, 2500});
  build(a);
  build(b);
  a.run(20.0);
  b.run(20.0);
  CHECK(a.total_spikes<"E">() > 1000);
  require_same(to_vector(a.spike_counts<"E">()), to_vector(b.spike_counts<"E">()), "counts");
  require_same(flat(a.spike_raster<"E">()), flat(b.spike_raster<"E">()), "raster");
  require_same(to_vector(a.last_spikes<"E">()), to_vector(b.last_spikes<"E">()), "last spikes");
  const unsigned threads = GENERATE(32u, 64u, 1024u);
  xt::xtensor<float, 2> inputs = xt::zeros<float>({std::size_t(2), std::size_t(40)});
  for (std::size_t i = 0; i < 40; ++i) inputs(0, i) = 300.f, inputs(1, i) = float(10 * i);
  const auto r = backend::evaluate_batch<"X">(b, inputs, 10.0,
                                              {.record_spikes = false, .threads_per_sample = threads});
  const auto counts = r.spike_counts<"E">();
  for (std::size_t s = 0; s < 2; ++s) {
    net_t copy = a;
    copy.set_learning(false);
    copy.set_presentation_index(a.presentation_index() + s);
    copy.reset_counts();
    std::vector<float> row(inputs.data() + s * 40, inputs.data() + (s + 1) * 40);
    copy.set_input<"X">(row);
    copy.run(10.0);
    INFO("sample " << s << ", " << threads << " threads per sample");
    const auto c = copy.spike_counts<"E">();
    for (std::size_t j = 0; j < 2500; ++j) REQUIRE(counts(s, j) == c[j]);
  }
}

// ---- delays -------------------------------------------------------------------------------------

inline neurons::integrate_and_fire::params counter_neuron() {
  neurons::integrate_and_fire::params p;
  p.v_thresh_mv = 1e6;
  return p;
}

// First step in which V of target j is above 0, or -1.
inline long first_arrival(const xt::xtensor<real, 2>& v, std::size_t j) {
  for (std::size_t t = 0; t < v.shape()[0]; ++t)
    if (v(t, j) > 0) return long(t);
  return -1;
}

template <class Backend>
using fixed_delay_net =
    network<layers<input<"X", encoding::latency>,
                   population<"E", neurons::integrate_and_fire, synapses::delta_current>>,
            projections<projection<"X", "E", topology::dense, learning::none, delays::fixed>>,
            Backend>;

template <class Backend>
xt::xtensor<real, 2> single_spike_through_delay(unsigned d, std::size_t n_steps) {
  fixed_delay_net<Backend> net({.dt_ms = 0.5, .seed = 1}, {1, 1});
  net.template set_params<"E">(counter_neuron());
  net.template record_state<"E">("v", {0}, 1, n_steps);
  net.template connect<"X", "E">({.weights = {1.0, 1.0}, .delays = {.delay_ms = d * 0.5}});
  const std::vector<float> one{1.0f};
  // Two runs: spikes still in flight at the end of the first arrive during the second.
  net.run(one, double(n_steps / 2) * 0.5);
  const std::vector<float> none{0.0f};
  net.run(none, double(n_steps - n_steps / 2) * 0.5);
  return net.template state_trace<"E">();
}

TEST_CASE("cuda backend: a spike through delay d acts in step d + 1, also across runs",
          "[cuda][delays]") {
  const unsigned d = GENERATE(0u, 1u, 5u, 37u, 255u);
  const std::size_t n_steps = 600;
  const auto v_cpu = single_spike_through_delay<cpu>(d, n_steps);
  const auto v_gpu = single_spike_through_delay<cuda>(d, n_steps);
  INFO("delay " << d << " steps");
  CHECK(first_arrival(v_cpu, 0) == long(d) + 1);
  CHECK(first_arrival(v_gpu, 0) == long(d) + 1);
  CHECK(v_gpu(n_steps - 1, 0) == 1.0f);  // exactly one arrival
  require_same(flat(v_cpu), flat(v_gpu), "V of the probe");
}

template <class Topo, class Backend>
using delayed_net =
    network<layers<input<"X", encoding::poisson>,
                   population<"E", neurons::lif, synapses::exp_current>>,
            projections<projection<"X", "E", Topo, learning::none, delays::uniform>,
                        projection<"E", "E", topology::all_but_self, learning::none,
                                   delays::uniform, receptor::inhibitory>>,
            Backend>;

template <class Topo, class Backend>
observation delayed_activity(std::size_t n_x) {
  delayed_net<Topo, Backend> net({.dt_ms = 0.5, .seed = 11}, {n_x, 30});
  net.template connect<"X", "E">({.weights = {2.0, 9.0}, .delays = {.min_ms = 0.0, .max_ms = 6.0}});
  net.template connect<"E", "E">({.weights = {0.5, 2.0}, .delays = {.min_ms = 1.0, .max_ms = 3.0}});
  net.template record_spikes<"E">(1000);
  net.template record_state<"E">("i_exc", {0, 29}, 2, 1000);
  std::vector<float> rates(n_x, 300.f);
  for (int r = 0; r < 3; ++r) net.run(rates, 37.5);  // 75 steps: rings wrap across runs
  return observe(net);
}

TEST_CASE("cuda backend: uniform delays through dense, sparse, one_to_one and all_but_self",
          "[cuda][delays]") {
  SECTION("sparse (10% of the pairs)") {
    const auto a = delayed_activity<topology::sparse, cpu>(60);
    CHECK(a.total > 50);
    require_same(a, delayed_activity<topology::sparse, cuda>(60), "sparse + all_but_self, delays");
  }
  SECTION("dense") {
    require_same(delayed_activity<topology::dense, cpu>(25),
                 delayed_activity<topology::dense, cuda>(25), "dense + all_but_self, delays");
  }
  SECTION("one_to_one") {
    require_same(delayed_activity<topology::one_to_one, cpu>(30),
                 delayed_activity<topology::one_to_one, cuda>(30), "one_to_one + all_but_self, delays");
  }
}

/// A convolutional stack: X (1x10x10 Poisson) --conv2d 4 maps 3x3, padding 1, delays--> C (LIF)
/// --pool2d 2x2--> P (fire_once: the earliest spike of each window) --local2d 2 maps 3x3,
/// padding 1--> E (integrate-and-fire).
template <class Backend>
using conv_net =
    network<layers<input<"X", encoding::poisson>,
                   population<"C", neurons::lif, synapses::exp_current>,
                   population<"P", neurons::fire_once, synapses::delta_current>,
                   population<"E", neurons::integrate_and_fire, synapses::delta_current>>,
            projections<projection<"X", "C", topology::conv2d, learning::none, delays::uniform>,
                        projection<"C", "P", topology::pool2d>,
                        projection<"P", "E", topology::local2d>>,
            Backend>;

template <class Backend>
std::pair<observation, std::vector<std::uint32_t>> conv_activity() {
  const topology::conv_params conv{.input = {1, 10, 10}, .out_channels = 4, .kernel = 3,
                                   .padding = 1};
  const topology::pool_params pool{.input = topology::conv2d::output_of(conv)};
  const topology::conv_params local{.input = topology::pool2d::output_of(pool), .out_channels = 2,
                                    .kernel = 3, .padding = 1};
  conv_net<Backend> net({.dt_ms = 0.5, .seed = 21},
                        {100, topology::conv2d::output_of(conv).size(),
                         topology::pool2d::output_of(pool).size(),
                         topology::local2d::output_of(local).size()});
  net.template set_params<"P">(neurons::fire_once::params{.v_thresh_mv = 0.5});
  net.template set_params<"E">(neurons::integrate_and_fire::params{.v_thresh_mv = 1.5});
  net.template connect<"X", "C">(
      {.topology = conv, .weights = {2.0, 9.0}, .delays = {.min_ms = 0.0, .max_ms = 3.0}});
  net.template connect<"C", "P">({.topology = pool, .weights = {1.0, 1.0}});
  net.template connect<"P", "E">({.topology = local, .weights = {0.2, 1.0}});
  net.template record_spikes<"E">(1000);
  net.template record_state<"E">("v", {0, 49}, 2, 1000);
  std::vector<float> rates(100);
  for (std::size_t i = 0; i < rates.size(); ++i) rates[i] = float(50 + 7 * (i % 50));
  for (int r = 0; r < 2; ++r) {
    net.reset_state();  // fire_once: each presentation afresh
    net.run(rates, 30.0);
  }
  std::vector<std::uint32_t> counts = to_vector(net.template spike_counts<"C">());
  const auto p = to_vector(net.template spike_counts<"P">());
  counts.insert(counts.end(), p.begin(), p.end());
  return {observe(net), counts};
}

TEST_CASE("cuda backend: conv2d, pool2d and local2d give the CPU's spikes and state",
          "[cuda][conv]") {
  const auto [a, a_hidden] = conv_activity<cpu>();
  const auto [b, b_hidden] = conv_activity<cuda>();
  CHECK(a.total > 20);
  CHECK(std::count_if(a_hidden.begin(), a_hidden.end(), [](auto c) { return c > 0; }) > 100);
  require_same(a_hidden, b_hidden, "conv2d + pool2d: spike counts of C and P");
  require_same(a, b, "conv2d + pool2d + local2d");
}

/// Kheradpisheh et al.'s network: a few images of layer-1 and layer-2 training and the features
/// of a few more give the same kernels and features on both backends.
TEST_CASE("cuda backend: the convolutional STDP model learns the CPU's kernels and features",
          "[cuda][conv]") {
  // Strokes on a dark background, a different one per image.
  auto image = [](std::size_t n) {
    std::vector<std::uint8_t> im(784, 0);
    for (std::size_t k = 0; k < 40; ++k) {
      const std::size_t y = 4 + (k * (n + 3)) % 20, x = 4 + (k * 7 + n * 5) % 20;
      im[y * 28 + x] = 255;
      im[y * 28 + x + 1] = 180;
    }
    return im;
  };
  models::kheradpisheh_params p;
  p.conv2.maps = 20;  // small enough for the emulation
  p.seed = 3;
  models::kheradpisheh_2018<cpu> a(p);
  models::kheradpisheh_2018<cuda> b(p);
  for (int layer : {1, 2})
    for (std::size_t n = 0; n < 3; ++n) {
      const auto im = image(n + 10 * std::size_t(layer));
      REQUIRE(a.train(im, layer) == b.train(im, layer));
    }
  for (int layer : {1, 2}) {
    const auto ka = a.kernels(layer), kb = b.kernels(layer);
    require_same(std::vector<real>(ka.begin(), ka.end()), std::vector<real>(kb.begin(), kb.end()),
                 "kernels of layer " + std::to_string(layer));
  }
  std::size_t active = 0;
  for (std::size_t n = 0; n < 3; ++n) {
    const auto im = image(100 + n);
    const auto fa = a.features(im);
    active += fa.size();
    require_same(fa, b.features(im), "features of image " + std::to_string(n));
  }
  CHECK(active > 0);
}

// ---- STDP -----------------------------------------------------------------------------------------

/// X (2 scripted inputs) --dense, plastic, inhibitory channel (never excites)--> E (2 counters
/// that fire on demand); Y (2 scripted) --one_to_one, weight 10--> E: Y_j spiking in step s makes
/// E_j spike in step s + 1.
template <class Rule, class Delays, class Backend>
using stdp_net =
    network<layers<input<"X", scripted>, input<"Y", scripted>,
                   population<"E", neurons::integrate_and_fire, synapses::delta_current>>,
            projections<projection<"X", "E", topology::dense, Rule, Delays, receptor::inhibitory>,
                        projection<"Y", "E", topology::one_to_one>>,
            Backend>;

template <class Rule, class Delays, class Backend>
std::vector<real> pair_timing(const typename Rule::params& rp, const typename Delays::params& dp,
                              float pre_step, float post_step, std::size_t n_steps) {
  stdp_net<Rule, Delays, Backend> net({.dt_ms = 0.5, .seed = 1}, {2, 2, 2});
  neurons::integrate_and_fire::params fire;  // threshold 1, no refractoriness
  net.template set_params<"E">(fire);
  net.template connect<"X", "E">({.weights = {0.5, 0.5}, .rule = rp, .delays = dp});
  net.template connect<"Y", "E">({.weights = {10.0, 10.0}});
  const std::vector<float> x{pre_step, -1.f};          // pre 0 spikes once
  const std::vector<float> y{-1.f, post_step - 1.f};   // post 1 spikes once at post_step
  net.template set_input<"X">(x);
  net.template set_input<"Y">(y);
  net.run(double(n_steps) * 0.5);
  REQUIRE(net.template spike_counts<"E">()[1] == (post_step < float(n_steps) ? 1u : 0u));
  return to_vector(net.template weights<"X", "E">());
}

inline learning::stdp_pair::params pair_params() {
  learning::stdp_pair::params p;
  p.nu_pre = 0.004;
  p.nu_post = 0.01;
  p.tau_pre_ms = 20.0;
  p.tau_post_ms = 10.0;
  return p;
}

TEST_CASE("cuda backend: pair STDP closed forms on both backends", "[cuda][stdp]") {
  const int n = GENERATE(1, 4, 20, 80);
  const auto p = pair_params();
  const double tol = 1e-6;
  SECTION("pre then post: potentiation nu_post·exp(-n dt / tau_pre)") {
    const auto a = pair_timing<learning::stdp_pair, delays::none, cpu>(p, {}, 5.f, 5.f + n, 200);
    const auto b = pair_timing<learning::stdp_pair, delays::none, cuda>(p, {}, 5.f, 5.f + n, 200);
    const double expected = p.nu_post * std::exp(-n * 0.5 / p.tau_pre_ms);
    CHECK(double(a[1]) - 0.5 == Approx(expected).margin(tol));
    require_same(a, b, "weights after pre -> post");
  }
  SECTION("post then pre: depression nu_pre·exp(-n dt / tau_post)") {
    const auto a = pair_timing<learning::stdp_pair, delays::none, cpu>(p, {}, 5.f + n, 5.f, 200);
    const auto b = pair_timing<learning::stdp_pair, delays::none, cuda>(p, {}, 5.f + n, 5.f, 200);
    const double expected = -p.nu_pre * std::exp(-n * 0.5 / p.tau_post_ms);
    CHECK(double(a[1]) - 0.5 == Approx(expected).margin(tol));
    require_same(a, b, "weights after post -> pre");
  }
  SECTION("with a fixed axonal delay (arrival timing of learning/trace_state.hpp)") {
    delays::fixed::params dp{.delay_ms = 3.0};
    const auto a = pair_timing<learning::stdp_pair, delays::fixed, cpu>(p, dp, 5.f, 5.f + n, 200);
    const auto b = pair_timing<learning::stdp_pair, delays::fixed, cuda>(p, dp, 5.f, 5.f + n, 200);
    require_same(a, b, "weights with delays, pre -> post");
    const auto c = pair_timing<learning::stdp_pair, delays::fixed, cpu>(p, dp, 5.f + n, 5.f, 200);
    const auto e = pair_timing<learning::stdp_pair, delays::fixed, cuda>(p, dp, 5.f + n, 5.f, 200);
    require_same(c, e, "weights with delays, post -> pre");
  }
}

/// Random activity through a plastic dense (or sparse) projection (with an all_but_self
/// inhibition and a one_to_one relay as in Diehl & Cook), several runs with learning toggled and
/// host-side changes in between.
template <class Rule, class Delays, class Backend, class Topo = topology::dense>
using plastic_net =
    network<layers<input<"X", encoding::poisson>,
                   population<"E", neurons::adaptive_lif, synapses::exp_conductance>,
                   population<"I", neurons::lif, synapses::exp_conductance>>,
            projections<projection<"X", "E", Topo, Rule, Delays>,
                        projection<"E", "I", topology::one_to_one>,
                        projection<"I", "E", topology::all_but_self, learning::none, delays::none,
                                   receptor::inhibitory>>,
            Backend>;

struct plastic_result {
  std::vector<real> weights, theta;
  std::vector<std::uint32_t> counts;
  std::uint64_t total = 0;
};

template <class Topo>
typename Topo::params plastic_topology() {
  if constexpr (std::is_same_v<Topo, topology::sparse>)
    return {.probability = 0.5};
  else
    return {};
}

template <class Rule, class Delays, class Backend, class Topo = topology::dense>
plastic_result plastic_activity(const typename Rule::params& rp, const typename Delays::params& dp) {
  plastic_net<Rule, Delays, Backend, Topo> net({.dt_ms = 0.5, .seed = 5}, {60, 24, 24});
  neurons::adaptive_lif::params ep;
  ep.v_init_mv = -65.0;
  net.template set_params<"E">(ep);
  // Sparse: the weights' scale makes up for the missing half of the synapses.
  const double w_max = std::is_same_v<Topo, topology::sparse> ? 1.2 : 0.6;
  net.template connect<"X", "E">(
      {.topology = plastic_topology<Topo>(), .weights = {0.0, w_max}, .rule = rp, .delays = dp});
  net.template connect<"E", "I">({.weights = {10.4, 10.4}});
  net.template connect<"I", "E">({.weights = {4.0, 4.0}});
  std::vector<float> rates(60);
  for (std::size_t i = 0; i < rates.size(); ++i) rates[i] = float((i * 53) % 120);
  for (int r = 0; r < 4; ++r) {
    net.template normalize<"X", "E">(12.0);  // host-side change: must reach the device
    net.run(rates, 40.0);
  }
  net.set_learning(false);  // evaluation: weights and theta frozen
  net.run(rates, 30.0);
  net.set_learning(true);   // traces restart from zero
  auto w = net.template weights<"X", "E">();
  std::vector<real> changed(w.begin(), w.end());
  changed[3] = 0.25f;
  net.template set_weights<"X", "E">(changed);
  net.run(rates, 40.0);
  plastic_result r;
  r.weights = to_vector(net.template weights<"X", "E">());
  r.theta = to_vector(net.template state<"E", "theta">());
  r.counts = to_vector(net.template spike_counts<"E">());
  r.total = net.template total_spikes<"E">();
  return r;
}

template <class Rule, class Delays, class Topo = topology::dense>
void compare_plastic(const char* name, const typename Rule::params& rp,
                     const typename Delays::params& dp, double weight_tol) {
  INFO(name);
  const auto a = plastic_activity<Rule, Delays, cpu, Topo>(rp, dp);
  const auto b = plastic_activity<Rule, Delays, cuda, Topo>(rp, dp);
  CHECK(a.total > 20);
  require_same(a.counts, b.counts, std::string(name) + ": spike counts");
  if (weight_tol == 0) {
    require_same(a.weights, b.weights, std::string(name) + ": weights");
  } else {
    require_close(a.weights, b.weights, weight_tol, std::string(name) + ": weights");
  }
  require_same(a.theta, b.theta, std::string(name) + ": theta");
}

TEST_CASE("cuda backend: STDP rules learn the CPU's weights", "[cuda][stdp]") {
  delays::uniform::params dp{.min_ms = 0.0, .max_ms = 5.0};
  SECTION("stdp_pair, no delays") {
    compare_plastic<learning::stdp_pair, delays::none>("stdp_pair", pair_params(), {}, 0);
  }
  SECTION("stdp_pair, additive traces, uniform delays") {
    auto p = pair_params();
    p.mode = learning::trace_mode::additive;
    compare_plastic<learning::stdp_pair, delays::uniform>("stdp_pair additive", p, dp, 0);
  }
  SECTION("stdp_triplet, uniform delays") {
    compare_plastic<learning::stdp_triplet, delays::uniform>("stdp_triplet", {}, dp, 0);
  }
  SECTION("stdp_triplet, uniform delays, sparse (50% of the pairs)") {
    compare_plastic<learning::stdp_triplet, delays::uniform, topology::sparse>("stdp_triplet sparse",
                                                                              {}, dp, 0);
  }
  SECTION("stdp_pair, no delays, sparse") {
    compare_plastic<learning::stdp_pair, delays::none, topology::sparse>("stdp_pair sparse",
                                                                        pair_params(), {}, 0);
  }
  SECTION("stdp_weight_dependent, uniform delays") {
    compare_plastic<learning::stdp_weight_dependent, delays::uniform>("stdp_weight_dependent", {},
                                                                      dp, pow_tolerance);
  }
}

// ---- Diehl & Cook ---------------------------------------------------------------------------------

/// A digit-like image: a vertical stroke whose position depends on e.
inline std::vector<std::uint8_t> stroke_image(std::size_t e) {
  std::vector<std::uint8_t> img(784, 0);
  for (std::size_t r = 5; r < 23; ++r)
    for (std::size_t c = 9 + (e * 3 + r / 6) % 9; c < 13 + (e * 3 + r / 6) % 9; ++c)
      img[r * 28 + c] = static_cast<std::uint8_t>(120 + (r * 7 + c * 13 + e) % 136);
  return img;
}

/// Tolerance on the D&C weights after the compared run. The kernels repeat the CPU's float
/// operations in the CPU's order (-fmad=false), so the weights are expected to be identical;
/// the stated tolerance is what the comparison accepts.
inline constexpr double dc_weight_tolerance = 1e-6;

TEST_CASE("cuda backend: a short Diehl & Cook run gives the CPU's spikes", "[cuda][diehl_cook]") {
  models::diehl_cook_params p;
  p.n_neurons = 50;
  p.seed = 3;
  models::diehl_cook_2015<cpu> a(p);
  models::diehl_cook_2015<cuda> b(p);
  for (std::size_t e = 0; e < 3; ++e) {
    const auto img = stroke_image(e);
    const auto ra = a.train(img);
    const auto rb = b.train(img);
    INFO("training example " << e);
    CHECK(ra.presentations == rb.presentations);
    CHECK(ra.input_spikes == rb.input_spikes);
    CHECK(ra.exc_spikes == rb.exc_spikes);
    require_same(to_vector(ra.counts), to_vector(rb.counts), "exc spike counts");
  }
  require_close(a.input_weights(), b.input_weights(), dc_weight_tolerance, "input weights");
  require_same(a.theta(), b.theta(), "theta");
  for (std::size_t e = 0; e < 2; ++e) {
    const auto img = stroke_image(10 + e);
    const auto ra = a.respond(img, e);
    const auto rb = b.respond(img, e);
    INFO("response " << e);
    CHECK(ra.presentations == rb.presentations);
    require_same(to_vector(ra.counts), to_vector(rb.counts), "exc spike counts (learning off)");
  }
}

TEST_CASE("cuda backend: Diehl & Cook frozen passes (respond_all) give the CPU's counts",
          "[cuda][diehl_cook][batch]") {
  models::diehl_cook_params p;
  p.n_neurons = 20;
  p.seed = 4;
  p.max_presentations = 4;
  models::diehl_cook_2015<cpu> a(p);
  models::diehl_cook_2015<cuda> b(p);
  for (std::size_t e = 0; e < 2; ++e) {
    a.train(stroke_image(e));
    b.train(stroke_image(e));
  }
  // Images from faint to bright, so that some examples need retries and some reach the cap.
  const std::size_t count = 9;
  xt::xtensor<std::uint8_t, 3> images = xt::zeros<std::uint8_t>({count, std::size_t(28), std::size_t(28)});
  for (std::size_t e = 0; e < count; ++e) {
    const auto img = stroke_image(20 + e);
    for (std::size_t i = 0; i < 784; ++i)
      images.data()[e * 784 + i] = static_cast<std::uint8_t>(img[i] * (e + 1) / count / 3);
  }
  std::uint64_t spikes_a = 0, spikes_b = 0, pres_a = 0, pres_b = 0, last_done = 0;
  const auto ca = models::respond_all(a, images, 1, count - 1, 2, 100, [](std::uint64_t) {},
                                      &spikes_a, &pres_a);
  const auto cb = models::respond_all(b, images, 1, count - 1, 2, 100,
                                      [&](std::uint64_t d) { last_done = d; }, &spikes_b, &pres_b);
  INFO("presentations " << pres_a << ", input spikes " << spikes_a);
  CHECK(last_done == count - 1);
  CHECK(pres_a > count - 1);  // some retries happened
  CHECK(pres_a == pres_b);
  CHECK(spikes_a == spikes_b);
  require_same(std::vector<std::uint32_t>(ca.begin(), ca.end()),
               std::vector<std::uint32_t>(cb.begin(), cb.end()), "exc spike counts [example, neuron]");
  // The same example alone, and through respond(image, id) on either backend.
  const auto r = b.respond({images.data() + 5 * 784, 784}, 100 + 5);
  require_same(std::vector<std::uint32_t>(r.counts.begin(), r.counts.end()),
               std::vector<std::uint32_t>(&cb(4, 0), &cb(4, 0) + p.n_neurons), "respond(image, id)");
}

// ---- batches --------------------------------------------------------------------------------------

TEST_CASE("cuda backend: evaluation batch == one CPU copy per sample", "[cuda][batch]") {
  using cpu_net = delayed_net<topology::dense, cpu>;
  using gpu_net = delayed_net<topology::dense, cuda>;
  auto build = [](auto& net) {
    net.template connect<"X", "E">({.weights = {2.0, 9.0}, .delays = {.min_ms = 0.0, .max_ms = 6.0}});
    net.template connect<"E", "E">({.weights = {0.5, 2.0}, .delays = {.min_ms = 1.0, .max_ms = 3.0}});
  };
  cpu_net a({.dt_ms = 0.5, .seed = 21}, {25, 30});
  gpu_net b({.dt_ms = 0.5, .seed = 21}, {25, 30});
  build(a);
  build(b);
  // Some history first, so that the samples start from a non-trivial state with spikes in flight.
  std::vector<float> warm(25, 250.f);
  a.run(warm, 20.0);
  b.run(warm, 20.0);
  const std::size_t batch = 5, n_steps = 60;
  xt::xtensor<float, 2> inputs = xt::zeros<float>({batch, std::size_t(25)});
  for (std::size_t s = 0; s < batch; ++s)
    for (std::size_t i = 0; i < 25; ++i) inputs(s, i) = float(50 + ((s * 31 + i * 17) % 300));
  const auto state_before = observe(b);
  const auto r = backend::evaluate_batch<"X">(b, inputs, n_steps * 0.5, {.record_spikes = true});
  REQUIRE(r.batch() == batch);
  REQUIRE(r.steps() == n_steps);
  const auto counts = r.spike_counts<"E">();
  const auto raster = r.spike_raster<"E">();  // [time, batch, neuron]
  const auto in_counts = r.spike_counts<"X">();
  REQUIRE(raster.shape()[0] == n_steps);
  REQUIRE(raster.shape()[1] == batch);
  REQUIRE(raster.shape()[2] == 30);
  std::uint64_t total = 0;
  for (std::size_t s = 0; s < batch; ++s) {
    cpu_net copy = a;
    copy.set_learning(false);
    copy.set_presentation_index(a.presentation_index() + s);
    copy.reset_counts();
    copy.record_spikes<"E">(n_steps);
    std::vector<float> row(inputs.data() + s * 25, inputs.data() + (s + 1) * 25);
    copy.run(row, n_steps * 0.5);
    INFO("sample " << s);
    const auto c = copy.spike_counts<"E">();
    for (std::size_t j = 0; j < 30; ++j) REQUIRE(counts(s, j) == c[j]);
    const auto x = copy.spike_counts<"X">();
    for (std::size_t i = 0; i < 25; ++i) REQUIRE(in_counts(s, i) == x[i]);
    const auto ras = copy.spike_raster<"E">();
    for (std::size_t t = 0; t < n_steps; ++t)
      for (std::size_t j = 0; j < 30; ++j) REQUIRE(raster(t, s, j) == ras(t, j));
    total += copy.total_spikes<"E">();
  }
  CHECK(total > 0);
  // The network itself is unchanged by an evaluation batch.
  require_same(observe(b), state_before, "network after evaluate_batch");
}

TEST_CASE("cuda backend: run_batch == running each network", "[cuda][batch]") {
  using gpu_net = plastic_net<learning::stdp_triplet, delays::uniform, cuda>;
  using cpu_net = plastic_net<learning::stdp_triplet, delays::uniform, cpu>;
  auto build = [](auto& net, int k) {
    neurons::adaptive_lif::params ep;
    ep.v_init_mv = -65.0;
    ep.theta_plus_mv = 0.1 * (k + 1);  // different parameters per copy
    net.template set_params<"E">(ep);
    net.template connect<"X", "E">({.weights = {0.0, 0.6}, .delays = {.min_ms = 0.0, .max_ms = 4.0}});
    net.template connect<"E", "I">({.weights = {10.4, 10.4}});
    net.template connect<"I", "E">({.weights = {4.0, 4.0}});
    std::vector<float> rates(60, 60.f + 20.f * k);
    net.template set_input<"X">(rates);
    if (k == 2) net.set_learning(false);
  };
  std::vector<gpu_net> gpus;
  std::vector<cpu_net> cpus;
  gpus.reserve(3);
  cpus.reserve(3);
  for (int k = 0; k < 3; ++k) {
    gpus.emplace_back(network_config{.dt_ms = 0.5, .seed = std::uint64_t(100 + k)},
                      std::array<std::size_t, 3>{60, 24, 24});
    cpus.emplace_back(network_config{.dt_ms = 0.5, .seed = std::uint64_t(100 + k)},
                      std::array<std::size_t, 3>{60, 24, 24});
    build(gpus.back(), k);
    build(cpus.back(), k);
  }
  std::vector<gpu_net*> ptrs{&gpus[0], &gpus[1], &gpus[2]};
  for (int r = 0; r < 2; ++r) {
    backend::run_batch(std::span<gpu_net* const>(ptrs), 40.0);
    for (auto& c : cpus) c.run(40.0);
  }
  for (int k = 0; k < 3; ++k) {
    INFO("copy " << k);
    require_same(cpus[k].spike_counts<"E">(), gpus[k].spike_counts<"E">(), "spike counts");
    require_same(cpus[k].weights<"X", "E">(), gpus[k].weights<"X", "E">(), "weights");
    require_same(cpus[k].state<"E", "theta">(), gpus[k].state<"E", "theta">(), "theta");
    CHECK(cpus[k].steps_done() == gpus[k].steps_done());
  }
}

TEST_CASE("cuda backend: more networks than cached device copies stay correct", "[cuda][mirror]") {
  // 20 networks > the 16 device copies kept: copies are evicted and rebuilt from the host.
  using gpu_net = delayed_net<topology::dense, cuda>;
  using cpu_net = delayed_net<topology::dense, cpu>;
  std::vector<gpu_net> gpus;
  std::vector<cpu_net> cpus;
  gpus.reserve(20);
  cpus.reserve(20);
  for (int k = 0; k < 20; ++k) {
    const network_config c{.dt_ms = 0.5, .seed = std::uint64_t(k)};
    gpus.emplace_back(c, std::array<std::size_t, 2>{10, 12});
    cpus.emplace_back(c, std::array<std::size_t, 2>{10, 12});
    gpus.back().connect<"X", "E">({.weights = {2.0, 9.0}, .delays = {.min_ms = 0.0, .max_ms = 6.0}});
    cpus.back().connect<"X", "E">({.weights = {2.0, 9.0}, .delays = {.min_ms = 0.0, .max_ms = 6.0}});
    gpus.back().connect<"E", "E">({.weights = {0.5, 2.0}, .delays = {.min_ms = 1.0, .max_ms = 3.0}});
    cpus.back().connect<"E", "E">({.weights = {0.5, 2.0}, .delays = {.min_ms = 1.0, .max_ms = 3.0}});
  }
  std::vector<float> rates(10, 400.f);
  for (int r = 0; r < 2; ++r)
    for (int k = 0; k < 20; ++k) {
      gpus[k].run(rates, 10.0);
      cpus[k].run(rates, 10.0);
    }
  for (int k = 0; k < 20; ++k) {
    INFO("network " << k);
    require_same(cpus[k].spike_counts<"E">(), gpus[k].spike_counts<"E">(), "spike counts");
    require_same(cpus[k].state<"E", "v">(), gpus[k].state<"E", "v">(), "v");
  }
  backend::cuda_release(gpus[0]);
  gpus[0].run(rates, 10.0);
  cpus[0].run(rates, 10.0);
  require_same(cpus[0].state<"E", "v">(), gpus[0].state<"E", "v">(), "v after release");
}

TEST_CASE("cuda backend: CUDA runtime errors become exceptions naming the call", "[cuda][errors]") {
  try {
    backend::cuda_detail::check(cudaErrorMemoryAllocation, "cudaMalloc(weights X->Ae, 4 bytes)");
    FAIL("no exception");
  } catch (const backend::cuda_error& e) {
    const std::string what = e.what();
    CHECK(what.find("cudaMalloc(weights X->Ae, 4 bytes)") != std::string::npos);
    CHECK(what.find("cudaErrorMemoryAllocation") != std::string::npos);
    CHECK(e.code() == cudaErrorMemoryAllocation);
  }
  // A spiketorch::error, so callers can catch the library's errors in one place.
  CHECK_THROWS_AS(backend::cuda_detail::check(cudaErrorInvalidValue, "x"), spiketorch::error);
}

// ---- subgroups, per-neuron parameters and initial values ----------------------------------------

template <class Backend>
using grouped_net =
    network<layers<input<"X", encoding::poisson>,
                   population<"P", neurons::lif, synapses::exp_current>, subgroup<"Pe", "P">,
                   subgroup<"Pi", "P">>,
            projections<projection<"X", "Pe", topology::dense, learning::stdp_pair>,
                        projection<"Pe", "P", topology::sparse, learning::none, delays::uniform>,
                        projection<"Pi", "P", topology::dense, learning::none, delays::none,
                                   receptor::inhibitory>>,
            Backend>;

template <class Net>
void build_grouped(Net& net) {
  std::vector<neurons::lif::params> each(70);
  for (std::size_t i = 0; i < each.size(); ++i)
    each[i] = {.tau_m_ms = 10.0 + 0.1 * double(i), .v_rest_mv = -65, .v_reset_mv = -65,
               .v_thresh_mv = -52.0 + 0.05 * double(i), .refractory_ms = 1.0, .v_init_mv = -65};
  net.template set_neuron_params<"P">(each);
  net.template set_initial_uniform<"P">("v", -65.0, -52.0);
  net.template connect<"X", "Pe">({.weights = {0.0, 3.0}, .rule = {.w_max = 5.0}});
  net.template connect<"Pe", "P">({.topology = {.probability = 0.2}, .weights = {2.0, 8.0},
                                   .delays = {.min_ms = 0.0, .max_ms = 3.0}});
  net.template connect<"Pi", "P">({.weights = {0.5, 3.0}});
  net.template record_events<"P">(20000);
}

TEST_CASE("cuda backend: subgroups, per-neuron parameters and initial values give the CPU's bits",
          "[cuda][subgroup]") {
  grouped_net<cpu> a({.dt_ms = 0.5, .seed = 17}, {30, 70, 50, 20});
  grouped_net<cuda> b({.dt_ms = 0.5, .seed = 17}, {30, 70, 50, 20});
  build_grouped(a);
  build_grouped(b);
  std::vector<float> rates(30, 80.f);
  for (int r = 0; r < 2; ++r) {
    a.run(rates, 60.0);
    b.run(rates, 60.0);
  }
  CHECK(a.total_spikes<"Pe">() > 0);
  CHECK(a.total_spikes<"Pi">() > 0);
  require_same(a.events<"P">().neurons(), b.events<"P">().neurons(), "event neurons");
  require_same(a.events<"P">().steps(), b.events<"P">().steps(), "event steps");
  require_same(a.state<"P">("v"), b.state<"P">("v"), "v");
  require_same(a.state<"P">("i_inh"), b.state<"P">("i_inh"), "i_inh");
  require_same(a.weights<"X", "Pe">(), b.weights<"X", "Pe">(), "learned weights X -> Pe");
  require_same(a.spike_counts<"Pi">(), b.spike_counts<"Pi">(), "Pi's spike counts");

  // An evaluation batch gives a subgroup its columns of the parent's counts.
  const std::size_t batch = 3;
  xt::xtensor<float, 2> inputs = xt::zeros<float>({batch, std::size_t(30)});
  for (std::size_t s = 0; s < batch; ++s)
    for (std::size_t i = 0; i < 30; ++i) inputs(s, i) = float(40 + 20 * s + i);
  const auto r = backend::evaluate_batch<"X">(b, inputs, 20.0);
  const auto cp = r.spike_counts<"P">(), ci = r.spike_counts<"Pi">();
  REQUIRE(ci.shape()[1] == 20);
  for (std::size_t s = 0; s < batch; ++s)
    for (std::size_t j = 0; j < 20; ++j) REQUIRE(ci(s, j) == cp(s, 50 + j));
}

}  // namespace st_cuda_test
