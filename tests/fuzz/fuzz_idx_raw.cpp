// libFuzzer target: the IDX reader (datasets/idx.hpp) on arbitrary file contents. A refusal is a
// spiketorch::error; anything else (crash, sanitizer report, other exception, hang, huge
// allocation) fails the run. An accepted file must be exactly header + data.
#include <spiketorch/datasets/idx.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <numeric>

#include "fuzz_input_file.hpp"

namespace {

template <class Array>
void check_accepted(const Array& a, std::size_t file_size) {
  const std::size_t count =
      std::accumulate(a.shape().begin(), a.shape().end(), std::size_t{1}, std::multiplies<>());
  spiketorch::fuzz::check(a.size() == count, "array size differs from its shape's product");
  spiketorch::fuzz::check(file_size == 4 + 4 * a.dimension() + count,
                          "an IDX file was accepted whose size is not header + data");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Inputs that start with the gzip magic take the .gz path; fuzz_idx_gzip covers that one.
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) return 0;
  const auto path = spiketorch::fuzz::write_input("input-idx", data, size);
  try {
    check_accepted(spiketorch::read_idx(path), size);
  } catch (const spiketorch::error&) {
  }
  // The fixed-rank readers have their own magic-number check and container type.
  try {
    check_accepted(spiketorch::read_idx_images(path), size);
  } catch (const spiketorch::error&) {
  }
  try {
    check_accepted(spiketorch::read_idx_labels(path), size);
  } catch (const spiketorch::error&) {
  }
  return 0;
}
