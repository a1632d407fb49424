// libFuzzer target: the .npy reader (io/npy.hpp): the header parser and the loader for every
// element type it supports. A refusal is a spiketorch::error; anything else fails the run. An
// accepted array has the shape its header gives.
#include <spiketorch/io/npy.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_input_file.hpp"

namespace {

template <class T>
void load_as(const std::filesystem::path& path, const spiketorch::npy_header* header) {
  try {
    const auto a = spiketorch::load_npy<T>(path);
    spiketorch::fuzz::check(header != nullptr, "load_npy accepted a file read_npy_header refused");
    spiketorch::fuzz::check(
        std::vector<std::size_t>(a.shape().begin(), a.shape().end()) == header->shape,
        "the loaded array's shape differs from the header's");
  } catch (const spiketorch::error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = spiketorch::fuzz::write_input("input.npy", data, size);
  spiketorch::npy_header header;
  bool have_header = false;
  try {
    header = spiketorch::read_npy_header(path);
    have_header = true;
  } catch (const spiketorch::error&) {
  }
  const spiketorch::npy_header* h = have_header ? &header : nullptr;
  load_as<float>(path, h);
  load_as<double>(path, h);
  load_as<std::int32_t>(path, h);
  load_as<std::int64_t>(path, h);
  load_as<std::uint8_t>(path, h);
  load_as<std::uint32_t>(path, h);
  return 0;
}
