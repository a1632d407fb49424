// Tests of the IDX reader/writer and the MNIST loader: round trips (raw and gzip), every rejected
// malformation with its message, and the real data set when SPIKETORCH_MNIST_DIR points at it.
#include <spiketorch/datasets/idx.hpp>

#include <catch2/catch.hpp>
#include <xtensor/xview.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#ifdef SPIKETORCH_HAVE_ZLIB
#include <zlib.h>
#endif
#if defined(__unix__) || defined(__APPLE__)
#include <sys/stat.h>
#endif

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using bytes = std::vector<unsigned char>;

namespace {

struct temp_dir {
  fs::path path;
  explicit temp_dir(const std::string& tag) {
    static std::atomic<int> counter{0};
    std::random_device rd;
    path = fs::temp_directory_path() /
           ("spiketorch-idx-" + tag + "-" + std::to_string(rd()) + "-" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path operator/(const std::string& name) const { return path / name; }
};

bytes idx_bytes(std::uint32_t magic, const std::vector<std::uint32_t>& dims, const bytes& payload) {
  bytes b;
  auto put32 = [&](std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<unsigned char>((v >> s) & 0xff));
  };
  put32(magic);
  for (auto d : dims) put32(d);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

bytes ramp(std::size_t n, unsigned offset = 0) {
  bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<unsigned char>((i * 7 + offset) % 256);
  return b;
}

void write_raw(const fs::path& p, const bytes& b) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

bytes read_raw(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return bytes(std::istreambuf_iterator<char>(in), {});
}

#ifdef SPIKETORCH_HAVE_ZLIB
// Written with zlib directly so the reader is not tested only against our own writer.
void write_gz(const fs::path& p, const bytes& b) {
  gzFile f = gzopen(p.c_str(), "wb");
  REQUIRE(f != nullptr);
  if (!b.empty()) REQUIRE(gzwrite(f, b.data(), static_cast<unsigned>(b.size())) == int(b.size()));
  REQUIRE(gzclose(f) == Z_OK);
}
#endif

xt::xarray<std::uint8_t> ramp_array(const std::vector<std::size_t>& shape) {
  auto a = xt::xarray<std::uint8_t>::from_shape(shape);
  for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<std::uint8_t>(i * 7 % 256);
  return a;
}

}  // namespace

TEST_CASE("write_idx/read_idx round trip, raw files", "[idx]") {
  temp_dir dir("raw");
  const auto images = ramp_array({3, 4, 5});
  spiketorch::write_idx(dir / "img", images);
  const auto back = spiketorch::read_idx_images(dir / "img");
  REQUIRE(back.shape(0) == 3);
  REQUIRE(back.shape(1) == 4);
  REQUIRE(back.shape(2) == 5);
  CHECK((back == images));
  // Magic 0x00000803 and big-endian sizes, byte for byte.
  const bytes raw = read_raw(dir / "img");
  REQUIRE(raw.size() == 16 + 60);
  CHECK(bytes(raw.begin(), raw.begin() + 8) == bytes{0, 0, 8, 3, 0, 0, 0, 3});

  const auto labels = ramp_array({9});
  spiketorch::write_idx(dir / "lbl", labels);
  CHECK((spiketorch::read_idx_labels(dir / "lbl") == labels));

  for (const auto& shape : std::vector<std::vector<std::size_t>>{{1}, {2, 3}, {2, 1, 3, 2}}) {
    const auto a = ramp_array(shape);
    spiketorch::write_idx(dir / "any", a);
    CHECK((spiketorch::read_idx(dir / "any") == a));
  }
}

#ifdef SPIKETORCH_HAVE_ZLIB
TEST_CASE("gzip-compressed IDX files are detected by their magic bytes", "[idx]") {
  temp_dir dir("gz");
  const bytes payload = ramp(2 * 3 * 4);
  write_gz(dir / "img.gz", idx_bytes(0x803, {2, 3, 4}, payload));
  const auto img = spiketorch::read_idx_images(dir / "img.gz");
  REQUIRE(img.shape(0) == 2);
  CHECK(std::equal(payload.begin(), payload.end(), img.data()));

  // Detection is by content, not by name.
  fs::copy_file(dir / "img.gz", dir / "img_no_suffix");
  CHECK((spiketorch::read_idx_images(dir / "img_no_suffix") == img));

  // write_idx compresses when the name ends in .gz.
  const auto a = ramp_array({5, 2, 2});
  spiketorch::write_idx(dir / "w.gz", a);
  const bytes w = read_raw(dir / "w.gz");
  REQUIRE(w.size() > 2);
  CHECK((w[0] == 0x1f && w[1] == 0x8b));
  CHECK((spiketorch::read_idx_images(dir / "w.gz") == a));
}
#endif

TEST_CASE("IDX magic numbers and dimensions are validated", "[idx]") {
  temp_dir dir("magic");
  write_raw(dir / "labels", idx_bytes(0x801, {4}, ramp(4)));
  REQUIRE_THROWS_AS(spiketorch::read_idx_images(dir / "labels"), spiketorch::io_error);
  REQUIRE_THROWS_WITH(
      spiketorch::read_idx_images(dir / "labels"),
      Contains("labels") && Contains("wrong magic number 0x00000801") && Contains("0x00000803"));

  write_raw(dir / "zip", bytes{'P', 'K', 3, 4, 0, 0, 0, 0});
  REQUIRE_THROWS_WITH(spiketorch::read_idx_labels(dir / "zip"),
                      Contains("zip") && Contains("bad magic number") && Contains("not an IDX"));

  write_raw(dir / "floats", idx_bytes(0x0D01, {1}, ramp(4)));
  REQUIRE_THROWS_WITH(spiketorch::read_idx_labels(dir / "floats"),
                      Contains("floats") && Contains("unsupported") && Contains("float32"));

  write_raw(dir / "rank0", idx_bytes(0x800, {}, {}));
  REQUIRE_THROWS_WITH(spiketorch::read_idx(dir / "rank0"),
                      Contains("rank0") && Contains("zero dimensions"));

  write_raw(dir / "zero_dim", idx_bytes(0x803, {2, 0, 4}, {}));
  REQUIRE_THROWS_WITH(spiketorch::read_idx_images(dir / "zero_dim"),
                      Contains("zero_dim") && Contains("dimension 1 has size 0"));

  write_raw(dir / "empty", {});
  REQUIRE_THROWS_WITH(spiketorch::read_idx(dir / "empty"),
                      Contains("empty") && Contains("too short"));

  write_raw(dir / "short_header", bytes{0, 0, 8, 3, 0, 0, 0, 2, 0, 0});
  REQUIRE_THROWS_WITH(spiketorch::read_idx_images(dir / "short_header"),
                      Contains("short_header") && Contains("truncated header"));

  REQUIRE_THROWS_WITH(spiketorch::read_idx(dir / "does_not_exist"),
                      Contains("does_not_exist") && Contains("no such file"));
}

TEST_CASE("IDX files must be exactly header + data long", "[idx]") {
  temp_dir dir("length");
  bytes full = idx_bytes(0x803, {10, 4, 4}, ramp(160));
  write_raw(dir / "truncated-images", bytes(full.begin(), full.end() - 10));
  REQUIRE_THROWS_WITH(spiketorch::read_idx_images(dir / "truncated-images"),
                      Contains("truncated-images") && Contains("truncated") &&
                          Contains("expected 176 bytes") && Contains("got 166"));

  bytes longer = full;
  longer.push_back(0);
  write_raw(dir / "long-images", longer);
  REQUIRE_THROWS_WITH(spiketorch::read_idx_images(dir / "long-images"),
                      Contains("long-images") && Contains("trailing bytes") && Contains("got 177"));

#ifdef SPIKETORCH_HAVE_ZLIB
  write_gz(dir / "truncated-images.gz", bytes(full.begin(), full.end() - 10));
  REQUIRE_THROWS_WITH(spiketorch::read_idx_images(dir / "truncated-images.gz"),
                      Contains("truncated-images.gz") && Contains("truncated") &&
                          Contains("got 166") && Contains("decompression"));

  write_gz(dir / "long-images.gz", longer);
  REQUIRE_THROWS_WITH(
      spiketorch::read_idx_images(dir / "long-images.gz"),
      Contains("long-images.gz") && Contains("trailing bytes") && Contains("got 177"));

  // A download cut short: the gzip stream itself ends early.
  write_gz(dir / "whole.gz", idx_bytes(0x803, {50, 20, 20}, ramp(50 * 400)));
  const bytes gz = read_raw(dir / "whole.gz");
  write_raw(dir / "cut.gz", bytes(gz.begin(), gz.begin() + static_cast<long>(gz.size() / 2)));
  REQUIRE_THROWS_WITH(spiketorch::read_idx_images(dir / "cut.gz"),
                      Contains("cut.gz") && Contains("truncated"));
#endif
}

#ifdef SPIKETORCH_HAVE_ZLIB
TEST_CASE("a gzip file ends where its gzip members end", "[idx][gzip]") {
  temp_dir dir("gz-trailing");
  const bytes idx = idx_bytes(0x801, {6}, bytes{1, 2, 3, 4, 5, 6});
  write_gz(dir / "whole.gz", idx);
  const bytes gz = read_raw(dir / "whole.gz");
  auto with_tail = [&](const std::string& name, const bytes& tail) {
    bytes b = gz;
    b.insert(b.end(), tail.begin(), tail.end());
    write_raw(dir / name, b);
    return dir / name;
  };
  // zlib's gzread stops at the end of the last member and ignores what follows; a raw file with
  // trailing bytes is refused, and so is this.
  REQUIRE_THROWS_AS(spiketorch::read_idx_labels(with_tail("garbage.gz", {'j', 'u', 'n', 'k'})),
                    spiketorch::io_error);
  REQUIRE_THROWS_WITH(spiketorch::read_idx_labels(dir / "garbage.gz"),
                      Contains("garbage.gz") && Contains("trailing bytes after the gzip data") &&
                          Contains("4 bytes from byte " + std::to_string(gz.size())));
  // gzip -d passes zero padding silently: still bytes that are not IDX data.
  REQUIRE_THROWS_WITH(
      spiketorch::read_idx_labels(with_tail("zeros.gz", bytes(512, 0))),
      Contains("zeros.gz") && Contains("512 bytes") && Contains("not another gzip member"));
  // One byte of what could be a gzip magic number.
  REQUIRE_THROWS_WITH(spiketorch::read_idx_labels(with_tail("one.gz", {0x1f})),
                      Contains("one.gz") && Contains("trailing bytes"));
  // A raw copy of the file appended, as `cat` would.
  REQUIRE_THROWS_WITH(spiketorch::read_idx_labels(with_tail("cat.gz", idx)),
                      Contains("cat.gz") && Contains("trailing bytes"));
  // The start of another member, cut short: a truncated stream, not garbage.
  REQUIRE_THROWS_WITH(
      spiketorch::read_idx_labels(with_tail("cut-member.gz", bytes(gz.begin(), gz.begin() + 12))),
      Contains("cut-member.gz") && Contains("truncated gzip stream"));
  // A second member whose data are damaged.
  bytes bad_member = gz;
  bad_member[bad_member.size() - 5] ^= 0xff;  // inside the CRC-32 of the trailer
  REQUIRE_THROWS_WITH(spiketorch::read_idx_labels(with_tail("bad-member.gz", bad_member)),
                      Contains("bad-member.gz") && Contains("corrupt gzip data"));
}

TEST_CASE("concatenated gzip members read as one stream, as gzip -d reads them", "[idx][gzip]") {
  temp_dir dir("gz-members");
  // Incompressible data larger than the reader's input buffer, so that members and the end of
  // the file fall across its refills.
  std::mt19937 rng(7);
  bytes payload(300 * 1000);
  for (auto& b : payload) b = static_cast<unsigned char>(rng());
  const bytes idx = idx_bytes(0x802, {300, 1000}, payload);
  const std::size_t cuts[] = {3, 10, 150001};  // inside the magic, the header and the data
  bytes joined;
  std::size_t from = 0;
  for (std::size_t i = 0; i <= std::size(cuts); ++i) {
    const std::size_t to = i < std::size(cuts) ? cuts[i] : idx.size();
    write_gz(dir / "part.gz", bytes(idx.begin() + long(from), idx.begin() + long(to)));
    const bytes part = read_raw(dir / "part.gz");
    joined.insert(joined.end(), part.begin(), part.end());
    from = to;
  }
  write_raw(dir / "members.gz", joined);
  const auto a = spiketorch::read_idx(dir / "members.gz");
  REQUIRE(a.dimension() == 2);
  CHECK(a.shape()[0] == 300);
  CHECK(std::equal(payload.begin(), payload.end(), a.data()));

  joined.insert(joined.end(), {'x', 'y', 'z'});
  write_raw(dir / "members-garbage.gz", joined);
  REQUIRE_THROWS_WITH(spiketorch::read_idx(dir / "members-garbage.gz"),
                      Contains("members-garbage.gz") && Contains("trailing bytes") &&
                          Contains("3 bytes from byte " + std::to_string(joined.size() - 3)));
}
#endif

TEST_CASE("a directory, FIFO or symlink where an IDX file should be is named as what it is",
          "[idx][mnist]") {
  temp_dir dir("not-a-file");
  const fs::path images = dir / "train-images-idx3-ubyte";
  const fs::path labels = dir / "train-labels-idx1-ubyte";
  write_raw(labels, idx_bytes(0x801, {2}, bytes{1, 2}));

  fs::create_directory(images);
  REQUIRE_THROWS_AS(spiketorch::load_mnist(dir.path, "train"), spiketorch::io_error);
  REQUIRE_THROWS_WITH(spiketorch::load_mnist(dir.path, "train"),
                      Contains(images.string() + " is a directory, not an IDX file"));
  REQUIRE_THROWS_WITH(spiketorch::read_idx_images(images),
                      Contains(images.string() + " is a directory, not an IDX file"));
#ifdef SPIKETORCH_HAVE_ZLIB
  // A usable .gz beside it does not make the directory go unnoticed.
  write_gz(dir / "train-images-idx3-ubyte.gz", idx_bytes(0x803, {2, 28, 28}, ramp(2 * 784)));
  REQUIRE_THROWS_WITH(spiketorch::load_mnist(dir.path, "train"), Contains("is a directory"));
  fs::remove(dir / "train-images-idx3-ubyte.gz");
#endif
  fs::remove(images);

  fs::create_symlink("train-images-idx3-ubyte", images);  // points at itself
  REQUIRE_THROWS_WITH(spiketorch::load_mnist(dir.path, "train"),
                      Contains(images.string()) && Contains("symlink loop"));
  REQUIRE_THROWS_WITH(spiketorch::read_idx(images), Contains("symlink loop"));
  fs::remove(images);

  fs::create_symlink("elsewhere", images);
  REQUIRE_THROWS_WITH(spiketorch::load_mnist(dir.path, "train"),
                      Contains(images.string()) && Contains("dangling symlink"));
  fs::remove(images);

#if defined(__unix__) || defined(__APPLE__)
  // Opening a FIFO blocks until a writer comes: this test would hang if the reader opened it.
  write_raw(images, idx_bytes(0x803, {2, 28, 28}, ramp(2 * 784)));
  fs::remove(labels);
  REQUIRE(::mkfifo(labels.c_str(), 0600) == 0);
  REQUIRE_THROWS_WITH(spiketorch::load_mnist(dir.path, "train"),
                      Contains(labels.string() + " is a FIFO") && Contains("not a regular file"));
  REQUIRE_THROWS_WITH(spiketorch::read_idx_labels(labels), Contains("is a FIFO"));
#endif
}

TEST_CASE("load_mnist finds raw or .gz files and checks them against each other", "[idx][mnist]") {
  temp_dir dir("mnist");
  write_raw(dir / "train-images-idx3-ubyte", idx_bytes(0x803, {4, 28, 28}, ramp(4 * 784)));
  write_raw(dir / "train-labels-idx1-ubyte", idx_bytes(0x801, {4}, bytes{5, 0, 4, 1}));

  auto s = spiketorch::load_mnist(dir.path, "train");
  REQUIRE(s.images.shape(0) == 4);
  REQUIRE(s.labels.shape(0) == 4);
  CHECK(int(s.labels(0)) == 5);

  auto head = spiketorch::load_mnist(dir.path, "train", 2);
  REQUIRE(head.images.shape(0) == 2);
  REQUIRE(head.labels.shape(0) == 2);
  CHECK(head.labels(1) == 0);
  CHECK((xt::view(s.images, xt::range(0, 2)) == head.images));
  CHECK(spiketorch::load_mnist(dir.path, "train", 100).images.shape(0) == 4);

#ifdef SPIKETORCH_HAVE_ZLIB
  write_gz(dir / "t10k-images-idx3-ubyte.gz", idx_bytes(0x803, {3, 28, 28}, ramp(3 * 784)));
  write_gz(dir / "t10k-labels-idx1-ubyte.gz", idx_bytes(0x801, {3}, bytes{7, 2, 1}));
  auto t = spiketorch::load_mnist(dir.path, "test");
  REQUIRE(t.images.shape(0) == 3);
  CHECK(int(t.labels(0)) == 7);
#endif

  REQUIRE_THROWS_AS(spiketorch::load_mnist(dir.path, "validation"), spiketorch::invalid_argument);
}

TEST_CASE("load_mnist reports count mismatches, bad labels and missing files", "[idx][mnist]") {
  temp_dir dir("mnist-bad");
  write_raw(dir / "train-images-idx3-ubyte", idx_bytes(0x803, {3, 28, 28}, ramp(3 * 784)));
  write_raw(dir / "train-labels-idx1-ubyte", idx_bytes(0x801, {4}, bytes{1, 2, 3, 4}));
  REQUIRE_THROWS_WITH(spiketorch::load_mnist(dir.path, "train"),
                      Contains("train-images-idx3-ubyte") && Contains("train-labels-idx1-ubyte") &&
                          Contains("3 images") && Contains("4 labels"));

  write_raw(dir / "train-labels-idx1-ubyte", idx_bytes(0x801, {3}, bytes{1, 12, 3}));
  REQUIRE_THROWS_WITH(
      spiketorch::load_mnist(dir.path, "train"),
      Contains("train-labels-idx1-ubyte") && Contains("label 12 at index 1") && Contains("0..9"));

  // Images present, labels missing.
  fs::remove(dir / "train-labels-idx1-ubyte");
  REQUIRE_THROWS_WITH(spiketorch::load_mnist(dir.path, "train"),
                      Contains("train-labels-idx1-ubyte") && Contains("data/get_mnist.sh"));
  REQUIRE_THROWS_WITH(spiketorch::load_mnist(dir.path, "test"),
                      Contains("t10k-images-idx3-ubyte") && Contains("data/get_mnist.sh"));

  const fs::path missing = dir / "no-such-dir";
  REQUIRE_THROWS_AS(spiketorch::load_mnist(missing, "train"), spiketorch::io_error);
  REQUIRE_THROWS_WITH(spiketorch::load_mnist(missing, "train"), Contains("no-such-dir") &&
                                                                    Contains("does not exist") &&
                                                                    Contains("data/get_mnist.sh"));
}

TEST_CASE("load_mnist refuses images whose shape does not match the model's input",
          "[idx][mnist]") {
  // Valid IDX files of 20x20 and 32x32 images: a model of 784 inputs read 784 bytes per example
  // from them, past the end of the 20x20 set (heap overflow) or misaligned in the 32x32 one.
  temp_dir dir("mnist-shape");
  write_raw(dir / "train-labels-idx1-ubyte", idx_bytes(0x801, {3}, bytes{1, 2, 3}));
  write_raw(dir / "train-images-idx3-ubyte", idx_bytes(0x803, {3, 20, 20}, ramp(3 * 400)));
  REQUIRE_THROWS_AS(spiketorch::load_mnist(dir.path, "train", 0, 784), spiketorch::io_error);
  REQUIRE_THROWS_WITH(spiketorch::load_mnist(dir.path, "train", 2, 784),
                      Contains("train-images-idx3-ubyte") && Contains("20x20 (400 pixels)") &&
                          Contains("expects 28x28 (784 pixels)"));
  write_raw(dir / "train-images-idx3-ubyte", idx_bytes(0x803, {3, 32, 32}, ramp(3 * 1024)));
  REQUIRE_THROWS_WITH(spiketorch::load_mnist(dir.path, "train", 0, 784),
                      Contains("train-images-idx3-ubyte") && Contains("32x32 (1024 pixels)") &&
                          Contains("expects 28x28 (784 pixels)"));
  REQUIRE_THROWS_WITH(spiketorch::load_mnist(dir.path, "train", 0, 1000),
                      Contains("expects 1000 pixels"));
  // The shape the model takes, or no expectation (pixels = 0), reads as before.
  CHECK(spiketorch::load_mnist(dir.path, "train", 0, 1024).images.shape(1) == 32);
  CHECK(spiketorch::load_mnist(dir.path, "train").images.shape(2) == 32);
}

TEST_CASE("the real MNIST files read with the known counts and statistics", "[idx][mnist][real]") {
  const char* env = std::getenv("SPIKETORCH_MNIST_DIR");
  std::error_code ec;
  if (env == nullptr || !fs::is_directory(env, ec)) {
    WARN("skipped: SPIKETORCH_MNIST_DIR is not set or not a directory (run data/get_mnist.sh)");
    return;
  }
  const fs::path dir = env;
  const auto train = spiketorch::load_mnist(dir, "train");
  REQUIRE(train.images.shape(0) == 60000);
  REQUIRE(train.images.shape(1) == 28);
  REQUIRE(train.images.shape(2) == 28);
  REQUIRE(train.labels.shape(0) == 60000);
  CHECK(int(train.labels(0)) == 5);
  CHECK(int(train.labels(1)) == 0);

  double sum = 0.0;
  for (auto v : train.images) sum += v;
  CHECK(sum / static_cast<double>(train.images.size()) == Approx(33.318).margin(0.01));

  const auto test = spiketorch::load_mnist(dir, "test");
  REQUIRE(test.images.shape(0) == 10000);
  REQUIRE(test.labels.shape(0) == 10000);
  CHECK(int(test.labels(0)) == 7);

  const auto head = spiketorch::load_mnist(dir, "test", 100);
  CHECK(head.images.shape(0) == 100);
  CHECK((xt::view(test.images, xt::range(0, 100)) == head.images));
}
