// The deep convolutional STDP network of Kheradpisheh et al. 2018, "STDP-based spiking deep
// convolutional neural networks for object recognition", Neural Networks 99:56-67, as
// SpykeTorch's KheradpishehDeep.py configures it for MNIST, on the library's event-driven step:
//
//   image --DoG on/off (7x7, sigmas 1/2, threshold 50), local normalisation (radius 8)-->
//   X (2x28x28, rank-order code in 15 steps)
//     --conv2d 32 maps 5x5, padding 2--> C1 (fire_once, threshold 10)
//     --pool2d 2x2, stride 2, padding 1--> P1 (32x15x15, the earliest spike of each window)
//     --conv2d 150 maps 2x2, padding 1--> C2 (fire_once, threshold 1)
//     --pool2d 2x2, stride 2, padding 1--> P2 (150x9x9): which neurons fire are the features
//   of a linear classifier (the paper's linear SVM).
//
// Each neuron fires at most once per image (neurons::fire_once); every layer adds one step of
// latency, which keeps the order of the spikes: SpykeTorch's layers see the spikes of the same
// time step, ours of the step before. SpykeTorch pads the input by 2 before conv1 and pool1's
// output by 1 before conv2: here the convolutions' own zero padding. Two networks: X to P1,
// and P1's first spikes (encoding::spike_times) to P2, so that layer 2's training can see P1
// after a competition on the host.
//
// Training, a layer at a time (layer 2 after layer 1), one image after the other:
//   1. present the image from the rested state (network::reset_state);
//   2. pointwise inhibition among the layer's maps, then k winners (5 within radius 2 for
//      C1, 8 within radius 1 for C2) from first-spike steps and potentials
//      (competition/winners.hpp);
//   3. stabilised STDP on each winner's window of the shared kernel (learning/winner_stdp.hpp),
//      a_plus doubling every 500 images up to 0.15 (a_minus = -0.75 a_plus). SpykeTorch trains
//      layer 2 at (0.004, -0.003) throughout, for 20 epochs; with layer 1's schedule it learns
//      in one.
// Features: P2's spiking neurons when an image is presented (no competition, no learning).
//
// As SpykeTorch: layer-2 training sees the pooled C1 spikes after pointwise inhibition among
// the maps; the feature pass sees them all.
#pragma once

#include "spiketorch/config.hpp"

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "spiketorch/competition/winners.hpp"
#include "spiketorch/encoding/dog.hpp"
#include "spiketorch/encoding/rank_order.hpp"
#include "spiketorch/encoding/spike_times.hpp"
#include "spiketorch/learning/winner_stdp.hpp"
#include "spiketorch/network/network.hpp"
#include "spiketorch/neurons/fire_once.hpp"
#include "spiketorch/synapses/delta_current.hpp"
#include "spiketorch/topology/window2d.hpp"

namespace spiketorch::models {

struct conv_layer_params {
  std::size_t maps = 32;
  std::size_t kernel = 5;
  std::size_t padding = 2;
  double threshold = 10;
  std::size_t winners = 5;
  std::size_t inhibition_radius = 2;
};

struct kheradpisheh_params {
  std::size_t image_height = 28, image_width = 28;
  encoding::dog_params dog{
      .size = 7, .sigmas = {{1.0, 2.0}, {2.0, 1.0}}, .padding = 3, .threshold = 50.0f};
  std::size_t normalization_radius = 8;
  std::size_t time_steps = 15;
  conv_layer_params conv1{};
  conv_layer_params conv2{
      .maps = 150, .kernel = 2, .padding = 1, .threshold = 1, .winners = 8, .inhibition_radius = 1};
  topology::pool_params pool1{.kernel = 2, .stride = 2, .padding = 1};
  topology::pool_params pool2{.kernel = 2, .stride = 2, .padding = 1};
  double weight_mean = 0.8, weight_sd = 0.05;
  learning::rate_schedule schedule1{};  // 0.004 doubling every 500 images up to 0.15
  learning::rate_schedule schedule2{};  // the same (SpykeTorch: 0.004 throughout, 20 epochs)
  std::uint64_t seed = 0;

  /// The shapes of the layers (checked).
  struct shapes {
    topology::grid3 x, c1, p1, c2, p2;
  };
  shapes layer_shapes() const {
    shapes s;
    s.x = encoding::dog_output(dog, image_height, image_width);
    s.c1 = topology::conv2d::output_of(conv_params(conv1, s.x));
    s.p1 = topology::pool2d::output_of(pool_on(pool1, s.c1));
    s.c2 = topology::conv2d::output_of(conv_params(conv2, s.p1));
    s.p2 = topology::pool2d::output_of(pool_on(pool2, s.c2));
    return s;
  }
  void validate() const {
    require(time_steps > 0, "kheradpisheh: time_steps must be > 0");
    require(conv1.winners > 0 && conv2.winners > 0, "kheradpisheh: winners must be > 0");
    require(std::isfinite(weight_mean) && std::isfinite(weight_sd) && weight_sd >= 0,
            "kheradpisheh: weights need a finite mean and sd >= 0");
    schedule1.at(0).validate();
    schedule2.at(0).validate();
    (void)layer_shapes();
  }
  static topology::conv_params conv_params(const conv_layer_params& l, topology::grid3 in) {
    return {.input = in, .out_channels = l.maps, .kernel = l.kernel, .padding = l.padding};
  }
  static topology::pool_params pool_on(topology::pool_params p, topology::grid3 in) {
    p.input = in;
    return p;
  }
};

template <class Backend = backend::cpu>
class kheradpisheh_2018 {
 public:
  using backend_type = Backend;
  using neuron = neurons::fire_once;
  /// Layer 1 and its pooling.
  using stage1_type = network<
      layers<input<"X", encoding::rank_order>, population<"C1", neuron, synapses::delta_current>,
             population<"P1", neuron, synapses::delta_current>>,
      projections<projection<"X", "C1", topology::conv2d>,
                  projection<"C1", "P1", topology::pool2d>>,
      Backend>;
  /// Layer 2 and its pooling, fed with P1's first spikes (after the competition in training).
  using stage2_type = network<
      layers<input<"Q", encoding::spike_times>, population<"C2", neuron, synapses::delta_current>,
             population<"P2", neuron, synapses::delta_current>>,
      projections<projection<"Q", "C2", topology::conv2d>,
                  projection<"C2", "P2", topology::pool2d>>,
      Backend>;

  explicit kheradpisheh_2018(const kheradpisheh_params& p, std::size_t threads = 1)
      : p_(checked(p)),
        s_(p_.layer_shapes()),
        net1_({.dt_ms = 1.0, .seed = p_.seed, .threads = threads},
              {s_.x.size(), s_.c1.size(), s_.p1.size()}),
        net2_({.dt_ms = 1.0, .seed = p_.seed + 1, .threads = threads},
              {s_.p1.size(), s_.c2.size(), s_.p2.size()}) {
    const weight_init kernels{
        .distribution = weight_distribution::normal, .mean = p_.weight_mean, .sd = p_.weight_sd};
    net1_.template set_encoder_params<"X">({.time_steps = p_.time_steps});
    net1_.template set_params<"C1">(neuron::params{.v_thresh_mv = p_.conv1.threshold});
    net2_.template set_params<"C2">(neuron::params{.v_thresh_mv = p_.conv2.threshold});
    // Pooling: one input spike (weight 1) fires a window's neuron.
    net1_.template set_params<"P1">(neuron::params{.v_thresh_mv = 0.5});
    net2_.template set_params<"P2">(neuron::params{.v_thresh_mv = 0.5});
    net1_.template connect<"X", "C1">(
        {.topology = kheradpisheh_params::conv_params(p_.conv1, s_.x), .weights = kernels});
    net1_.template connect<"C1", "P1">(
        {.topology = kheradpisheh_params::pool_on(p_.pool1, s_.c1), .weights = {1.0, 1.0}});
    net2_.template connect<"Q", "C2">(
        {.topology = kheradpisheh_params::conv_params(p_.conv2, s_.p1), .weights = kernels});
    net2_.template connect<"C2", "P2">(
        {.topology = kheradpisheh_params::pool_on(p_.pool2, s_.c2), .weights = {1.0, 1.0}});
    // One spike per neuron and image at most.
    net1_.template record_events<"X">(s_.x.size());
    net1_.template record_events<"C1">(s_.c1.size());
    net1_.template record_events<"P1">(s_.p1.size());
    net2_.template record_events<"Q">(s_.p1.size());
    net2_.template record_events<"C2">(s_.c2.size());
    net2_.template record_events<"P2">(s_.p2.size());
  }

  const kheradpisheh_params& params() const { return p_; }
  const kheradpisheh_params::shapes& shapes() const { return s_; }
  stage1_type& stage1() { return net1_; }
  stage2_type& stage2() { return net2_; }

  /// The input values of an image (height x width, 0..255): DoG maps, locally normalised.
  std::vector<float> encode(std::span<const std::uint8_t> image) const {
    std::vector<float> pixels(image.begin(), image.end());
    auto maps = encoding::dog_filter(pixels, p_.image_height, p_.image_width, p_.dog);
    encoding::local_normalization(maps, s_.x, p_.normalization_radius);
    return maps;
  }

  /// Layer 1: presents encoded values from the rested state until every spike has reached P1.
  void present1(std::span<const float> values) {
    net1_.reset_state();
    clear<"X", "C1", "P1">(net1_);
    step1_ = std::int64_t(net1_.steps_done());
    // The last input bin, then a step per layer.
    net1_.run(values, double(p_.time_steps + 2));
  }
  /// The step of each P1 neuron's spike in the last present1 (competition::never: none).
  std::vector<std::int64_t> pooled1() const {
    const auto& ev = net1_.template events<"P1">();
    return competition::first_spikes(ev.neurons(), ev.steps(), s_.p1.size(), step1_);
  }
  /// Layer 2: presents P1's spike steps from the rested state until every spike has reached P2.
  void present2(std::span<const std::int64_t> p1_steps) {
    require(p1_steps.size() == s_.p1.size(), "kheradpisheh: ", p1_steps.size(),
            " spike steps for layer P1 of ", s_.p1.size());
    q_.resize(p1_steps.size());
    std::int64_t last = -1;
    for (std::size_t i = 0; i < q_.size(); ++i) {
      q_[i] = p1_steps[i] == competition::never ? -1.0f : float(p1_steps[i]);
      last = std::max(last, p1_steps[i]);
    }
    net2_.reset_state();
    clear<"Q", "C2", "P2">(net2_);
    step2_ = std::int64_t(net2_.steps_done());
    net2_.run(q_, double(last + 3));
  }

  /// One training image for layer 1 or 2: presentation, competition (pointwise inhibition
  /// among the maps, then the k winners) and STDP of the winners. Layer 2 sees the P1 spikes
  /// after pointwise inhibition among P1's maps, as SpykeTorch trains it. Returns the winners.
  std::size_t train(std::span<const std::uint8_t> image, int layer) {
    require(layer == 1 || layer == 2, "kheradpisheh: layer must be 1 or 2, got ", layer);
    present1(encode(image));
    if (layer == 1) {
      const auto rates = p_.schedule1.at(images1_++);
      return compete_and_learn<"X", "C1">(net1_, step1_, s_.c1, p_.conv1, rates);
    }
    auto p1 = pooled1();
    // On spikes alone: at equal steps the lower map keeps its spike.
    zeros_.assign(p1.size(), 0.0f);
    competition::pointwise_inhibition(p1, zeros_, s_.p1);
    present2(p1);
    const auto rates = p_.schedule2.at(images2_++);
    return compete_and_learn<"Q", "C2">(net2_, step2_, s_.c2, p_.conv2, rates);
  }

  /// The features of an image: the P2 neurons that fire, in increasing order.
  std::vector<index_t> features(std::span<const std::uint8_t> image) {
    present1(encode(image));
    present2(pooled1());
    const auto n = net2_.template events<"P2">().neurons();
    std::vector<index_t> f(n.begin(), n.end());
    std::sort(f.begin(), f.end());
    return f;
  }

  /// The kernels of conv layer 1 or 2, [qy][qx][in channel][map] (topology/window2d.hpp).
  std::span<const real> kernels(int layer) const {
    require(layer == 1 || layer == 2, "kheradpisheh: layer must be 1 or 2, got ", layer);
    return layer == 1 ? net1_.template projection<"X", "C1">().topo.weights()
                      : net2_.template projection<"Q", "C2">().topo.weights();
  }
  void set_kernels(int layer, std::span<const real> w) {
    require(layer == 1 || layer == 2, "kheradpisheh: layer must be 1 or 2, got ", layer);
    if (layer == 1)
      net1_.template set_weights<"X", "C1">(w);
    else
      net2_.template set_weights<"Q", "C2">(w);
  }

  /// Images layer 1 and layer 2 have learned from (each sets its layer's rate schedule).
  std::size_t images_learned(int layer) const { return layer == 1 ? images1_ : images2_; }
  void set_images_learned(std::size_t layer1, std::size_t layer2) {
    images1_ = layer1;
    images2_ = layer2;
  }

 private:
  static kheradpisheh_params checked(const kheradpisheh_params& p) {
    p.validate();
    return p;
  }
  template <fixed_string... Names, class Net>
  static void clear(Net& net) {
    (net.template clear_recordings<Names>(), ...);
  }

  template <fixed_string Pre, fixed_string Post, class Net>
  std::size_t compete_and_learn(Net& net, std::int64_t step0, topology::grid3 g,
                                const conv_layer_params& l,
                                const learning::winner_stdp_params& rates) {
    const auto& pre_ev = net.template events<Pre>();
    const auto& post_ev = net.template events<Post>();
    auto& proj = net.template projection<Pre, Post>();
    // A spike of step t reaches its targets in step t + 1: causal means arrived by the post
    // spike (SpykeTorch's layers see the spikes of the same step).
    auto pre =
        competition::first_spikes(pre_ev.neurons(), pre_ev.steps(), proj.topo.n_pre(), step0 - 1);
    auto post = competition::first_spikes(post_ev.neurons(), post_ev.steps(), g.size(), step0);
    const auto v = net.template state<Post, "v">();
    competition::pointwise_inhibition(post, v, g);
    const auto winners = competition::k_winners(
        post, v, g, {.k = l.winners, .inhibition_radius = l.inhibition_radius});
    learning::winner_stdp(proj.topo, winners, pre, post, rates);
    return winners.size();
  }

  kheradpisheh_params p_;
  kheradpisheh_params::shapes s_;
  stage1_type net1_;
  stage2_type net2_;
  std::int64_t step1_ = 0, step2_ = 0;
  std::size_t images1_ = 0, images2_ = 0;
  std::vector<float> q_, zeros_;  // layer 2's input values, scratch potentials
};

}  // namespace spiketorch::models
