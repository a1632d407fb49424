// IDX files (the MNIST format), raw or gzip-compressed, and an MNIST loader on top of them. Every
// check is strict (magic, rank, sizes, exact length) because a silently mis-read data set shows up
// only as poor accuracy much later.
#pragma once

#include "spiketorch/config.hpp"

#include <spiketorch/core/errors.hpp>

#include <xtensor/xarray.hpp>
#include <xtensor/xtensor.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#ifdef SPIKETORCH_HAVE_ZLIB
#include <zlib.h>
#endif

namespace spiketorch {

namespace detail {

inline const char* idx_type_name(unsigned code) {
  switch (code) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "int16";
    case 0x0C:
      return "int32";
    case 0x0D:
      return "float32";
    case 0x0E:
      return "float64";
    default:
      return nullptr;
  }
}

inline std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", static_cast<unsigned>(v));
  return buf;
}

/// What stands at `path` where an IDX file is expected.
struct idx_path_status {
  bool missing = false;  ///< nothing there (not even a dangling symlink)
  std::string problem;   ///< empty for a regular file, else what it is ("is a directory, ...")
};

/// Looks at `path` (following symlinks) without opening it: opening a FIFO would block until
/// some other process wrote to it, and a directory or a symlink loop would otherwise be reported
/// as a missing file.
inline idx_path_status examine_idx_path(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec == std::errc::too_many_symbolic_link_levels)
    return {false, "is a symlink loop (too many levels of symbolic links), not an IDX file"};
  switch (st.type()) {
    case fs::file_type::regular:
      return {};
    case fs::file_type::not_found: {
      std::error_code link_ec;
      if (fs::is_symlink(fs::symlink_status(path, link_ec)))
        return {false, "is a dangling symlink (its target does not exist)"};
      return {true, "no such file"};
    }
    case fs::file_type::directory:
      return {false, "is a directory, not an IDX file"};
    case fs::file_type::fifo:
      return {false, "is a FIFO (named pipe), not a regular file; an IDX file is expected"};
    case fs::file_type::socket:
      return {false, "is a socket, not a regular file; an IDX file is expected"};
    case fs::file_type::block:
    case fs::file_type::character:
      return {false, "is a device, not a regular file; an IDX file is expected"};
    default:
      if (ec) return {false, concat("cannot be examined: ", ec.message())};
      return {false, "is not a regular file; an IDX file is expected"};
  }
}

/// A byte source over a raw or gzip-compressed file, chosen by the gzip magic bytes rather than
/// the file name so that a renamed or decompressed-in-place file still reads.
///
/// Compressed files are inflated here rather than with zlib's gzread: gzread skips whatever
/// follows the last gzip member without a word, where a raw file with trailing bytes is refused.
/// Like gzip itself, this reads concatenated members as one stream; unlike gzip (which warns
/// and exits with status 2) it refuses anything else after them.
class idx_input {
 public:
  explicit idx_input(const std::filesystem::path& path) : path_(path) {
    std::error_code ec;
    if (const auto st = examine_idx_path(path); !st.problem.empty())
      throw io_error(concat(path.string(), st.missing ? ": " : " ", st.problem));
    raw_size_ = std::filesystem::file_size(path, ec);
    if (ec) throw io_error(concat(path.string(), ": cannot read: ", ec.message()));
    file_.open(path, std::ios::binary);
    if (!file_) throw io_error(concat(path.string(), ": cannot open for reading"));
    unsigned char magic[2] = {0, 0};
    file_.read(reinterpret_cast<char*>(magic), 2);
    gzip_ = file_.gcount() == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    file_.clear();
    file_.seekg(0);
    if (gzip_) {
#ifdef SPIKETORCH_HAVE_ZLIB
      in_.resize(std::size_t{1} << 17);
      // 16 + MAX_WBITS: a gzip header and trailer (CRC and length checked), not zlib's format.
      if (inflateInit2(&z_, 16 + MAX_WBITS) != Z_OK)
        throw io_error(concat(path.string(), ": cannot start gzip decompression"));
      z_open_ = true;
#else
      throw io_error(concat(path.string(),
                            ": file is gzip-compressed but SpikeTorch was built without zlib "
                            "(define SPIKETORCH_HAVE_ZLIB and link -lz, or gunzip the file)"));
#endif
    }
  }

  idx_input(const idx_input&) = delete;
  idx_input& operator=(const idx_input&) = delete;

  ~idx_input() {
#ifdef SPIKETORCH_HAVE_ZLIB
    if (z_open_) inflateEnd(&z_);
#endif
  }

  bool gzip() const { return gzip_; }
  std::uintmax_t raw_size() const { return raw_size_; }

  /// Reads up to n bytes; fewer only at the end of the data.
  std::size_t read(void* buffer, std::size_t n) {
    auto* out = static_cast<char*>(buffer);
    std::size_t done = 0;
    if (!gzip_) {
      file_.read(out, static_cast<std::streamsize>(n));
      done = static_cast<std::size_t>(file_.gcount());
      if (file_.bad()) throw io_error(concat(path_.string(), ": read error"));
      return done;
    }
#ifdef SPIKETORCH_HAVE_ZLIB
    while (done < n) {
      if (member_done_) {
        if (z_.avail_in < 2) refill();
        if (z_.avail_in == 0) break;  // the end of the last member is the end of the file
        if (z_.avail_in < 2 || z_.next_in[0] != 0x1f || z_.next_in[1] != 0x8b) {
          const std::uintmax_t offset = compressed_read_ - z_.avail_in;
          throw io_error(concat(
              path_.string(), ": trailing bytes after the gzip data: ", raw_size_ - offset,
              " bytes from byte ", offset, " of ", raw_size_, " are not another gzip member"));
        }
        inflateReset(&z_);
        member_done_ = false;
      }
      if (z_.avail_in == 0 && !refill())
        throw io_error(concat(path_.string(),
                              ": truncated gzip stream (the file ends inside it) after ",
                              consumed_ + done, " decompressed bytes"));
      // inflate counts in unsigned int: stay well inside it.
      const auto chunk = static_cast<unsigned>(std::min<std::size_t>(n - done, 1u << 30));
      z_.next_out = reinterpret_cast<Bytef*>(out + done);
      z_.avail_out = chunk;
      const int status = inflate(&z_, Z_NO_FLUSH);
      done += chunk - z_.avail_out;
      if (status == Z_STREAM_END) {
        member_done_ = true;
      } else if (status != Z_OK && status != Z_BUF_ERROR) {
        // Z_BUF_ERROR only means no progress without more input, which the next round reads.
        throw io_error(concat(path_.string(), ": corrupt gzip data: ",
                              z_.msg != nullptr ? z_.msg : "unknown zlib error"));
      }
    }
    consumed_ += done;
#endif
    return done;
  }

 private:
  std::filesystem::path path_;
  std::ifstream file_;
  std::uintmax_t raw_size_ = 0;
  bool gzip_ = false;
#ifdef SPIKETORCH_HAVE_ZLIB
  z_stream z_{};
  bool z_open_ = false;
  bool member_done_ = false;            // a member ended: another may follow, or the end
  std::vector<unsigned char> in_;       // compressed bytes; z_.next_in points into it
  std::uintmax_t compressed_read_ = 0;  // bytes of the file read into in_ so far
  std::uintmax_t consumed_ = 0;         // decompressed bytes returned so far

  /// Keeps the unread compressed bytes and appends more from the file; false at its end.
  bool refill() {
    const std::size_t kept = z_.avail_in;
    if (kept > 0) std::memmove(in_.data(), z_.next_in, kept);
    file_.read(reinterpret_cast<char*>(in_.data() + kept),
               static_cast<std::streamsize>(in_.size() - kept));
    const auto got = static_cast<std::size_t>(file_.gcount());
    if (file_.bad()) throw io_error(concat(path_.string(), ": read error"));
    compressed_read_ += got;
    z_.next_in = in_.data();
    z_.avail_in = static_cast<uInt>(kept + got);
    return got > 0;
  }
#endif
};

/// Reads an unsigned-byte IDX file into `Container` (xtensor of fixed rank, or xarray).
/// `want_rank` 0 accepts any rank; otherwise the magic number must be exactly 0x000008<rank>.
template <class Container>
Container read_idx_as(const std::filesystem::path& path, unsigned want_rank, const char* what) {
  const std::string name = path.string();
  idx_input in(path);
  const char* after = in.gzip() ? " after decompression" : "";

  unsigned char magic[4];
  const std::size_t got_magic = in.read(magic, 4);
  if (got_magic < 4)
    throw io_error(concat(name, ": too short for an IDX file (", got_magic, " bytes", after, ")"));
  const std::uint32_t magic_value = (std::uint32_t{magic[0]} << 24) |
                                    (std::uint32_t{magic[1]} << 16) |
                                    (std::uint32_t{magic[2]} << 8) | magic[3];
  if (magic[0] != 0 || magic[1] != 0 || idx_type_name(magic[2]) == nullptr)
    throw io_error(concat(name, ": bad magic number ", hex32(magic_value), ": not an IDX file"));
  if (magic[2] != 0x08)
    throw io_error(concat(name, ": unsupported IDX data type ", idx_type_name(magic[2]),
                          " (magic number ", hex32(magic_value),
                          "); only unsigned byte (0x08) is supported"));
  const unsigned rank = magic[3];
  if (rank == 0)
    throw io_error(concat(name, ": bad magic number ", hex32(magic_value), ": zero dimensions"));
  if (want_rank != 0 && rank != want_rank)
    throw io_error(concat(name, ": wrong magic number ", hex32(magic_value), ": expected ",
                          hex32(0x0800u | want_rank), " (", what, ", ", want_rank, "-D), got a ",
                          rank, "-D file"));

  std::vector<unsigned char> dim_bytes(4 * rank);
  const std::size_t got_dims = in.read(dim_bytes.data(), dim_bytes.size());
  if (got_dims < dim_bytes.size())
    throw io_error(concat(name, ": truncated header: ", rank, " dimensions need ",
                          4 + dim_bytes.size(), " bytes, got ", 4 + got_dims, after));
  std::vector<std::size_t> shape(rank);
  std::size_t count = 1;
  for (unsigned d = 0; d < rank; ++d) {
    const unsigned char* p = dim_bytes.data() + 4 * d;
    // IDX stores sizes big-endian, unlike most formats on the machines that read it.
    shape[d] = (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) |
               std::size_t{p[3]};
    if (shape[d] == 0) throw io_error(concat(name, ": dimension ", d, " has size 0"));
    if (count > std::numeric_limits<std::size_t>::max() / shape[d])
      throw io_error(concat(name, ": dimensions overflow the address space"));
    count *= shape[d];
  }

  const std::size_t header = 4 + 4 * std::size_t{rank};
  const std::uintmax_t expected = header + count;
  auto size_error = [&](const char* kind, std::uintmax_t got) {
    return io_error(concat(name, ": ", kind, ": expected ", expected, " bytes (", header,
                           "-byte header + ", count, " bytes of data), got ", got, after));
  };

  Container result;
  if (!in.gzip()) {
    // The size is known up front: reject a bad file before allocating what its header claims.
    if (in.raw_size() < expected) throw size_error("truncated", in.raw_size());
    if (in.raw_size() > expected) throw size_error("trailing bytes", in.raw_size());
    result = Container::from_shape(shape);
    if (in.read(result.data(), count) != count) throw size_error("truncated", header);
    return result;
  }

  // Compressed: the true length is only known by decompressing, so grow a buffer as data arrives
  // instead of trusting the header with a possibly huge allocation.
  std::vector<std::uint8_t> buffer;
  buffer.reserve(std::min<std::size_t>(count, std::size_t{64} << 20));
  constexpr std::size_t chunk = std::size_t{1} << 20;
  while (buffer.size() < count) {
    const std::size_t old = buffer.size();
    const std::size_t want = std::min(chunk, count - old);
    buffer.resize(old + want);
    const std::size_t got = in.read(buffer.data() + old, want);
    buffer.resize(old + got);
    if (got < want) throw size_error("truncated", header + buffer.size());
  }
  std::uintmax_t extra = 0;
  std::array<unsigned char, 4096> sink;
  for (std::size_t got; (got = in.read(sink.data(), sink.size())) > 0;) extra += got;
  if (extra > 0) throw size_error("trailing bytes", expected + extra);

  result = Container::from_shape(shape);
  std::copy(buffer.begin(), buffer.end(), result.data());
  return result;
}

inline std::filesystem::path find_mnist_file(const std::filesystem::path& dir,
                                             const std::string& base) {
  // The raw file wins when both exist: it is what someone who decompressed by hand meant to use.
  // Something else under either name (a directory, a FIFO, a symlink loop) is reported as what
  // it is, not as a missing file, and never falls through to the other name.
  for (const std::filesystem::path& p : {dir / base, dir / (base + ".gz")}) {
    const idx_path_status st = examine_idx_path(p);
    if (st.problem.empty()) return p;
    if (!st.missing)
      throw io_error(concat("MNIST directory '", dir.string(), "': ", p.string(), " ", st.problem));
  }
  throw io_error(concat("MNIST directory '", dir.string(), "' has neither ", base, " nor ", base,
                        ".gz; run data/get_mnist.sh (or data/get_mnist.sh --dest ", dir.string(),
                        ") to download MNIST"));
}

}  // namespace detail

/// Reads an unsigned-byte IDX file of any rank.
inline xt::xarray<std::uint8_t> read_idx(const std::filesystem::path& path) {
  return detail::read_idx_as<xt::xarray<std::uint8_t>>(path, 0, "any rank");
}

/// Reads an image file (magic 0x00000803): shape (count, rows, cols).
inline xt::xtensor<std::uint8_t, 3> read_idx_images(const std::filesystem::path& path) {
  return detail::read_idx_as<xt::xtensor<std::uint8_t, 3>>(path, 3, "unsigned-byte images");
}

/// Reads a label file (magic 0x00000801): shape (count).
inline xt::xtensor<std::uint8_t, 1> read_idx_labels(const std::filesystem::path& path) {
  return detail::read_idx_as<xt::xtensor<std::uint8_t, 1>>(path, 1, "unsigned-byte labels");
}

/// Writes an unsigned-byte IDX file (magic 0x000008<rank>). A name ending in ".gz" is written
/// gzip-compressed when zlib is available. Meant for fixtures and exporting small data sets.
inline void write_idx(const std::filesystem::path& path, const xt::xarray<std::uint8_t>& data) {
  const std::size_t rank = data.dimension();
  require(rank >= 1 && rank <= 255, "write_idx: ", path.string(), ": rank must be 1..255, got ",
          rank);
  std::vector<unsigned char> header{0, 0, 0x08, static_cast<unsigned char>(rank)};
  for (std::size_t d : data.shape()) {
    require(d > 0 && d <= std::numeric_limits<std::uint32_t>::max(), "write_idx: ", path.string(),
            ": dimension sizes must be in 1..2^32-1, got ", d);
    for (int shift = 24; shift >= 0; shift -= 8)
      header.push_back(static_cast<unsigned char>((d >> shift) & 0xff));
  }
  // xarray is row-major, the IDX order, so its buffer can be written as is.
  const auto* bytes = data.data();
  const std::size_t n = data.size();

  if (path.extension() == ".gz") {
#ifdef SPIKETORCH_HAVE_ZLIB
    gzFile gz = gzopen(path.string().c_str(), "wb");
    if (gz == nullptr) throw io_error(detail::concat(path.string(), ": cannot open for writing"));
    bool ok = gzwrite(gz, header.data(), static_cast<unsigned>(header.size())) ==
              static_cast<int>(header.size());
    for (std::size_t off = 0; ok && off < n;) {
      const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - off, 1u << 30));
      ok = gzwrite(gz, bytes + off, chunk) == static_cast<int>(chunk);
      off += chunk;
    }
    if (gzclose(gz) != Z_OK) ok = false;
    if (!ok) throw io_error(detail::concat(path.string(), ": write failed"));
    return;
#else
    throw io_error(
        detail::concat(path.string(), ": cannot write .gz: SpikeTorch was built without zlib"));
#endif
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw io_error(detail::concat(path.string(), ": cannot open for writing"));
  out.write(reinterpret_cast<const char*>(header.data()),
            static_cast<std::streamsize>(header.size()));
  out.write(reinterpret_cast<const char*>(bytes), static_cast<std::streamsize>(n));
  out.close();
  if (!out) throw io_error(detail::concat(path.string(), ": write failed"));
}

/// One MNIST split: images (count, 28, 28) with values 0..255 and labels (count) in 0..9.
struct mnist_split {
  xt::xtensor<std::uint8_t, 3> images;
  xt::xtensor<std::uint8_t, 1> labels;
};

/// Loads the "train" (60000) or "test" (10000) split from `dir`, which holds the standard file
/// names, raw or with ".gz". `limit` > 0 keeps only the first `limit` examples (all of them when
/// the split is smaller). `pixels` > 0 is the input size of the model the images are for: a
/// valid IDX file of another image shape (20x20, 32x32) is refused here, naming the file, since
/// a model reads `pixels` bytes per example and would run past the end of the set or train on
/// misaligned images.
inline mnist_split load_mnist(const std::filesystem::path& dir, std::string_view split,
                              std::size_t limit = 0, std::size_t pixels = 0) {
  require(split == "train" || split == "test",
          "load_mnist: split must be \"train\" or \"test\", got \"", split, "\"");
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw io_error(detail::concat("MNIST directory '", dir.string(),
                                  "' does not exist; run data/get_mnist.sh to download MNIST "
                                  "into data/mnist (or pass the directory that holds it)"));
  const std::string prefix = split == "train" ? "train" : "t10k";
  const auto image_path = detail::find_mnist_file(dir, prefix + "-images-idx3-ubyte");
  const auto label_path = detail::find_mnist_file(dir, prefix + "-labels-idx1-ubyte");

  mnist_split s{read_idx_images(image_path), read_idx_labels(label_path)};
  if (pixels > 0 && s.images.shape(1) * s.images.shape(2) != pixels) {
    const auto side = static_cast<std::size_t>(std::llround(std::sqrt(double(pixels))));
    const std::string expected =
        side * side == pixels ? detail::concat(side, "x", side, " (", pixels, " pixels)")
                              : detail::concat(pixels, " pixels");
    throw io_error(detail::concat(image_path.string(), ": images are ", s.images.shape(1), "x",
                                  s.images.shape(2), " (", s.images.shape(1) * s.images.shape(2),
                                  " pixels), the model expects ", expected, " per image"));
  }
  const std::size_t n_images = s.images.shape(0), n_labels = s.labels.shape(0);
  if (n_images != n_labels)
    throw io_error(detail::concat("MNIST ", split, " split: ", image_path.string(), " holds ",
                                  n_images, " images but ", label_path.string(), " holds ",
                                  n_labels, " labels"));
  for (std::size_t i = 0; i < n_labels; ++i)
    if (s.labels(i) > 9)
      throw io_error(detail::concat(label_path.string(), ": label ", int(s.labels(i)), " at index ",
                                    i, " is outside 0..9"));

  if (limit > 0 && limit < n_images) {
    const std::size_t pixels = s.images.shape(1) * s.images.shape(2);
    mnist_split head{
        xt::xtensor<std::uint8_t, 3>::from_shape({limit, s.images.shape(1), s.images.shape(2)}),
        xt::xtensor<std::uint8_t, 1>::from_shape({limit})};
    std::copy_n(s.images.data(), limit * pixels, head.images.data());
    std::copy_n(s.labels.data(), limit, head.labels.data());
    return head;
  }
  return s;
}

}  // namespace spiketorch
