// A linear readout on spike features, trained with liblinear and kept as a weight matrix, so that
// a checkpoint can classify without liblinear. One class against the rest, with a bias feature.
//   - spiketorch_conv_mnist: a linear SVM (L2-regularised L2-loss, dual solver: scikit-learn's
//     LinearSVC, as Kheradpisheh et al. and SpykeTorch use it) on binary features;
//   - spiketorch_mnist: L2-regularised logistic regression on each excitatory neuron's share of
//     the example's spikes (BindsNET's `logreg_fit` / `logreg_predict` readout of Diehl & Cook).
#pragma once

#include <linear.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <vector>

#include <xtensor/xadapt.hpp>

#include "spiketorch/config.hpp"
#include "spiketorch/core/errors.hpp"
#include "spiketorch/io/checkpoint.hpp"

namespace spiketorch_examples {

/// Examples as sparse rows of (feature, value): row e is [start[e], start[e + 1]).
struct sparse_rows {
  std::vector<spiketorch::index_t> feature;
  std::vector<double> value;
  std::vector<std::size_t> start{0};

  std::size_t size() const { return start.size() - 1; }
  void add(spiketorch::index_t f, double v) {
    feature.push_back(f);
    value.push_back(v);
  }
  void end_row() { start.push_back(feature.size()); }
};

struct linear_readout {
  enum class kind { svm, logistic };

  std::size_t n_features = 0;
  std::vector<int> classes;  // liblinear's order of the labels
  std::vector<double> w;     // [n_features + 1 (bias)][decision functions]
  double C = 0;              // the regularisation it was fitted with

  std::size_t n_functions() const { return classes.size() == 2 ? 1 : classes.size(); }

  /// The class of an example with features `f` of values `v` (1 where `v` is empty).
  int predict(std::span<const spiketorch::index_t> f, std::span<const double> v = {}) const {
    // Fitted to examples of one class only, it knows no other.
    if (classes.size() == 1) return classes[0];
    const std::size_t m = n_functions();
    std::vector<double> score(m, 0.0);
    for (std::size_t k = 0; k < m; ++k) score[k] = w[n_features * m + k];  // bias (value 1)
    for (std::size_t q = 0; q < f.size(); ++q) {
      const double x = v.empty() ? 1.0 : v[q];
      for (std::size_t k = 0; k < m; ++k) score[k] += x * w[std::size_t(f[q]) * m + k];
    }
    if (m == 1) return score[0] > 0 ? classes[0] : classes[1];
    std::size_t best = 0;
    for (std::size_t k = 1; k < m; ++k)
      if (score[k] > score[best]) best = k;
    return classes[best];
  }
  int predict(const sparse_rows& x, std::size_t e) const {
    const std::size_t a = x.start[e], b = x.start[e + 1];
    return predict({x.feature.data() + a, b - a}, {x.value.data() + a, b - a});
  }

  /// Trains on examples (their active features, value 1) and labels: the linear SVM.
  static linear_readout train(const std::vector<std::vector<spiketorch::index_t>>& x,
                              std::span<const std::uint8_t> y, std::size_t n_features, double C) {
    sparse_rows rows;
    for (const auto& e : x) {
      for (const auto i : e) rows.add(i, 1.0);
      rows.end_row();
    }
    return train(rows, y, n_features, C, kind::svm);
  }

  static linear_readout train(const sparse_rows& x, std::span<const std::uint8_t> y,
                              std::size_t n_features, double C, kind how) {
    spiketorch::require(x.size() == y.size() && x.size() > 0, "readout: ", x.size(),
                        " examples and ", y.size(), " labels");
    spiketorch::require(C > 0, "readout: C must be > 0, got ", C);
    std::vector<feature_node> nodes;
    nodes.reserve(x.feature.size() + 2 * x.size());  // + bias + terminator per example
    std::vector<std::size_t> first(x.size());
    for (std::size_t e = 0; e < x.size(); ++e) {
      first[e] = nodes.size();
      for (std::size_t q = x.start[e]; q < x.start[e + 1]; ++q) {
        spiketorch::require(x.feature[q] < n_features, "readout: feature ", x.feature[q], " of ",
                            n_features);
        nodes.push_back({int(x.feature[q]) + 1, x.value[q]});  // liblinear counts from 1
      }
      nodes.push_back({int(n_features) + 1, 1.0});  // the bias feature
      nodes.push_back({-1, 0.0});
    }
    std::vector<feature_node*> rows(x.size());
    std::vector<double> labels(x.size());
    for (std::size_t e = 0; e < x.size(); ++e) {
      rows[e] = nodes.data() + first[e];
      labels[e] = y[e];
    }
    problem prob{};
    prob.l = int(x.size());
    prob.n = int(n_features) + 1;
    prob.y = labels.data();
    prob.x = rows.data();
    prob.bias = -1;  // the bias is a feature of its own above
    parameter param{};
    param.solver_type = how == kind::svm ? L2R_L2LOSS_SVC_DUAL : L2R_LR_DUAL;
    param.eps = 0.1;
    param.C = C;
    set_print_string_function([](const char*) {});
    if (const char* e = check_parameter(&prob, &param))
      spiketorch::require(false, "liblinear: ", e);
    model* m = ::train(&prob, &param);
    linear_readout r;
    r.n_features = n_features;
    r.C = C;
    r.classes.assign(m->label, m->label + m->nr_class);
    const std::size_t fns = r.n_functions();
    r.w.assign(m->w, m->w + (n_features + 1) * fns);
    free_and_destroy_model(&m);
    return r;
  }
};

/// Adds the readout to a checkpoint being written: arrays `readout` [n_features + 1, functions]
/// and `readout_classes`, parameters `readout_features` and `readout_c`.
inline void write_readout(spiketorch::checkpoint_writer& w, const linear_readout& r) {
  w.set("readout_features", std::uint64_t(r.n_features));
  w.set("readout_c", r.C);
  w.add_array("readout", xt::adapt(r.w.data(), r.w.size(), xt::no_ownership(),
                                   std::vector<std::size_t>{r.n_features + 1, r.n_functions()}));
  std::vector<std::int32_t> classes(r.classes.begin(), r.classes.end());
  w.add_array("readout_classes", xt::adapt(classes.data(), classes.size(), xt::no_ownership(),
                                           std::vector<std::size_t>{classes.size()}));
}

/// The readout a checkpoint holds (none if it holds none), checked against the `n_features` its
/// network gives: a readout that does not fit, or with a weight that is not finite, is an
/// io_error naming the checkpoint.
inline std::optional<linear_readout> read_readout(const spiketorch::checkpoint_reader& r,
                                                  std::size_t n_features) {
  using spiketorch::io_error;
  using spiketorch::detail::concat;
  if (!r.has_array("readout")) return std::nullopt;
  const std::string dir = r.directory().string();
  linear_readout ro;
  const std::int64_t features = r.get_int("readout_features");
  if (features < 0 || std::uint64_t(features) != n_features)
    throw io_error(concat("checkpoint '", dir, "': the readout takes ", features,
                          " features, the network gives ", n_features));
  ro.n_features = n_features;
  ro.C = r.get_double("readout_c", 0.0);
  const auto cls = r.array<std::int32_t>("readout_classes");
  ro.classes.assign(cls.begin(), cls.end());
  const auto w = r.array<double>("readout");
  if (ro.classes.empty() || w.size() != (ro.n_features + 1) * ro.n_functions())
    throw io_error(concat("checkpoint '", dir, "': the readout's ", w.size(),
                          " weights do not fit ", ro.n_features, " features and ",
                          ro.classes.size(), " classes"));
  ro.w.assign(w.begin(), w.end());
  for (std::size_t k = 0; k < ro.w.size(); ++k)
    if (!std::isfinite(ro.w[k]))
      throw io_error(concat("checkpoint '", dir, "': readout.npy: weight ", ro.w[k], " at ", k,
                            " is not finite"));
  return ro;
}

}  // namespace spiketorch_examples
