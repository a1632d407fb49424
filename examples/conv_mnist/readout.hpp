// The linear readout of the convolutional example: a linear SVM (liblinear's L2-regularised
// L2-loss dual solver, one class against the rest, with a bias feature: scikit-learn's LinearSVC,
// as Kheradpisheh et al. and SpykeTorch use it) on binary spike features, kept as a weight
// matrix so that a checkpoint can classify without liblinear.
#pragma once

#include <linear.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <vector>

#include "spiketorch/config.hpp"
#include "spiketorch/core/errors.hpp"

namespace conv_mnist {

struct linear_readout {
  std::size_t n_features = 0;
  std::vector<int> classes;  // liblinear's order of the labels
  std::vector<double> w;     // [n_features + 1 (bias)][decision functions]

  std::size_t n_functions() const { return classes.size() == 2 ? 1 : classes.size(); }

  /// The class of an example with `active` features (value 1, indices < n_features).
  int predict(std::span<const spiketorch::index_t> active) const {
    const std::size_t m = n_functions();
    std::vector<double> score(m, 0.0);
    for (std::size_t f = 0; f < m; ++f) score[f] = w[n_features * m + f];  // bias (value 1)
    for (const auto i : active)
      for (std::size_t f = 0; f < m; ++f) score[f] += w[std::size_t(i) * m + f];
    if (m == 1) return score[0] > 0 ? classes[0] : classes[1];
    std::size_t best = 0;
    for (std::size_t f = 1; f < m; ++f)
      if (score[f] > score[best]) best = f;
    return classes[best];
  }

  /// Trains on examples (their active features) and labels.
  static linear_readout train(const std::vector<std::vector<spiketorch::index_t>>& x,
                              std::span<const std::uint8_t> y, std::size_t n_features, double C) {
    spiketorch::require(x.size() == y.size() && !x.empty(), "readout: ", x.size(), " examples and ",
                        y.size(), " labels");
    spiketorch::require(C > 0, "readout: C must be > 0, got ", C);
    std::size_t nonzero = 0;
    for (const auto& e : x) nonzero += e.size() + 2;  // + bias + terminator
    std::vector<feature_node> nodes;
    nodes.reserve(nonzero);
    std::vector<feature_node*> rows(x.size());
    std::vector<double> labels(x.size());
    for (std::size_t e = 0; e < x.size(); ++e) {
      rows[e] = nodes.data() + nodes.size();
      for (const auto i : x[e]) {
        spiketorch::require(i < n_features, "readout: feature ", i, " of ", n_features);
        nodes.push_back({int(i) + 1, 1.0});  // liblinear counts features from 1
      }
      nodes.push_back({int(n_features) + 1, 1.0});  // the bias feature
      nodes.push_back({-1, 0.0});
      labels[e] = y[e];
    }
    problem prob{};
    prob.l = int(x.size());
    prob.n = int(n_features) + 1;
    prob.y = labels.data();
    prob.x = rows.data();
    prob.bias = -1;  // the bias is a feature of its own above
    parameter param{};
    param.solver_type = L2R_L2LOSS_SVC_DUAL;
    param.eps = 0.1;
    param.C = C;
    set_print_string_function([](const char*) {});
    if (const char* e = check_parameter(&prob, &param))
      spiketorch::require(false, "liblinear: ", e);
    model* m = ::train(&prob, &param);
    linear_readout r;
    r.n_features = n_features;
    r.classes.assign(m->label, m->label + m->nr_class);
    const std::size_t fns = r.n_functions();
    r.w.assign(m->w, m->w + (n_features + 1) * fns);
    free_and_destroy_model(&m);
    return r;
  }
};

}  // namespace conv_mnist
