// Label assignment and classification from spike counts (Diehl & Cook 2015, Section 2.5).
//
// assign_labels: each neuron gets the class for which its mean spike count over the examples of
//   that class is highest (strict maximum, classes visited from 0); a neuron that never fired is
//   unassigned (-1) and ignored. Also returns per-neuron class proportions (the class means
//   divided by their sum), used by proportion weighting.
// all_activity: class score = mean spike count of the neurons assigned to that class.
// proportion_weighting (BindsNET): class score = sum over neurons assigned to the class of
//   proportion[n, class] * count[n], divided by the number of neurons assigned to the class.
// Both predict the class with the highest score; ties go to the highest class index, as the
// original code's np.argsort(...)[::-1][0] does.
#pragma once

#include "spiketorch/config.hpp"

#include <cstdint>
#include <span>
#include <vector>
#include <xtensor/xtensor.hpp>

#include "spiketorch/core/errors.hpp"

namespace spiketorch::evaluation {

struct label_assignment {
  std::vector<int> labels;            // [neurons], -1 = unassigned
  xt::xtensor<double, 2> proportions; // [neurons, classes]
  std::size_t n_classes = 10;
  /// [neurons, classes]: the mean spike counts per class of the labelling pass (likelihood
  /// voting, evaluation/voting.hpp); empty for an assignment read from a checkpoint.
  xt::xtensor<double, 2> means;
};

/// counts: [examples, neurons] spike counts; labels: [examples].
template <class Counts>
label_assignment assign_labels(const Counts& counts, std::span<const std::uint8_t> labels,
                               std::size_t n_classes = 10) {
  const std::size_t n_examples = counts.shape()[0], n_neurons = counts.shape()[1];
  require(labels.size() == n_examples, "assign_labels: ", n_examples, " count rows but ",
          labels.size(), " labels");
  require(n_examples > 0 && n_neurons > 0, "assign_labels: no examples or no neurons");
  xt::xtensor<double, 2> means = xt::zeros<double>({n_neurons, n_classes});
  std::vector<std::size_t> per_class(n_classes, 0);
  for (std::size_t e = 0; e < n_examples; ++e) {
    require(labels[e] < n_classes, "assign_labels: label ", int(labels[e]), " of example ", e,
            " outside 0..", n_classes - 1);
    ++per_class[labels[e]];
    for (std::size_t n = 0; n < n_neurons; ++n) means(n, labels[e]) += double(counts(e, n));
  }
  label_assignment out;
  out.n_classes = n_classes;
  out.labels.assign(n_neurons, -1);
  out.proportions = xt::zeros<double>({n_neurons, n_classes});
  for (std::size_t n = 0; n < n_neurons; ++n) {
    double best = 0, total = 0;
    for (std::size_t c = 0; c < n_classes; ++c) {
      if (per_class[c] > 0) means(n, c) /= double(per_class[c]);
      total += means(n, c);
      if (means(n, c) > best) {
        best = means(n, c);
        out.labels[n] = static_cast<int>(c);
      }
    }
    if (total > 0)
      for (std::size_t c = 0; c < n_classes; ++c) out.proportions(n, c) = means(n, c) / total;
  }
  out.means = std::move(means);
  return out;
}

namespace detail {
/// An assignment the classifiers can index without bounds checks of their own: every label in
/// -1..n_classes-1, one count per neuron and, for proportion weighting, proportions of shape
/// [neurons, n_classes]. Assignments come from checkpoints too, where a label of 10 or 42 would
/// index past the scores.
inline void check_assignment(const label_assignment& a, std::size_t n_counts, const char* who,
                             bool with_proportions) {
  require(a.n_classes > 0, who, ": the assignment has no classes");
  require(n_counts == a.labels.size(), who, ": ", n_counts, " spike counts for ",
          a.labels.size(), " assigned neurons");
  for (std::size_t n = 0; n < a.labels.size(); ++n)
    require(a.labels[n] >= -1 && a.labels[n] < static_cast<long long>(a.n_classes), who,
            ": neuron ", n, " is assigned label ", a.labels[n], ", outside -1..", a.n_classes - 1);
  if (with_proportions)
    require(a.proportions.shape(0) == a.labels.size() && a.proportions.shape(1) == a.n_classes,
            who, ": proportions are [", a.proportions.shape(0), ", ", a.proportions.shape(1),
            "], expected [", a.labels.size(), ", ", a.n_classes, "] (neurons, classes)");
}

inline int argmax_last(std::span<const double> scores) {
  int best = 0;
  for (std::size_t c = 1; c < scores.size(); ++c)
    if (scores[c] >= scores[best]) best = static_cast<int>(c);
  return best;
}
}  // namespace detail

/// Prediction from one example's spike counts by all-activity (mean count per assigned class).
template <class CountRow>
int classify_all_activity(const CountRow& counts, const label_assignment& a) {
  detail::check_assignment(a, counts.size(), "classify_all_activity", false);
  std::vector<double> score(a.n_classes, 0.0);
  std::vector<std::size_t> members(a.n_classes, 0);
  for (std::size_t n = 0; n < a.labels.size(); ++n) {
    if (a.labels[n] < 0) continue;
    score[a.labels[n]] += double(counts[n]);
    ++members[a.labels[n]];
  }
  for (std::size_t c = 0; c < a.n_classes; ++c) score[c] = members[c] ? score[c] / members[c] : 0.0;
  return detail::argmax_last(score);
}

/// Prediction from one example's spike counts by proportion weighting.
template <class CountRow>
int classify_proportion(const CountRow& counts, const label_assignment& a) {
  detail::check_assignment(a, counts.size(), "classify_proportion", true);
  std::vector<double> score(a.n_classes, 0.0);
  std::vector<std::size_t> members(a.n_classes, 0);
  for (std::size_t n = 0; n < a.labels.size(); ++n) {
    if (a.labels[n] < 0) continue;
    score[a.labels[n]] += a.proportions(n, a.labels[n]) * double(counts[n]);
    ++members[a.labels[n]];
  }
  for (std::size_t c = 0; c < a.n_classes; ++c) score[c] = members[c] ? score[c] / members[c] : 0.0;
  return detail::argmax_last(score);
}

/// [true, predicted] counts.
inline xt::xtensor<std::int64_t, 2> confusion_matrix(std::span<const std::uint8_t> truth,
                                                     std::span<const int> predicted,
                                                     std::size_t n_classes = 10) {
  require(truth.size() == predicted.size(), "confusion_matrix: ", truth.size(), " labels but ",
          predicted.size(), " predictions");
  xt::xtensor<std::int64_t, 2> m = xt::zeros<std::int64_t>({n_classes, n_classes});
  for (std::size_t e = 0; e < truth.size(); ++e) {
    require(truth[e] < n_classes && predicted[e] >= 0 && std::size_t(predicted[e]) < n_classes,
            "confusion_matrix: class out of range at example ", e);
    ++m(truth[e], predicted[e]);
  }
  return m;
}

inline double accuracy(std::span<const std::uint8_t> truth, std::span<const int> predicted) {
  require(truth.size() == predicted.size() && !truth.empty(), "accuracy: sizes differ or empty");
  std::size_t ok = 0;
  for (std::size_t e = 0; e < truth.size(); ++e) ok += int(truth[e]) == predicted[e];
  return double(ok) / double(truth.size());
}

}  // namespace spiketorch::evaluation
