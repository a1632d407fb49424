// Tests of save_npy/load_npy: round trips of every supported dtype and several shapes and layouts,
// headers written by other tools, and the errors for dtype mismatch, missing and damaged files.
#include <spiketorch/io/npy.hpp>

#include <catch2/catch.hpp>
#include <xtensor/xmanipulation.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

struct temp_dir {
  fs::path path;
  explicit temp_dir(const std::string& tag) {
    static std::atomic<int> counter{0};
    std::random_device rd;
    path = fs::temp_directory_path() /
           ("spiketorch-npy-" + tag + "-" + std::to_string(rd()) + "-" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path operator/(const std::string& name) const { return path / name; }
};

template <class T>
xt::xarray<T> sample(const std::vector<std::size_t>& shape) {
  auto a = xt::xarray<T>::from_shape(shape);
  for (std::size_t i = 0; i < a.size(); ++i) {
    if constexpr (std::is_floating_point_v<T>)
      a.data()[i] = static_cast<T>(0.1 * static_cast<double>(i) - 1.5);
    else if constexpr (std::is_signed_v<T>)
      a.data()[i] = static_cast<T>(static_cast<long long>(i) * 1000003 - 7);
    else
      a.data()[i] = static_cast<T>(i * 37u);
  }
  return a;
}

// A .npy file as another tool might write it: given header text, padded to a 64-byte boundary.
void write_npy_by_hand(const fs::path& p, std::string dict, const std::string& payload,
                       std::size_t pad_to = 64) {
  std::size_t total = 10 + dict.size() + 1;
  dict.append((pad_to - total % pad_to) % pad_to, ' ');
  dict += '\n';
  std::ofstream out(p, std::ios::binary);
  out.write("\x93NUMPY\x01\x00", 8);
  const auto len = static_cast<std::uint16_t>(dict.size());
  out.put(static_cast<char>(len & 0xff));
  out.put(static_cast<char>(len >> 8));
  out << dict << payload;
}

}  // namespace

TEMPLATE_TEST_CASE("save_npy/load_npy round trip", "[npy]", float, double, std::int32_t,
                   std::int64_t, std::uint8_t, std::uint32_t) {
  temp_dir dir("rt");
  const std::vector<std::vector<std::size_t>> shapes = {{},     {0},       {1},      {7},
                                                        {3, 4}, {2, 3, 4}, {2, 0, 3}};
  for (const auto& shape : shapes) {
    const auto a = sample<TestType>(shape);
    const fs::path p = dir / "a.npy";
    spiketorch::save_npy(p, a);
    const auto b = spiketorch::load_npy<TestType>(p);
    CHECK(std::vector<std::size_t>(b.shape().begin(), b.shape().end()) == shape);
    CHECK((b == a));
    CHECK_FALSE(fs::exists(dir / "a.npy.tmp"));
  }

  // Fixed-rank containers, lazy expressions and transposed (non-contiguous) views all save.
  xt::xtensor<TestType, 2> t = sample<TestType>({4, 5});
  spiketorch::save_npy(dir / "t.npy", xt::transpose(t));
  CHECK((spiketorch::load_npy<TestType>(dir / "t.npy") == xt::transpose(t)));

  // Column-major data is stored Fortran-ordered and read back with the same logical values.
  xt::xarray<TestType, xt::layout_type::column_major> cm = sample<TestType>({3, 2});
  spiketorch::save_npy(dir / "cm.npy", cm);
  CHECK(spiketorch::read_npy_header(dir / "cm.npy").fortran_order);
  CHECK((spiketorch::load_npy<TestType>(dir / "cm.npy") == cm));
}

TEST_CASE("save_npy writes NumPy's header and replaces existing files", "[npy]") {
  temp_dir dir("hdr");
  const fs::path p = dir / "w.npy";
  spiketorch::save_npy(p, xt::xarray<float>{{1, 2, 3}, {4, 5, 6}});
  auto h = spiketorch::read_npy_header(p);
  CHECK(h.descr == "<f4");
  CHECK(h.shape == std::vector<std::size_t>{2, 3});
  CHECK_FALSE(h.fortran_order);
  CHECK(h.data_offset % 64 == 0);  // NumPy aligns the data to 64 bytes

  spiketorch::save_npy(p, xt::xarray<float>{7.f});
  CHECK((spiketorch::load_npy<float>(p) == xt::xarray<float>{7.f}));

  // Lazy expressions of dynamic-rank arrays keep their shape (xt::eval gets this wrong).
  const xt::xarray<float> w = {{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}};
  spiketorch::save_npy(dir / "lazy.npy", w * 2.f);
  CHECK(spiketorch::read_npy_header(dir / "lazy.npy").shape == std::vector<std::size_t>{2, 3});
  CHECK((spiketorch::load_npy<float>(dir / "lazy.npy") == w * 2.f));
  spiketorch::save_npy(dir / "view.npy", xt::view(w, 1, xt::range(0, 2)));
  CHECK((spiketorch::load_npy<float>(dir / "view.npy") == xt::xarray<float>{4.f, 5.f}));
}

TEST_CASE("load_npy reads headers written by other tools", "[npy]") {
  temp_dir dir("foreign");
  const std::int32_t vals[6] = {1, 2, 3, 4, 5, 6};
  const std::string payload(reinterpret_cast<const char*>(vals), sizeof vals);

  // Keys in another order, a header whose length's low byte is >= 128 (xtensor misreads those).
  const fs::path p = dir / "order.npy";
  write_npy_by_hand(p, "{'shape': (2, 3), 'fortran_order': False, 'descr': '<i4', }", payload, 192);
  REQUIRE(spiketorch::read_npy_header(p).data_offset == 192);
  CHECK((spiketorch::load_npy<std::int32_t>(p) == xt::xarray<std::int32_t>{{1, 2, 3}, {4, 5, 6}}));

  // Fortran order: memory holds columns.
  const fs::path f = dir / "fortran.npy";
  write_npy_by_hand(f, "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }", payload);
  CHECK((spiketorch::load_npy<std::int32_t>(f) == xt::xarray<std::int32_t>{{1, 3, 5}, {2, 4, 6}}));

  // One-byte types: '|u1' and '<u1' mean the same.
  const fs::path u = dir / "u1.npy";
  write_npy_by_hand(u, "{'descr': '<u1', 'fortran_order': False, 'shape': (3,), }", "abc");
  CHECK((spiketorch::load_npy<std::uint8_t>(u) == xt::xarray<std::uint8_t>{'a', 'b', 'c'}));
}

TEST_CASE("load_npy names the file and the dtypes on a mismatch", "[npy]") {
  temp_dir dir("dtype");
  const fs::path p = dir / "weights.npy";
  spiketorch::save_npy(p, xt::xarray<float>{1.f, 2.f});
  REQUIRE_THROWS_AS(spiketorch::load_npy<double>(p), spiketorch::io_error);
  REQUIRE_THROWS_WITH(spiketorch::load_npy<double>(p),
                      Contains("weights.npy") && Contains("dtype mismatch") &&
                          Contains("float32") && Contains("expected float64"));
  REQUIRE_THROWS_WITH(spiketorch::load_npy<std::int32_t>(p),
                      Contains("float32") && Contains("expected int32"));

  spiketorch::save_npy(dir / "i.npy", xt::xarray<std::int64_t>{1, 2});
  REQUIRE_THROWS_WITH(spiketorch::load_npy<std::uint32_t>(dir / "i.npy"),
                      Contains("int64") && Contains("expected uint32"));

  write_npy_by_hand(dir / "be.npy", "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }",
                    std::string(4, '\0'));
  REQUIRE_THROWS_WITH(spiketorch::load_npy<float>(dir / "be.npy"),
                      Contains("be.npy") && Contains("'>f4'") && Contains("expected float32"));
}

TEST_CASE("load_npy rejects missing, foreign and damaged files", "[npy]") {
  temp_dir dir("bad");
  REQUIRE_THROWS_AS(spiketorch::load_npy<float>(dir / "missing.npy"), spiketorch::io_error);
  REQUIRE_THROWS_WITH(spiketorch::load_npy<float>(dir / "missing.npy"),
                      Contains("missing.npy") && Contains("no such file"));
  REQUIRE_THROWS_WITH(spiketorch::load_npy<float>(dir.path), Contains("not a regular file"));

  {
    std::ofstream out(dir / "text.npy");
    out << "hello, this is not numpy";
  }
  REQUIRE_THROWS_WITH(spiketorch::load_npy<float>(dir / "text.npy"),
                      Contains("text.npy") && Contains("not a .npy file"));

  const fs::path p = dir / "cut.npy";
  spiketorch::save_npy(p, xt::xarray<double>(std::vector<std::size_t>{10, 10}, 0.25));
  fs::resize_file(p, fs::file_size(p) - 8);
  REQUIRE_THROWS_WITH(spiketorch::load_npy<double>(p),
                      Contains("cut.npy") && Contains("truncated") && Contains("expected 800") &&
                          Contains("got 792"));
  fs::resize_file(p, fs::file_size(p) + 16);
  REQUIRE_THROWS_WITH(spiketorch::load_npy<double>(p),
                      Contains("cut.npy") && Contains("8 trailing bytes"));

  write_npy_by_hand(dir / "hdr.npy", "{'descr': '<f4', 'shape': (1,), }", std::string(4, '\0'));
  REQUIRE_THROWS_WITH(spiketorch::load_npy<float>(dir / "hdr.npy"),
                      Contains("hdr.npy") && Contains("invalid .npy header"));

  REQUIRE_THROWS_AS(spiketorch::save_npy(dir / "no-such-dir" / "x.npy", xt::xarray<float>{1.f}),
                    spiketorch::io_error);
}
