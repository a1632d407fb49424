// Batch mode of backend::cuda: many presentations in one kernel launch, one thread block each.
//
// 1. B independent copies of a network type (different seeds, parameters or inputs), each with
//    its own weights and learning on or off as set on it:
//
//      std::vector<net_t*> nets = {&a, &b, &c};
//      backend::run_batch(std::span<net_t* const>(nets), 350.0);  // == a.run(350); b.run(350); ...
//
// 2. B samples through ONE network with learning off (evaluation). Every sample starts from the
//    network's current state (membrane potentials, conductances, spikes in flight, thresholds)
//    and shares its weights on the device (read-only); sample b draws its input spikes as
//    presentation `first_presentation + b` (default first: net.presentation_index()), or as
//    `presentations[b]` when that list is given. The
//    network itself is left unchanged. It is equivalent to, for every b,
//
//      auto copy = net;  copy.set_learning(false);  copy.set_presentation_index(first + b);
//      copy.reset_counts();  copy.set_input<"X">(inputs[b]);  copy.run(duration_ms);
//
//    and reading copy.spike_counts<L>() / copy.spike_raster<L>():
//
//      xt::xtensor<float, 2> rates = ...;                         // [batch, n_input]
//      auto r = backend::evaluate_batch<"X">(net, rates, 350.0, {.record_spikes = true});
//      r.spike_counts<"Ae">();   // [batch, neuron]
//      r.spike_raster<"Ae">();   // [time, batch, neuron], 1 where the neuron spiked
//
// A raster costs time x batch x neuron bytes (e.g. 700 x 1000 x 400 = 280 MB): request it only
// when needed.
#pragma once

#include "spiketorch/config.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>
#include <xtensor/xadapt.hpp>
#include <xtensor/xtensor.hpp>

#include "spiketorch/backend/cuda/runner.cuh"

namespace spiketorch::backend {

struct batch_options {
  bool record_spikes = false;  ///< fill the rasters [time, batch, neuron] of every layer
  std::optional<std::uint64_t> first_presentation{};  ///< default: net.presentation_index()
  /// The presentation index of each sample (its input spikes), instead of first + b.
  std::span<const std::uint64_t> presentations{};
  unsigned threads_per_sample = 256;                  ///< block size, a multiple of 32
};

/// Results of an evaluation batch.
template <class Net>
class batch_result {
 public:
  std::size_t batch() const { return batch_; }
  std::size_t steps() const { return steps_; }

  /// Spikes per sample and neuron: [batch, neuron].
  template <fixed_string Name>
  xt::xtensor<std::uint32_t, 2> spike_counts() const {
    constexpr std::size_t I = index<Name>();
    const std::size_t n = sizes_[I];
    xt::xtensor<std::uint32_t, 2> out = xt::zeros<std::uint32_t>({batch_, n});
    std::copy(counts_[I].begin(), counts_[I].end(), out.data());
    return out;
  }
  /// 1 where a neuron spiked: [time, batch, neuron] (needs record_spikes).
  template <fixed_string Name>
  xt::xtensor<std::uint8_t, 3> spike_raster() const {
    constexpr std::size_t I = index<Name>();
    require(!rasters_[I].empty() || steps_ == 0,
            "batch_result::spike_raster: run evaluate_batch with record_spikes = true");
    const std::size_t n = sizes_[I];
    xt::xtensor<std::uint8_t, 3> out = xt::zeros<std::uint8_t>({steps_, batch_, n});
    std::copy(rasters_[I].begin(), rasters_[I].end(), out.data());
    return out;
  }

  // Filled by evaluate_batch.
  std::array<std::vector<std::uint32_t>, Net::n_layers> counts_;
  std::array<std::vector<std::uint8_t>, Net::n_layers> rasters_;
  std::array<std::size_t, Net::n_layers> sizes_{};
  std::size_t batch_ = 0, steps_ = 0;

 private:
  template <fixed_string Name>
  static constexpr std::size_t index() {
    constexpr std::size_t i = Net::layer_index_of(Name.view());
    static_assert(i < Net::n_layers, "spiketorch: no layer with this name in the network");
    return i;
  }
};

/// B samples (rows of `inputs`, the encoder values of input layer `Input`) through `net` with
/// learning off, in one launch. Other input layers use their current values for every sample.
template <fixed_string Input, class Net>
batch_result<Net> evaluate_batch(Net& net, const xt::xtensor<float, 2>& inputs, double duration_ms,
                                 const batch_options& options = {}) {
  constexpr std::size_t input_index = Net::layer_index_of(Input.view());
  static_assert(input_index < Net::n_layers, "spiketorch: no layer with this name in the network");
  static_assert(Net::desc::template layer_t<input_index>::is_input,
                "spiketorch: evaluate_batch<Name> needs the name of an input layer");
  const std::size_t n_input = net.template size<Input>();
  require(inputs.dimension() == 2 && inputs.shape()[1] == n_input, "evaluate_batch<",
          Input.view(), ">: inputs must be [batch, ", n_input, "], got [", inputs.shape()[0], ", ",
          inputs.shape()[1], "]");
  const std::size_t batch = inputs.shape()[0];
  const std::uint64_t n_steps = steps_of(duration_ms, net.dt_ms(), "evaluate_batch: duration_ms");
  batch_result<Net> r;
  r.batch_ = batch;
  r.steps_ = n_steps;
  std::array<std::span<const float>, Net::n_layers> current{};
  static_for<Net::n_layers>([&](auto ic) {
    constexpr std::size_t I = decltype(ic)::value;
    auto& layer = net.template layer_at<I>();
    r.sizes_[I] = layer.size;
    if constexpr (Net::desc::template layer_t<I>::is_input) current[I] = layer.values;
  });
  auto values = [&](std::size_t layer, std::size_t b) -> std::span<const float> {
    if (layer == input_index) return {inputs.data() + b * n_input, n_input};
    return current[layer];
  };
  require(options.presentations.empty() || options.presentations.size() == batch,
          "evaluate_batch: ", options.presentations.size(), " presentation indices for ", batch,
          " samples");
  require(options.presentations.empty() || !options.first_presentation,
          "evaluate_batch: give first_presentation or presentations, not both");
  const std::uint64_t first = options.first_presentation.value_or(net.presentation_index());
  auto presentation = [&](std::size_t b) -> std::uint64_t {
    return options.presentations.empty() ? first + b : options.presentations[b];
  };
  runner<cuda>::evaluate(net, batch, n_steps, presentation, options.record_spikes,
                         options.threads_per_sample, values, r.counts_, r.rasters_);
  return r;
}

/// One presentation of each network in one launch; equivalent to nets[b]->run(duration_ms) for
/// every b (each network keeps its own learning flag, weights and presentation counter).
template <class Net>
void run_batch(std::span<Net* const> nets, double duration_ms) {
  runner<cuda>::run_many(nets, duration_ms);
}

}  // namespace spiketorch::backend
