// The CPU runner's guard against subnormal arithmetic (backend/cpu/flush_subnormals.hpp): inside
// it a product below FLT_MIN is zero and a subnormal operand reads as zero; after it the caller's
// floating-point mode is back, subnormals and all.
#include <catch2/catch.hpp>

#include <cfloat>
#include <cmath>

#include "spiketorch/backend/cpu/flush_subnormals.hpp"

namespace {
// volatile: the compiler must not fold the arithmetic at compile time, where no mode applies.
float product(float a, float b) {
  volatile float x = a, y = b;
  return x * y;
}
}  // namespace

TEST_CASE("subnormals_flushed: subnormal results and operands are zero while it lives", "[core]") {
  const float tiny = FLT_MIN / 4;  // subnormal
  REQUIRE(std::fpclassify(tiny) == FP_SUBNORMAL);
  // Without the guard: gradual underflow, as IEEE 754 asks.
  CHECK(product(FLT_MIN, 0.25f) == tiny);
  CHECK(product(tiny, 2.0f) == FLT_MIN / 2);
  {
    const spiketorch::backend::subnormals_flushed guard;
#if defined(__SSE__) || defined(__x86_64__) || defined(__aarch64__)
    CHECK(product(FLT_MIN, 0.25f) == 0.0f);  // flush to zero
#if defined(__SSE__) || defined(__x86_64__)
    CHECK(product(tiny, 2.0f) == 0.0f);  // denormals are zero (x86)
#endif
#endif
    CHECK(product(FLT_MIN, 2.0f) == 2 * FLT_MIN);  // normal numbers are untouched
  }
  CHECK(product(FLT_MIN, 0.25f) == tiny);
  CHECK(product(tiny, 2.0f) == FLT_MIN / 2);
}

TEST_CASE("subnormals_flushed: nested guards restore the mode of their start", "[core]") {
  {
    const spiketorch::backend::subnormals_flushed outer;
    { const spiketorch::backend::subnormals_flushed inner; }
#if defined(__SSE__) || defined(__x86_64__) || defined(__aarch64__)
    CHECK(product(FLT_MIN, 0.25f) == 0.0f);  // still the outer guard's
#endif
  }
  CHECK(product(FLT_MIN, 0.25f) == FLT_MIN / 4);
}
