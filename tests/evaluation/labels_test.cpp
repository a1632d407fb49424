// Label assignment, all-activity and proportion-weighting classification, confusion matrix, on
// hand-made counts with answers worked out by hand (exact: small integers and simple fractions,
// compared within 1e-12).
#include <spiketorch/evaluation/labels.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

using namespace spiketorch;
using namespace spiketorch::evaluation;

namespace {
// 6 examples (labels 0 0 1 1 2 2) x 5 neurons, 3 classes.
//   n0 prefers class 0: class means 3, 0.5, 0  -> label 0, proportions 6/7, 1/7, 0
//   n1 prefers class 1: means 0, 4, 1          -> label 1, proportions 0, 0.8, 0.2
//   n2 prefers class 2: means 1, 0, 4          -> label 2, proportions 0.2, 0, 0.8
//   n3 never fires                             -> unassigned (-1), proportions 0
//   n4 ties classes 0 and 1: means 2, 2, 0     -> label 0 (strict maximum, visited from 0)
const std::vector<std::uint8_t> labels{0, 0, 1, 1, 2, 2};
xt::xtensor<std::uint32_t, 2> counts() {
  return {{4, 0, 1, 0, 2}, {2, 0, 1, 0, 2}, {0, 5, 0, 0, 2},
          {1, 3, 0, 0, 2}, {0, 1, 6, 0, 0}, {0, 1, 2, 0, 0}};
}
}  // namespace

TEST_CASE("assign_labels: class of the highest mean count; proportions", "[evaluation]") {
  const auto a = assign_labels(counts(), labels, 3);
  CHECK(a.labels == std::vector<int>{0, 1, 2, -1, 0});
  CHECK(a.n_classes == 3);
  const double expected[5][3] = {{6.0 / 7, 1.0 / 7, 0}, {0, 0.8, 0.2}, {0.2, 0, 0.8}, {0, 0, 0}, {0.5, 0.5, 0}};
  for (std::size_t n = 0; n < 5; ++n)
    for (std::size_t c = 0; c < 3; ++c) {
      INFO("neuron " << n << ", class " << c);
      CHECK(a.proportions(n, c) == Approx(expected[n][c]).margin(1e-12));
    }
}

TEST_CASE("assign_labels: means are per class, not sums (unbalanced classes)", "[evaluation]") {
  // Class 0 has three examples with 2 spikes each (sum 6, mean 2); class 1 one with 3 (mean 3).
  const xt::xtensor<std::uint32_t, 2> c{{2}, {2}, {2}, {3}};
  const std::vector<std::uint8_t> l{0, 0, 0, 1};
  CHECK(assign_labels(c, l, 2).labels == std::vector<int>{1});
}

TEST_CASE("classify: all-activity and proportion weighting", "[evaluation]") {
  const auto a = assign_labels(counts(), labels, 3);
  // All-activity: class 0 = mean(n0, n4) = 0.5, class 1 = n1 = 5, class 2 = n2 = 0; n3 ignored.
  CHECK(classify_all_activity(std::vector<std::uint32_t>{1, 5, 0, 9, 0}, a) == 1);
  // Where they differ: counts n0 = 0, n4 = 5, n2 = 2.
  //   all-activity: class 0 = 2.5, class 2 = 2 -> 0;
  //   proportions:  class 0 = (6/7·0 + 0.5·5)/2 = 1.25, class 2 = 0.8·2 = 1.6 -> 2.
  const std::vector<std::uint32_t> row{0, 0, 2, 0, 5};
  CHECK(classify_all_activity(row, a) == 0);
  CHECK(classify_proportion(row, a) == 2);
  // Ties go to the highest class index (np.argsort(...)[::-1][0]): all zero -> class 2.
  const std::vector<std::uint32_t> silent(5, 0);
  CHECK(classify_all_activity(silent, a) == 2);
  CHECK(classify_proportion(silent, a) == 2);
  // A class with no assigned neuron scores 0: with 4 classes, class 3 is never predicted over a
  // positive score.
  const auto a4 = assign_labels(counts(), labels, 4);
  CHECK(classify_all_activity(std::vector<std::uint32_t>{1, 0, 0, 0, 0}, a4) == 0);
}

TEST_CASE("confusion matrix and accuracy", "[evaluation]") {
  const std::vector<std::uint8_t> truth{0, 1, 2, 2, 1};
  const std::vector<int> predicted{0, 2, 2, 2, 1};
  const auto m = confusion_matrix(truth, predicted, 3);
  const std::int64_t expected[3][3] = {{1, 0, 0}, {0, 1, 1}, {0, 0, 2}};
  for (std::size_t t = 0; t < 3; ++t)
    for (std::size_t p = 0; p < 3; ++p) CHECK(m(t, p) == expected[t][p]);
  CHECK(accuracy(truth, predicted) == Approx(0.8).margin(1e-12));
  const std::vector<int> short_pred{0, 1};
  CHECK_THROWS_AS(confusion_matrix(truth, short_pred, 3), invalid_argument);
  const std::vector<int> out_of_range{0, 1, 3, 2, 1};
  CHECK_THROWS_AS(confusion_matrix(truth, out_of_range, 3), invalid_argument);
  const std::vector<int> negative{0, 1, -1, 2, 1};
  CHECK_THROWS_AS(confusion_matrix(truth, negative, 3), invalid_argument);
  CHECK_THROWS_AS(accuracy(truth, short_pred), invalid_argument);
}

TEST_CASE("assign_labels: inconsistent inputs throw", "[evaluation]") {
  const std::vector<std::uint8_t> too_few{0, 1};
  CHECK_THROWS_AS(assign_labels(counts(), too_few, 3), invalid_argument);
  const std::vector<std::uint8_t> bad_label{0, 0, 1, 1, 2, 3};
  CHECK_THROWS_AS(assign_labels(counts(), bad_label, 3), invalid_argument);
}

TEST_CASE("classify: labels outside -1..n_classes-1 and misshapen proportions are refused",
          "[evaluation]") {
  // Such assignments come from a damaged checkpoint; the classifiers indexed their scores with
  // the label (an out-of-bounds write) and the proportions with (neuron, label).
  const std::vector<std::uint32_t> row{1, 5, 0, 9, 0};
  for (int bad : {3, 10, 42, 2147483647, -2}) {
    auto a = assign_labels(counts(), labels, 3);
    a.labels[1] = bad;
    const std::string label = "neuron 1 is assigned label " + std::to_string(bad);
    CHECK_THROWS_WITH(classify_all_activity(row, a),
                      Catch::Contains(label) && Catch::Contains("outside -1..2"));
    CHECK_THROWS_WITH(classify_proportion(row, a),
                      Catch::Contains(label) && Catch::Contains("outside -1..2"));
  }
  for (const std::array<std::size_t, 2>& shape :
       {std::array<std::size_t, 2>{2, 3}, {5, 2}, {0, 3}, {0, 0}}) {
    auto a = assign_labels(counts(), labels, 3);
    a.proportions = xt::zeros<double>({shape[0], shape[1]});
    CHECK_THROWS_WITH(classify_proportion(row, a),
                      Catch::Contains("proportions are") && Catch::Contains("expected [5, 3]"));
    CHECK(classify_all_activity(row, a) == 1);  // does not use the proportions
  }
  const auto a = assign_labels(counts(), labels, 3);
  CHECK_THROWS_WITH(classify_all_activity(std::vector<std::uint32_t>{1, 5, 0}, a),
                    Catch::Contains("3 spike counts for 5 assigned neurons"));
}
