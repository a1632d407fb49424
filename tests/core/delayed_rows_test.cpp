// stages::scatter_rows_delayed (step/delayed_rows.hpp) against the spike-by-spike loop it
// replaces: the same floats in every slot of the ring. The weights mix magnitudes (1e7 and
// 0.3), so adding any target's spikes in another order, or missing one, changes the bits.
#include <spiketorch/core/delay_ring.hpp>
#include <spiketorch/core/random.hpp>
#include <spiketorch/step/delayed_rows.hpp>

#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

using namespace spiketorch;

namespace {

struct dense_rows {
  std::size_t n_post;
  std::size_t row_begin(index_t i) const { return std::size_t(i) * n_post; }
};

struct spikes {
  std::vector<index_t> ids;
  std::uint32_t size = 0;
  auto begin() const { return ids.begin(); }
  auto end() const { return ids.end(); }
};

}  // namespace

TEST_CASE("scatter_rows_delayed: the same ring as the spike-by-spike loop", "[core][delay_ring]") {
  const std::size_t n_pre = 40;
  for (std::size_t n_post :
       {std::size_t(1), std::size_t(63), std::size_t(700), std::size_t(6400)}) {
    for (std::size_t max_delay : {std::size_t(0), std::size_t(20), std::size_t(200)}) {
      INFO(n_post << " targets, delays 0.." << max_delay);
      sequential_uniforms u(random_stream(n_post, max_delay), 0, 0);
      std::vector<real> w(n_pre * n_post);
      std::vector<delays::steps_t> d(n_pre * n_post);
      for (std::size_t k = 0; k < w.size(); ++k) {
        w[k] = u.next() < 0.1f ? 1e7f * u.next() : 0.3f * u.next();
        d[k] = static_cast<delays::steps_t>(u.next() * (max_delay + 1)) % (max_delay + 1);
      }
      delay_ring blocked(max_delay, n_post), reference(max_delay, n_post);
      const dense_rows rows{n_post};
      // Steps with no spike, one, several, and one source twice; each over the whole range
      // and over a share that starts and ends inside a block.
      const std::vector<std::vector<index_t>> steps = {
          {}, {3}, {0, 39, 7, 12, 5}, {9, 9, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}};
      for (std::size_t round = 0; round < 3 * steps.size(); ++round) {
        const spikes pre{steps[round % steps.size()],
                         static_cast<std::uint32_t>(steps[round % steps.size()].size())};
        const std::size_t lo = round % 2 ? n_post / 3 : 0,
                          hi = round % 2 ? n_post - n_post / 5 : n_post;
        stages::scatter_rows_delayed(rows, pre, d.data(), w.data(), blocked.view(host_map{}), lo,
                                     hi);
        const delay_ring_view r = reference.view(host_map{});
        for (index_t i : pre.ids)
          for (std::size_t j = lo; j < hi; ++j)
            r.data[r.offsets[d[i * n_post + j]] + j] += w[i * n_post + j];
        REQUIRE(std::memcmp(blocked.data(), reference.data(),
                            blocked.slots() * n_post * sizeof(real)) == 0);
        blocked.advance();
        reference.advance();
      }
      // The test sees the ring: something arrived in some slot.
      bool any = false;
      for (std::size_t x = 0; x < blocked.slots() * n_post; ++x) any |= blocked.data()[x] != 0;
      CHECK((any || max_delay == 0));
    }
  }
}

TEST_CASE("targets_per_ring_block: about 16 KiB of ring, whole vectors, at least 64",
          "[core][delay_ring]") {
  CHECK(stages::targets_per_ring_block(21) == 192);  // 21 × 192 × 4 = 16,128 bytes
  CHECK(stages::targets_per_ring_block(1) == 4096);
  CHECK(stages::targets_per_ring_block(256) == 64);
  for (std::size_t s = 1; s <= 256; ++s) CHECK(stages::targets_per_ring_block(s) % 16 == 0);
}
