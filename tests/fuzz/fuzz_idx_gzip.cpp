// libFuzzer target: the IDX reader's gzip path (datasets/idx.hpp through zlib). The first input
// byte chooses what the rest is:
//   bit 0 clear: the decompressed IDX content, which the harness compresses (bit 1 set: as two
//                gzip members, which zlib reads as one stream), so mutations reach the IDX checks
//                behind the decompression;
//   bit 0 set:   the compressed bytes themselves (after the gzip magic, which is forced so that
//                the reader takes the gzip path), so mutations reach zlib's errors: corrupt and
//                truncated streams, bad checksums, concatenated and trailing data.
// A refusal is a spiketorch::error; anything else fails the run.
#include <spiketorch/datasets/idx.hpp>

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <numeric>
#include <vector>

#include "fuzz_input_file.hpp"

namespace {

void append_gzip_member(std::vector<std::uint8_t>& out, const std::uint8_t* data,
                        std::size_t size) {
  z_stream s{};
  // windowBits 15 + 16: a gzip wrapper, as gzip(1) and data/get_mnist.sh's files have.
  spiketorch::fuzz::check(deflateInit2(&s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK,
                          "deflateInit2 failed");
  const std::size_t start = out.size();
  out.resize(start + deflateBound(&s, static_cast<uLong>(size)) + 32);
  s.next_in = const_cast<Bytef*>(data);
  s.avail_in = static_cast<uInt>(size);
  s.next_out = out.data() + start;
  s.avail_out = static_cast<uInt>(out.size() - start);
  spiketorch::fuzz::check(deflate(&s, Z_FINISH) == Z_STREAM_END, "deflate did not finish");
  out.resize(start + s.total_out);
  deflateEnd(&s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  const std::uint8_t* body = data + 1;
  const std::size_t body_size = size - 1;
  const bool compress_here = (mode & 1) == 0;

  std::vector<std::uint8_t> file;
  if (compress_here) {
    const std::size_t split = (mode & 2) != 0 ? body_size / 2 : body_size;
    append_gzip_member(file, body, split);
    if (split < body_size) append_gzip_member(file, body + split, body_size - split);
  } else {
    file.assign(body, body + body_size);
    if (file.size() < 2) file.resize(2);
    file[0] = 0x1f;
    file[1] = 0x8b;
  }
  const auto path = spiketorch::fuzz::write_input("input-idx.gz", file.data(), file.size());
  try {
    const auto a = spiketorch::read_idx(path);
    const std::size_t count =
        std::accumulate(a.shape().begin(), a.shape().end(), std::size_t{1}, std::multiplies<>());
    spiketorch::fuzz::check(a.size() == count, "array size differs from its shape's product");
    // The harness knows the decompressed length only of what it compressed itself.
    if (compress_here)
      spiketorch::fuzz::check(body_size == 4 + 4 * a.dimension() + count,
                              "a .gz IDX file was accepted whose content is not header + data");
  } catch (const spiketorch::error&) {
  }
  return 0;
}
