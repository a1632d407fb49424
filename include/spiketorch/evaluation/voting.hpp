// Voting schemes past Diehl & Cook's (evaluation/labels.hpp has all-activity and proportion
// weighting), each reading the responses of a frozen labelling pass.
//
// confidence weighting: every neuron that fired in the labelling pass votes for every class in
//   proportion to how it answered that class there: score[c] = sum_n count[n] · p[n, c], with
//   p[n, c] the neuron's class proportions (its mean count per class over the sum of them).
//   A neuron that fires for 4s and 9s alike splits its vote between them instead of giving all
//   of it to one (all-activity) or weighting only its assigned class (proportion weighting).
// n-gram voting (Hazan et al. 2018, "Unsupervised learning with self-organizing spiking neural
//   networks", BindsNET's `ngram`): the excitatory spikes of an example in firing order (neurons
//   of one step by index) are cut into the runs of n consecutive spikes; the labelling pass
//   counts, for each run seen, the examples of every class it occurred in (once per occurrence);
//   an example's score is the sum of the counts of its runs. An example none of whose runs was
//   seen (or with fewer than n spikes) gets no n-gram vote: classify_ngram returns -1 and the
//   caller takes another scheme's class (the MNIST program: all-activity), and counts how often.
// Ties go to the highest class index, as in labels.hpp.
#pragma once

#include "spiketorch/config.hpp"

#include <cmath>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "spiketorch/core/errors.hpp"
#include "spiketorch/evaluation/labels.hpp"

namespace spiketorch::evaluation {

/// Prediction from one example's spike counts by confidence weighting (see above).
template <class CountRow>
int classify_confidence(const CountRow& counts, const label_assignment& a) {
  detail::check_assignment(a, counts.size(), "classify_confidence", true);
  std::vector<double> score(a.n_classes, 0.0);
  for (std::size_t n = 0; n < a.labels.size(); ++n) {
    if (a.labels[n] < 0 || counts[n] == 0) continue;
    for (std::size_t c = 0; c < a.n_classes; ++c)
      score[c] += a.proportions(n, c) * double(counts[n]);
  }
  return detail::argmax_last(score);
}

/// Prediction by likelihood: the class under which the example's counts are most probable if
/// each neuron fired a Poisson number of spikes with its labelling-pass mean for that class:
/// score[c] = sum_n count[n] · log(mean[n, c] + floor) - mean[n, c], over the neurons that fired
/// in the labelling pass. `floor` (spikes per example) keeps a class whose mean is 0 from
/// vetoing a spike outright.
template <class CountRow>
int classify_likelihood(const CountRow& counts, const label_assignment& a, double floor = 0.01) {
  detail::check_assignment(a, counts.size(), "classify_likelihood", false);
  require(a.means.shape(0) == a.labels.size() && a.means.shape(1) == a.n_classes,
          "classify_likelihood: the assignment has no class means (one from assign_labels has)");
  std::vector<double> score(a.n_classes, 0.0);
  for (std::size_t n = 0; n < a.labels.size(); ++n) {
    if (a.labels[n] < 0) continue;
    for (std::size_t c = 0; c < a.n_classes; ++c)
      score[c] += double(counts[n]) * std::log(a.means(n, c) + floor) - a.means(n, c);
  }
  return detail::argmax_last(score);
}

/// The class counts of the spike runs of a labelling pass (see above).
class ngram_votes {
 public:
  /// Runs of n = 1..max_n spikes, of neurons 0..n_neurons-1 (packed into 64-bit keys).
  static constexpr std::size_t max_n = 3;

  ngram_votes(std::size_t n, std::size_t n_neurons, std::size_t n_classes = 10)
      : n_(n), n_neurons_(n_neurons), n_classes_(n_classes) {
    require(n >= 1 && n <= max_n, "ngram_votes: n must be in 1..", max_n, ", got ", n);
    require(n_neurons >= 1 && n_neurons < (std::size_t(1) << bits),
            "ngram_votes: neurons must be numbered below 2^", bits, ", got ", n_neurons);
    require(n_classes >= 1, "ngram_votes: no classes");
  }

  std::size_t n() const { return n_; }
  std::size_t n_classes() const { return n_classes_; }
  /// Distinct runs seen.
  std::size_t size() const { return votes_.size(); }

  /// Counts the runs of one labelling example of class `label`.
  void learn(std::span<const index_t> order, std::uint8_t label) {
    require(label < n_classes_, "ngram_votes: label ", int(label), " outside 0..", n_classes_ - 1);
    for_each_run(order, [&](std::uint64_t key) {
      auto& v = votes_[key];
      if (v.empty()) v.assign(n_classes_, 0);
      ++v[label];
    });
  }

  /// The class with the most votes from the runs of `order`, or -1 when none of them was seen.
  int classify(std::span<const index_t> order) const {
    std::vector<double> score(n_classes_, 0.0);
    bool voted = false;
    for_each_run(order, [&](std::uint64_t key) {
      const auto it = votes_.find(key);
      if (it == votes_.end()) return;
      voted = true;
      for (std::size_t c = 0; c < n_classes_; ++c) score[c] += double(it->second[c]);
    });
    return voted ? detail::argmax_last(score) : -1;
  }

 private:
  static constexpr unsigned bits = 21;

  template <class F>
  void for_each_run(std::span<const index_t> order, F&& f) const {
    for (index_t i : order)
      require(i < n_neurons_, "ngram_votes: neuron ", i, " outside 0..", n_neurons_ - 1);
    if (order.size() < n_) return;
    for (std::size_t s = 0; s + n_ <= order.size(); ++s) {
      std::uint64_t key = 0;
      for (std::size_t k = 0; k < n_; ++k) key = (key << bits) | std::uint64_t(order[s + k]);
      f(key);
    }
  }

  std::size_t n_, n_neurons_, n_classes_;
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> votes_;
};

}  // namespace spiketorch::evaluation
