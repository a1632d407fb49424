// The --plot option: figures (PNG) and the data behind them (.npy) refreshed every update
// interval during training, plus the confusion matrix after testing.
//
//   weights.png / weights.npy          input-to-excitatory weights, [784, N], as 28x28 tiles
//   theta.png / theta.npy              adaptive thresholds, [N] (mV above the initial offset)
//   assignments.png / assignments.npy  neuron labels, [N] (-1 = never fired)
//   accuracy.png / accuracy.npy        [windows, 3]: examples seen, all-activity, proportion
//   input.png / input.npy              the latest training image, [28, 28]
//   spikes.png, spikes_exc.npy, spikes_inh.npy   rasters of the latest example, [time, neuron]
//   voltages.png / voltages.npy        membrane potential of the first neurons, [time, neuron]
//   confusion.png / confusion.npy      [true, predicted] after testing
#pragma once

#include <filesystem>
#include <string>
#include <vector>
#include <xtensor/xadapt.hpp>
#include <xtensor/xtensor.hpp>

#include "spiketorch/evaluation/labels.hpp"
#include "spiketorch/io/npy.hpp"
#include "spiketorch/models/diehl_cook_2015.hpp"
#include "spiketorch/network/recordings.hpp"
#include "spiketorch/plot/figures.hpp"

#include "figures.hpp"

namespace mnist_example {

class visualisation {
 public:
  /// `record`: attach the recorders (attach) even where nothing is written (an empty `dir`):
  /// the ranks of a distributed network must all have the same recorders.
  visualisation(std::string dir, std::size_t n_neurons, bool record)
      : dir_(std::move(dir)), n_(n_neurons), record_(record || !dir_.empty()) {
    if (!enabled()) return;
    std::filesystem::create_directories(dir_);
  }
  bool enabled() const { return !dir_.empty(); }

  /// Attaches the recorders: one example's worth of spikes, and voltages of up to 8 neurons.
  template <class Model>
  void attach(Model& model) {
    if (!record_) return;
    const auto& p = model.params();
    const auto steps = static_cast<std::size_t>(spiketorch::steps_of(p.time_ms, p.dt_ms) +
                                                spiketorch::steps_of(p.rest_ms, p.dt_ms));
    model.net().template record_spikes<"Ae">(steps);
    model.net().template record_spikes<"Ai">(steps);
    std::vector<spiketorch::index_t> shown;
    for (std::size_t j = 0; j < std::min<std::size_t>(8, n_); ++j) shown.push_back(spiketorch::index_t(j));
    model.net().template record_state<"Ae">("v", shown, 1, steps);
  }

  /// Weights, thresholds and labels of the network as it is now.
  template <class Model>
  void network_state(Model& model, const spiketorch::evaluation::label_assignment& a,
                     const std::string& when) {
    if (!record_) return;
    // Over MPI ranks each rank stores the weights into its own neurons: all take part in
    // collecting them (record_ is alike on every rank), the one that writes draws them.
    const std::vector<spiketorch::real> w = model.gather_input_weights();
    if (!enabled()) return;
    namespace plot = spiketorch::plot;
    const auto& p = model.params();
    xt::xtensor<float, 2> weights = xt::adapt(w.data(), w.size(), xt::no_ownership(),
                                              std::vector<std::size_t>{p.n_input, p.n_neurons});
    save("weights", weights);
    plot_weight_grid(path("weights.png"), weights, 28, 28, "input to excitatory weights " + when);
    const auto th = model.theta();
    std::vector<float> theta(th.begin(), th.end());
    save("theta", xt::adapt(theta, std::vector<std::size_t>{theta.size()}));
    plot::plot_bar(path("theta.png"), theta, "adaptive thresholds (theta)", "excitatory neuron", "theta (mV)");
    std::vector<std::int32_t> labels(a.labels.begin(), a.labels.end());
    save("assignments", xt::adapt(labels, std::vector<std::size_t>{labels.size()}));
    plot_assignments(path("assignments.png"), a.labels, "neuron label assignments " + when);
  }

  template <class Model>
  void training_update(Model& model, const spiketorch::evaluation::label_assignment& a,
                       std::uint64_t seen, double all_activity, double proportion,
                       std::span<const std::uint8_t> last_image) {
    network_state(model, a, "after " + std::to_string(seen) + " examples");
    if (!enabled()) return;
    namespace plot = spiketorch::plot;
    const auto& p = model.params();
    if (all_activity >= 0) {
      seen_.push_back(double(seen));
      acc_all_.push_back(100 * all_activity);
      acc_prop_.push_back(100 * proportion);
      xt::xtensor<double, 2> acc = xt::zeros<double>({seen_.size(), std::size_t(3)});
      for (std::size_t k = 0; k < seen_.size(); ++k) {
        acc(k, 0) = seen_[k];
        acc(k, 1) = acc_all_[k];
        acc(k, 2) = acc_prop_[k];
      }
      save("accuracy", acc);
      plot::plot_lines(path("accuracy.png"), {"all-activity", "proportion weighting"}, {seen_, seen_},
                       {acc_all_, acc_prop_}, "training accuracy (previous update interval)",
                       "examples seen", "accuracy (%)", std::make_pair(0.0, 100.0));
    }
    xt::xtensor<float, 2> image = xt::zeros<float>({std::size_t(28), std::size_t(28)});
    for (std::size_t k = 0; k < 784 && k < last_image.size(); ++k) image.data()[k] = float(last_image[k]);
    save("input", image);
    plot::plot_image(path("input.png"), image, "latest input digit");
    const auto exc = model.net().template spike_raster<"Ae">();
    const auto inh = model.net().template spike_raster<"Ai">();
    save("spikes_exc", exc);
    save("spikes_inh", inh);
    if (exc.shape(0) > 0)
      plot::plot_rasters(path("spikes.png"), {exc, inh}, {"excitatory", "inhibitory"}, p.dt_ms,
                         "spikes during the latest example (presentation and rest)");
    const auto v = model.net().template state_trace<"Ae">();
    save("voltages", v);
    if (v.shape(0) > 1) {
      std::vector<std::string> names;
      std::vector<std::vector<double>> xs, ys;
      for (std::size_t j = 0; j < v.shape(1); ++j) {
        names.push_back("neuron " + std::to_string(j));
        xs.emplace_back();
        ys.emplace_back();
        for (std::size_t t = 0; t < v.shape(0); ++t) {
          xs.back().push_back(double(t) * p.dt_ms);
          ys.back().push_back(v(t, j));
        }
      }
      plot::plot_lines(path("voltages.png"), names, xs, ys, "excitatory membrane potentials (latest example)",
                       "time (ms)", "V (mV)");
    }
  }

  void test_done(const xt::xtensor<std::int64_t, 2>& confusion) {
    if (!enabled()) return;
    save("confusion", confusion);
    plot_confusion(path("confusion.png"), confusion, "test confusion matrix (all-activity)");
  }

 private:
  std::string path(const std::string& name) const { return (std::filesystem::path(dir_) / name).string(); }
  template <class E>
  void save(const std::string& name, const E& e) const {
    spiketorch::save_npy(std::filesystem::path(dir_) / (name + ".npy"), e);
  }

  std::string dir_;
  std::size_t n_;
  bool record_;
  std::vector<double> seen_, acc_all_, acc_prop_;
};

}  // namespace mnist_example
