// core/: Philox known answers, uniform conversions, stream addressing, the delay ring, SoA
// storage and the error helpers.
#include <spiketorch/core/errors.hpp>
#include <spiketorch/core/random.hpp>
#include <spiketorch/core/delay_ring.hpp>
#include <spiketorch/core/soa.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

using namespace spiketorch;
using Catch::Matchers::Contains;

TEST_CASE("philox4x32-10 matches the Random123 known-answer vectors", "[core][random]") {
  // Random123 kat_vectors: counter (4 words), key (2 words, low word first) -> output.
  struct kat {
    std::uint32_t ctr[4], key[2], out[4];
  };
  const kat cases[] = {
      {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
       {0xffffffff, 0xffffffff},
       {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
       {0xa4093822, 0x299f31d0},
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  };
  for (const auto& c : cases) {
    const std::uint64_t key = std::uint64_t(c.key[0]) | (std::uint64_t(c.key[1]) << 32);
    const auto r = philox4x32({{c.ctr[0], c.ctr[1], c.ctr[2], c.ctr[3]}}, key);
    for (int w = 0; w < 4; ++w) CHECK(r.c[w] == c.out[w]);
  }
}

TEST_CASE("uniform conversions: [0, 1) and (0, 1], 24-bit resolution", "[core][random]") {
  CHECK(uniform01(0u) == 0.0f);
  CHECK(uniform01(0xffffffffu) < 1.0f);
  CHECK(uniform01(0xffffffffu) == 1.0f - std::ldexp(1.0f, -24));
  CHECK(uniform01(0x000000ffu) == 0.0f);  // the low 8 bits are dropped
  CHECK(uniform01_open_low(0u) > 0.0f);
  CHECK(uniform01_open_low(0u) == std::ldexp(1.0f, -24));
  CHECK(uniform01_open_low(0xffffffffu) == 1.0f);
  CHECK(std::isfinite(std::log(uniform01_open_low(0u))));
}

TEST_CASE("random_stream: draws are a function of (seed, stream, coordinates)", "[core][random]") {
  const random_stream a(42, 7), b(42, 7), other_seed(43, 7), other_stream(42, 8);
  CHECK(a.uniform(1, 2, 3) == b.uniform(1, 2, 3));
  CHECK(a.uniform(1, 2, 3) != a.uniform(1, 2, 4));
  CHECK(a.uniform(1, 2, 3) != other_seed.uniform(1, 2, 3));
  CHECK(a.uniform(1, 2, 3) != other_stream.uniform(1, 2, 3));
  CHECK(a.seed() == 42);
  CHECK(a.id() == 7);
  // Mean and variance of many draws: uniform on [0, 1): 1/2 and 1/12, 4 standard errors.
  const std::size_t n = 100000;
  double sum = 0, sq = 0;
  sequential_uniforms u(a, 0, 0);
  std::set<float> distinct;
  for (std::size_t k = 0; k < n; ++k) {
    const double x = u.next();
    REQUIRE(x >= 0.0);
    REQUIRE(x < 1.0);
    sum += x;
    sq += x * x;
    if (k < 1000) distinct.insert(float(x));
  }
  const double mean = sum / n, var = sq / n - mean * mean;
  CHECK(std::abs(mean - 0.5) <= 4 * std::sqrt(1.0 / 12 / n));
  CHECK(std::abs(var - 1.0 / 12) <= 4 * std::sqrt(1.0 / 180 / n));  // var of (x - 1/2)^2 is 1/180
  CHECK(distinct.size() == 1000);  // no repeats among the first draws
  // sequential_uniforms reads consecutive counters of (a, b), four words each.
  sequential_uniforms s(a, 3, 4);
  const auto block0 = a.uniform4(3, 4, 0), block1 = a.uniform4(3, 4, 1);
  for (int k = 0; k < 4; ++k) CHECK(s.next() == block0[k]);
  for (int k = 0; k < 4; ++k) CHECK(s.next() == block1[k]);
}

TEST_CASE("delay_ring: row(d) is the slot d steps ahead; advance zeroes the slot left",
          "[core][ring_buffer]") {
  delay_ring ring(3, 2);  // delays 0..3, two targets
  REQUIRE(ring.slots() == 4);
  REQUIRE(ring.width() == 2);
  ring.row(0)[0] = 1.0f;
  ring.row(1)[1] = 2.0f;
  ring.row(3)[0] = 4.0f;
  ring.advance();
  CHECK(ring.row(0)[0] == 0.0f);  // the slot left behind was cleared ...
  CHECK(ring.row(0)[1] == 2.0f);  // ... and what was one step ahead is now due
  CHECK(ring.row(2)[0] == 4.0f);
  CHECK(ring.row(3)[0] == 0.0f);  // the old slot 0, cleared, now collects step t + 3
  CHECK(ring.row(3)[1] == 0.0f);
  ring.advance();
  ring.advance();
  CHECK(ring.row(0)[0] == 4.0f);  // 3 steps after it was scheduled
  // Offsets address the same memory as row().
  for (std::size_t d = 0; d < 4; ++d) CHECK(ring.data() + ring.offsets()[d] == ring.row(d));
  // Copies are independent (offsets, not pointers).
  delay_ring copy = ring;
  copy.row(0)[0] = 9.0f;
  CHECK(ring.row(0)[0] == 4.0f);
  ring.clear();
  for (std::size_t d = 0; d < 4; ++d) CHECK(ring.row(d)[0] == 0.0f);
  // Delay 0 only: one slot, advance clears it.
  delay_ring zero(0, 1);
  zero.row(0)[0] = 1.0f;
  zero.advance();
  CHECK(zero.row(0)[0] == 0.0f);
}

TEST_CASE("soa_block: field-major storage, element views with stride", "[core][soa]") {
  soa_block b(3, 5);
  CHECK(b.fields() == 3);
  CHECK(b.size() == 5);
  for (std::size_t i = 0; i < 5; ++i)
    for (std::size_t f = 0; f < 3; ++f) b.at(i)[f] = real(10 * f + i);
  for (std::size_t f = 0; f < 3; ++f)
    for (std::size_t i = 0; i < 5; ++i) CHECK(b.field(f)[i] == real(10 * f + i));
  CHECK(b.data()[2 * 5 + 4] == 24.0f);
  CHECK(b.field_span(1).size() == 5);
}

TEST_CASE("errors: require helpers throw invalid_argument naming the value", "[core][errors]") {
  CHECK_THROWS_WITH(require_positive(-2.5, "tau_m_ms"), Contains("tau_m_ms") && Contains("-2.5"));
  CHECK_THROWS_AS(require_positive(0.0, "x"), invalid_argument);
  CHECK_THROWS_AS(require_positive(std::nan(""), "x"), invalid_argument);
  CHECK_THROWS_AS(require_positive(INFINITY, "x"), invalid_argument);
  CHECK_NOTHROW(require_positive(1e-30, "x"));
  CHECK_NOTHROW(require_non_negative(0.0, "x"));
  CHECK_THROWS_AS(require_non_negative(-1e-30, "x"), invalid_argument);
  CHECK_THROWS_AS(require_finite(INFINITY, "x"), invalid_argument);
  CHECK_THROWS_WITH(require(false, "a ", 1, " b ", 2.5), "a 1 b 2.5");
  // invalid_argument and io_error are both spiketorch::error.
  CHECK_THROWS_AS(require(false, "x"), error);
}
