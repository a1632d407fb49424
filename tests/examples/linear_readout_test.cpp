// examples/common/linear_readout.hpp: liblinear's logistic regression and linear SVM on sparse
// features, kept as a weight matrix. Checked on data whose best linear classifier is known.
#include "../../examples/common/linear_readout.hpp"

#include <spiketorch/core/random.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <vector>

using spiketorch_examples::linear_readout;
using spiketorch_examples::sparse_rows;

namespace {

// Class c of 3 fires mostly neurons 4c..4c+3 of 12 (shares of the example's spikes), with a
// share `noise` spread over random others: the class is the group holding most of the share.
struct three_groups {
  sparse_rows x;
  std::vector<std::uint8_t> y;
  three_groups(std::size_t n, double noise, std::uint64_t seed) {
    spiketorch::sequential_uniforms u(spiketorch::random_stream(seed, 3), 0, 0);
    for (std::size_t e = 0; e < n; ++e) {
      const auto c = static_cast<std::uint8_t>(e % 3);
      std::vector<double> share(12, 0.0);
      for (int k = 0; k < 4; ++k) share[4 * c + k] += (1 - noise) / 4;
      for (int k = 0; k < 3; ++k) share[static_cast<std::size_t>(u.next() * 12) % 12] += noise / 3;
      for (std::size_t j = 0; j < 12; ++j)
        if (share[j] > 0) x.add(static_cast<spiketorch::index_t>(j), share[j]);
      x.end_row();
      y.push_back(c);
    }
  }
};

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    static std::atomic<int> counter{0};
    path = std::filesystem::temp_directory_path() /
           ("spiketorch-readout-" + std::to_string(std::random_device{}()) + "-" +
            std::to_string(counter++));
    std::filesystem::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// A checkpoint holding only `r` (and whatever `edit` adds before it is published).
template <class Edit>
std::filesystem::path write_checkpoint(const temp_dir& t, const linear_readout& r, Edit edit) {
  const auto dir = t.path / "ckpt";
  spiketorch::checkpoint_writer w(dir);
  edit(w, r);
  w.commit();
  return dir;
}

double accuracy(const linear_readout& r, const three_groups& d) {
  std::size_t right = 0;
  for (std::size_t e = 0; e < d.x.size(); ++e) right += r.predict(d.x, e) == d.y[e];
  return double(right) / double(d.x.size());
}

}  // namespace

TEST_CASE("linear_readout: logistic regression and SVM separate spike shares by group",
          "[examples][readout]") {
  const three_groups fit(600, 0.4, 1), held_out(300, 0.4, 2);
  for (auto how : {linear_readout::kind::logistic, linear_readout::kind::svm}) {
    const auto r = linear_readout::train(fit.x, fit.y, 12, 10.0, how);
    CHECK(r.n_functions() == 3);
    CHECK(r.classes.size() == 3);
    CHECK(r.w.size() == 13 * 3);
    // Noise 0.4 over 3 of 12 neurons never outweighs a group's 0.6: separable.
    CHECK(accuracy(r, fit) == 1.0);
    CHECK(accuracy(r, held_out) == 1.0);
  }
  // Labels shuffled against the features: nothing to learn, about a third right.
  three_groups shuffled(900, 0.4, 3);
  for (std::size_t e = 0; e < shuffled.y.size(); ++e)
    shuffled.y[e] = static_cast<std::uint8_t>((e * 7 / 3) % 3);
  const auto r =
      linear_readout::train(shuffled.x, shuffled.y, 12, 10.0, linear_readout::kind::logistic);
  CHECK(accuracy(r, held_out) < 0.6);
}

TEST_CASE("linear_readout: binary features and bad input", "[examples][readout]") {
  // Feature k active <=> class k.
  std::vector<std::vector<spiketorch::index_t>> x;
  std::vector<std::uint8_t> y;
  for (int rep = 0; rep < 30; ++rep)
    for (std::uint8_t c = 0; c < 4; ++c) {
      x.push_back({c});
      y.push_back(c);
    }
  const auto r = linear_readout::train(x, y, 4, 1.0);
  for (spiketorch::index_t c = 0; c < 4; ++c)
    CHECK(r.predict(std::vector<spiketorch::index_t>{c}) == int(c));
  CHECK_THROWS(linear_readout::train(x, std::vector<std::uint8_t>(3, 0), 4, 1.0));
  CHECK_THROWS(linear_readout::train(x, y, 4, 0.0));
  x[0] = {7};  // beyond n_features
  CHECK_THROWS(linear_readout::train(x, y, 4, 1.0));
}

TEST_CASE("linear_readout: a checkpoint keeps it, and refuses one that does not fit",
          "[examples][readout]") {
  const three_groups fit(300, 0.4, 4), held_out(200, 0.4, 5);
  const auto r = linear_readout::train(fit.x, fit.y, 12, 3.0, linear_readout::kind::logistic);
  CHECK(r.C == 3.0);
  using spiketorch_examples::read_readout;
  using spiketorch_examples::write_readout;
  {
    temp_dir t;
    const auto dir = write_checkpoint(t, r, write_readout);
    const auto back = read_readout(spiketorch::checkpoint_reader(dir), 12);
    REQUIRE(back.has_value());
    CHECK(back->C == 3.0);
    CHECK(back->classes == r.classes);
    CHECK(back->w == r.w);  // every double as written
    for (std::size_t e = 0; e < held_out.x.size(); ++e)
      CHECK(back->predict(held_out.x, e) == r.predict(held_out.x, e));
    // Another network's features.
    CHECK_THROWS_AS(read_readout(spiketorch::checkpoint_reader(dir), 13), spiketorch::io_error);
  }
  {
    temp_dir t;  // no readout: none read
    const auto dir = write_checkpoint(t, r, [](auto& w, auto&) { w.set("x", 1.0); });
    CHECK_FALSE(read_readout(spiketorch::checkpoint_reader(dir), 12).has_value());
  }
  {
    temp_dir t;  // a weight that is not a number
    auto bad = r;
    bad.w[5] = std::numeric_limits<double>::quiet_NaN();
    const auto dir = write_checkpoint(t, bad, write_readout);
    CHECK_THROWS_AS(read_readout(spiketorch::checkpoint_reader(dir), 12), spiketorch::io_error);
  }
  {
    temp_dir t;  // one class more than the weights have decision functions for
    const auto dir = write_checkpoint(t, r, [](auto& w, const linear_readout& ro) {
      w.set("readout_features", std::uint64_t(12));
      w.add_array("readout", xt::adapt(ro.w.data(), ro.w.size(), xt::no_ownership(),
                                       std::vector<std::size_t>{13, ro.n_functions()}));
      std::vector<std::int32_t> cls(ro.classes.begin(), ro.classes.end());
      cls.push_back(7);
      w.add_array("readout_classes", xt::adapt(cls.data(), cls.size(), xt::no_ownership(),
                                               std::vector<std::size_t>{cls.size()}));
    });
    CHECK_THROWS_AS(read_readout(spiketorch::checkpoint_reader(dir), 12), spiketorch::io_error);
  }
}

TEST_CASE("linear_readout: fitted to one class, it predicts that class", "[examples][readout]") {
  sparse_rows x;
  for (int e = 0; e < 5; ++e) {
    x.add(static_cast<spiketorch::index_t>(e % 3), 1.0);
    x.end_row();
  }
  const std::vector<std::uint8_t> y(5, 6);
  const auto r = linear_readout::train(x, y, 3, 1.0, linear_readout::kind::logistic);
  REQUIRE(r.classes.size() == 1);
  for (std::size_t e = 0; e < x.size(); ++e) CHECK(r.predict(x, e) == 6);
}
