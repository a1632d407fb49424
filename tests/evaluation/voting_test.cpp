// Confidence weighting and n-gram voting (evaluation/voting.hpp) on hand-made responses whose
// answers are worked out by hand; in particular cases where they differ from all-activity and
// proportion weighting, so that a scheme that fell back to another one would fail.
#include <spiketorch/evaluation/voting.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

using namespace spiketorch;
using namespace spiketorch::evaluation;

namespace {
// 3 neurons, 2 classes, assigned by hand:
//   n0: label 0, proportions 0.6 / 0.4   (fires for both classes)
//   n1: label 1, proportions 0.1 / 0.9
//   n2: label 1, proportions 0.45 / 0.55 (barely prefers 1)
label_assignment hand_assignment() {
  label_assignment a;
  a.n_classes = 2;
  a.labels = {0, 1, 1};
  a.proportions = {{0.6, 0.4}, {0.1, 0.9}, {0.45, 0.55}};
  return a;
}
}  // namespace

TEST_CASE("confidence weighting: every neuron votes for every class by its proportions",
          "[evaluation]") {
  const auto a = hand_assignment();
  // counts 2, 0, 4: class 0 gets 2·0.6 + 4·0.45 = 3.0, class 1 gets 2·0.4 + 4·0.55 = 3.0: a tie,
  // which goes to the higher class.
  CHECK(classify_confidence(std::vector<std::uint32_t>{2, 0, 4}, a) == 1);
  // counts 3, 0, 4: class 0 1.8 + 1.8 = 3.6, class 1 1.2 + 2.2 = 3.4 -> 0.
  CHECK(classify_confidence(std::vector<std::uint32_t>{3, 0, 4}, a) == 0);
  // counts 1, 0, 3: class 0 0.6 + 1.35 = 1.95, class 1 0.4 + 1.65 = 2.05 -> 1.
  CHECK(classify_confidence(std::vector<std::uint32_t>{1, 0, 3}, a) == 1);
  // counts 4, 1, 2: all-activity: class 0 4, class 1 1.5 -> 0; confidence: 2.4 + 0.1 + 0.9 = 3.4
  // vs 1.6 + 0.9 + 1.1 = 3.6 -> 1. The schemes differ here.
  const std::vector<std::uint32_t> differs{4, 1, 2};
  CHECK(classify_all_activity(differs, a) == 0);
  CHECK(classify_confidence(differs, a) == 1);
  // An unassigned neuron does not vote, whatever its proportions say.
  auto b = a;
  b.labels[2] = -1;
  CHECK(classify_confidence(std::vector<std::uint32_t>{1, 0, 3}, b) == 0);
}

TEST_CASE("confidence weighting refuses an assignment of another size", "[evaluation]") {
  CHECK_THROWS_WITH(classify_confidence(std::vector<std::uint32_t>{1, 2}, hand_assignment()),
                    Catch::Contains("2 spike counts for 3 assigned neurons"));
}

TEST_CASE("n-gram votes: counts of runs of n spikes per class, summed over an example's runs",
          "[evaluation]") {
  ngram_votes v(2, 5, 3);
  // Class 0 examples fire 0 1 2; class 1 fire 2 1; class 2 fire 0 1 and 3 4.
  v.learn(std::vector<index_t>{0, 1, 2}, 0);  // runs (0,1) (1,2)
  v.learn(std::vector<index_t>{0, 1, 2}, 0);
  v.learn(std::vector<index_t>{2, 1}, 1);        // (2,1)
  v.learn(std::vector<index_t>{0, 1, 3, 4}, 2);  // (0,1) (1,3) (3,4)
  CHECK(v.size() == 5);
  // (0,1): class 0 2, class 2 1 -> 0.
  CHECK(v.classify(std::vector<index_t>{0, 1}) == 0);
  // Order matters: (1,0) was never seen, (2,1) was, for class 1.
  CHECK(v.classify(std::vector<index_t>{1, 0}) == -1);
  CHECK(v.classify(std::vector<index_t>{2, 1}) == 1);
  // (0,1) + (1,3) + (3,4): class 0 2, class 2 1 + 1 + 1 = 3 -> 2, though all its spikes are also
  // class 0's first ones.
  CHECK(v.classify(std::vector<index_t>{0, 1, 3, 4}) == 2);
  // Fewer than n spikes: no run, no vote.
  CHECK(v.classify(std::vector<index_t>{3}) == -1);
  CHECK(v.classify(std::vector<index_t>{}) == -1);
}

TEST_CASE("n-gram votes of n = 1 are spike counts per class; n = 3 keys keep the order",
          "[evaluation]") {
  ngram_votes one(1, 4, 2);
  one.learn(std::vector<index_t>{0, 0, 1}, 0);
  one.learn(std::vector<index_t>{1, 1, 1}, 1);
  // Neuron 1: class 0 once, class 1 three times; neuron 0: class 0 twice. 0 1 1 -> 2 + 1 + 1 = 4
  // for class 0, 3 + 3 = 6 for class 1.
  CHECK(one.classify(std::vector<index_t>{0, 1, 1}) == 1);
  CHECK(one.classify(std::vector<index_t>{0}) == 0);
  ngram_votes three(3, 4, 2);
  three.learn(std::vector<index_t>{1, 2, 3}, 1);
  CHECK(three.classify(std::vector<index_t>{1, 2, 3}) == 1);
  CHECK(three.classify(std::vector<index_t>{3, 2, 1}) == -1);
  CHECK(three.classify(std::vector<index_t>{1, 2}) == -1);
}

TEST_CASE("n-gram votes refuse bad arguments, naming them", "[evaluation]") {
  CHECK_THROWS_WITH(ngram_votes(0, 10), Catch::Contains("n must be in 1..3, got 0"));
  CHECK_THROWS_WITH(ngram_votes(4, 10), Catch::Contains("n must be in 1..3, got 4"));
  CHECK_THROWS_WITH(ngram_votes(2, std::size_t(1) << 21), Catch::Contains("below 2^21"));
  ngram_votes v(2, 5, 3);
  CHECK_THROWS_WITH(v.learn(std::vector<index_t>{0, 1}, 3),
                    Catch::Contains("label 3 outside 0..2"));
  CHECK_THROWS_WITH(v.learn(std::vector<index_t>{0, 5}, 0),
                    Catch::Contains("neuron 5 outside 0..4"));
  CHECK_THROWS_WITH(v.classify(std::vector<index_t>{7, 1}), Catch::Contains("neuron 7 outside"));
}
