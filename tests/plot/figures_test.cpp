// Tests for the figure module: every figure is written, read back with stb_image and checked for
// size, content and the structure of its input; bad shapes must throw before anything is written.
#include <spiketorch/plot/figures.hpp>

#include "../png_reader.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace spiketorch::plot;

namespace {

struct image {
  int width = 0, height = 0;
  std::vector<unsigned char> px;
  rgb at(int x, int y) const {
    const auto i = (static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)) * 3;
    return {px[i], px[i + 1], px[i + 2]};
  }
  std::size_t count(rgb c) const {
    std::size_t n = 0;
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x) n += at(x, y) == c;
    return n;
  }
  std::size_t distinct_colours() const {
    std::set<int> seen;
    for (std::size_t i = 0; i < px.size(); i += 3) seen.insert(px[i] << 16 | px[i + 1] << 8 | px[i + 2]);
    return seen.size();
  }
  // Pixels in rows [y0, y1) that are not the white background: text was drawn there.
  std::size_t ink_in_rows(int y0, int y1) const {
    std::size_t n = 0;
    for (int y = y0; y < y1; ++y)
      for (int x = 0; x < width; ++x) n += !(at(x, y) == white);
    return n;
  }
};

image read_png(const fs::path& path) {
  image img;
  int comp = 0;
  unsigned char* data = stbi_load(path.string().c_str(), &img.width, &img.height, &comp, 3);
  REQUIRE(data != nullptr);
  img.px.assign(data, data + static_cast<std::size_t>(img.width) * static_cast<std::size_t>(img.height) * 3);
  stbi_image_free(data);
  return img;
}

// A fresh directory per test case, removed afterwards.
struct temp_dir {
  fs::path path;
  temp_dir() {
    path = fs::temp_directory_path() / ("spiketorch_plot_test_" + std::to_string(std::random_device{}()));
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
  std::size_t entries() const { return static_cast<std::size_t>(std::distance(fs::directory_iterator(path), {})); }
};

int brightness(rgb c) { return (c.r + c.g + c.b) / 3; }

// Every figure puts its title in the band above the content.
void check_title_band(const image& img) { CHECK(img.ink_in_rows(0, detail::title_band) > 50); }

}  // namespace

TEST_CASE("canvas draws rectangles, lines and text", "[plot]") {
  canvas c(40, 30);
  CHECK(c.at(0, 0) == white);
  c.fill_rect(2, 3, 4, 5, black);
  CHECK(c.at(2, 3) == black);
  CHECK(c.at(5, 7) == black);
  CHECK(c.at(6, 7) == white);
  c.fill_rect(-10, -10, 5, 5, black);  // off-canvas: ignored
  c.line(0, 29, 39, 0, rgb{1, 2, 3});
  CHECK(c.at(0, 29) == rgb{1, 2, 3});
  CHECK(c.at(39, 0) == rgb{1, 2, 3});
  CHECK_THROWS_AS(canvas(0, 10), spiketorch::invalid_argument);
  CHECK_THROWS_AS(c.at(40, 0), spiketorch::invalid_argument);

  // Horizontal text is wider than tall; rotated text is taller than wide.
  const auto bbox = [](const canvas& k) {
    int x0 = k.width(), y0 = k.height(), x1 = -1, y1 = -1;
    for (int y = 0; y < k.height(); ++y)
      for (int x = 0; x < k.width(); ++x)
        if (!(k.at(x, y) == white)) {
          x0 = std::min(x0, x);
          y0 = std::min(y0, y);
          x1 = std::max(x1, x);
          y1 = std::max(y1, y);
        }
    return std::array<int, 4>{x0, y0, x1, y1};
  };
  canvas h(200, 100), v(100, 200);
  h.text(100, 40, "HELLO", black, 2, align::centre);
  v.text(40, 100, "HELLO", black, 2, align::centre, true);
  const auto hb = bbox(h), vb = bbox(v);
  REQUIRE(hb[2] >= 0);
  REQUIRE(vb[2] >= 0);
  CHECK(hb[2] - hb[0] > 3 * (hb[3] - hb[1]));
  CHECK(vb[3] - vb[1] > 3 * (vb[2] - vb[0]));
  CHECK(std::abs((hb[0] + hb[2]) / 2 - 100) <= 3);  // centred
  CHECK(hb[1] == 40);                               // top of the capitals at y
  CHECK(hb[2] - hb[0] + 1 <= text_width("HELLO", 2));
}

TEST_CASE("tick values are round and labels are short", "[plot]") {
  CHECK(detail::nice_ticks(0.0, 1.0, 5) == std::vector<double>{0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0});
  const auto t = detail::nice_ticks(0.0, 60000.0, 8);
  CHECK(t.front() == 0.0);
  CHECK(t.back() == 60000.0);
  CHECK(detail::format_number(0.6000000000000001, 0.2) == "0.6");
  CHECK(detail::format_number(-0.0001, 0.1) == "0.0");
  CHECK(detail::format_number(1027.0) == "1027");
  CHECK(detail::format_number(1.0934) == "1.09");
  CHECK(detail::nice_ticks(0.0, 3.0, 10, 1.0) == std::vector<double>{0, 1, 2, 3});
}

TEST_CASE("colour maps run between their anchors", "[plot]") {
  CHECK(sample(colormap::grey, 0.0) == black);
  CHECK(sample(colormap::grey, 1.0) == white);
  CHECK(sample(colormap::grey_r, 0.0) == white);
  CHECK(sample(colormap::hot_r, 0.0) == white);
  CHECK(brightness(sample(colormap::hot_r, 1.0)) < 10);
  CHECK(sample(colormap::viridis, -3.0) == sample(colormap::viridis, 0.0));  // clamped
  CHECK(brightness(sample(colormap::viridis, 1.0)) > brightness(sample(colormap::viridis, 0.0)));
  CHECK(sample(colormap::grey, 5.0, 0.0, 10.0) == rgb{128, 128, 128});
  std::set<int> palette;
  for (int d = 0; d < 10; ++d) palette.insert(digit_colour(d).r << 16 | digit_colour(d).g << 8 | digit_colour(d).b);
  CHECK(palette.size() == 10);
  CHECK(digit_colour(-1) == light_grey);
}

TEST_CASE("weight grid shows each neuron's receptive field", "[plot]") {
  temp_dir dir;
  const std::size_t n = 10;
  xt::xtensor<float, 2> w = xt::zeros<float>({std::size_t{784}, n});
  for (std::size_t r = 0; r < 28; ++r) w(r * 28 + 14, 0) = 1.0f;  // neuron 0: a vertical bar in column 14
  for (std::size_t k = 1; k < n; ++k)
    for (std::size_t p = 0; p < 784; ++p) w(p, k) = 0.1f * static_cast<float>(k);  // uniform, differing levels

  const std::string path = dir / "weights.png";
  plot_weight_grid(path, w, 28, 28, "receptive fields");
  const image img = read_png(path);
  const grid_layout g = weight_grid_layout(n, 28, 28);
  REQUIRE(img.width == g.width);
  REQUIRE(img.height == g.height);
  CHECK(g.side == 4);
  CHECK(img.distinct_colours() > 10);
  check_title_band(img);
  CHECK(dir.entries() == 1);  // the temporary file was renamed, not left behind

  // hot_r: the largest weight is near black, zero is white.
  const auto centre = [&](std::size_t k, int row, int col) {
    return img.at(g.tile_x(k) + col * g.pixel + g.pixel / 2, g.tile_y(k) + row * g.pixel + g.pixel / 2);
  };
  for (int row = 0; row < 28; ++row) {
    CHECK(brightness(centre(0, row, 14)) < 40);
    CHECK(centre(0, row, 5) == white);
    CHECK(centre(0, row, 20) == white);
  }
  // Uniform tiles are one colour each and differ from one another.
  std::set<int> levels;
  for (std::size_t k = 1; k < n; ++k) {
    CHECK(centre(k, 3, 3) == centre(k, 24, 20));
    levels.insert(brightness(centre(k, 3, 3)));
  }
  CHECK(levels.size() == n - 1);
}

TEST_CASE("weight grid layout scales with the number of neurons", "[plot]") {
  const grid_layout small = weight_grid_layout(1);
  const grid_layout paper = weight_grid_layout(400);
  const grid_layout big = weight_grid_layout(6400);
  CHECK(small.side == 1);
  CHECK(paper.side == 20);
  CHECK(big.side == 80);
  CHECK(small.width >= detail::min_figure_width);
  CHECK(paper.grid_width == 20 * (28 * paper.pixel + 1) + 1);
  CHECK(big.pixel == 1);
  CHECK(big.width < 3000);
  CHECK(weight_grid_layout(5, 3, 4).tile_width == 4 * weight_grid_layout(5, 3, 4).pixel);
  CHECK_THROWS_AS(weight_grid_layout(0), spiketorch::invalid_argument);
}

TEST_CASE("weight grid rejects bad shapes without writing", "[plot]") {
  temp_dir dir;
  const std::string path = dir / "bad.png";
  CHECK_THROWS_AS(plot_weight_grid(path, xt::xtensor<float, 2>(xt::zeros<float>({783, 4}))),
                  spiketorch::invalid_argument);
  CHECK_THROWS_AS(plot_weight_grid(path, xt::xtensor<float, 2>(xt::zeros<float>({784, 0}))),
                  spiketorch::invalid_argument);
  CHECK_THROWS_AS(plot_weight_grid(path, xt::xtensor<float, 2>(xt::zeros<float>({784, 4})), 20, 20),
                  spiketorch::invalid_argument);
  CHECK(dir.entries() == 0);
}

TEST_CASE("bar chart of per-neuron values", "[plot]") {
  temp_dir dir;
  std::vector<float> theta(100);
  for (std::size_t i = 0; i < theta.size(); ++i) theta[i] = 0.01f * static_cast<float>(i % 7);
  const std::string path = dir / "theta.png";
  plot_bar(path, theta, "adaptive thresholds", "neuron", "theta (mV)");
  const image img = read_png(path);
  check_title_band(img);
  CHECK(img.count(digit_colour(0)) > 1000);  // the bars
  CHECK_THROWS_AS(plot_bar(dir / "e.png", {}, "t"), spiketorch::invalid_argument);
  CHECK_THROWS_AS(plot_bar(dir / "n.png", {1.f, std::nanf("")}, "t"), spiketorch::invalid_argument);
  CHECK(dir.entries() == 1);
}

TEST_CASE("assignments are coloured by digit", "[plot]") {
  temp_dir dir;
  std::vector<int> labels;
  for (int i = 0; i < 30; ++i) labels.push_back(i % 11 - 1);
  const std::string path = dir / "assignments.png";
  plot_assignments(path, labels, "assignments");
  const image img = read_png(path);
  check_title_band(img);
  for (int d = 0; d < 10; ++d) CHECK(img.count(digit_colour(d)) > 28 * 28 / 2);
  CHECK_THROWS_AS(plot_assignments(dir / "x.png", {}), spiketorch::invalid_argument);
  CHECK_THROWS_AS(plot_assignments(dir / "x.png", {0, 10}), spiketorch::invalid_argument);
  CHECK_THROWS_AS(plot_assignments(dir / "x.png", {-2}), spiketorch::invalid_argument);
}

TEST_CASE("line chart draws every series", "[plot]") {
  temp_dir dir;
  std::vector<double> x, a, b;
  for (int k = 1; k <= 20; ++k) {
    x.push_back(1000.0 * k);
    a.push_back(1.0 - 1.0 / k);
    b.push_back(0.9 - 0.8 / k);
  }
  const std::string path = dir / "accuracy.png";
  plot_lines(path, {"all activity", "proportion weighting"}, {x, x}, {a, b}, "accuracy", "examples seen", "accuracy",
             std::pair{0.0, 1.0});
  const image img = read_png(path);
  check_title_band(img);
  CHECK(img.count(digit_colour(0)) > 200);
  CHECK(img.count(digit_colour(1)) > 200);

  // Gaps and constant data are fine.
  plot_lines(dir / "flat.png", {"v"}, {{0, 1, 2, 3}}, {{-65, std::nan(""), -65, -65}}, "flat", "time (ms)", "mV");

  const auto bad = [&](auto&&... args) { plot_lines(dir / "bad.png", args...); };
  CHECK_THROWS_AS(bad(std::vector<std::string>{"a", "b"}, std::vector<std::vector<double>>{x},
                      std::vector<std::vector<double>>{a, b}, "t", "x", "y", std::nullopt),
                  spiketorch::invalid_argument);
  CHECK_THROWS_AS(bad(std::vector<std::string>{"a"}, std::vector<std::vector<double>>{{1, 2, 3}},
                      std::vector<std::vector<double>>{{1, 2}}, "t", "x", "y", std::nullopt),
                  spiketorch::invalid_argument);
  CHECK_THROWS_AS(bad(std::vector<std::string>{"a"}, std::vector<std::vector<double>>{{}},
                      std::vector<std::vector<double>>{{}}, "t", "x", "y", std::nullopt),
                  spiketorch::invalid_argument);
  CHECK_THROWS_AS(bad(std::vector<std::string>{}, std::vector<std::vector<double>>{},
                      std::vector<std::vector<double>>{}, "t", "x", "y", std::nullopt),
                  spiketorch::invalid_argument);
  CHECK_THROWS_AS(bad(std::vector<std::string>{"a"}, std::vector<std::vector<double>>{x},
                      std::vector<std::vector<double>>{a}, "t", "x", "y", std::pair{1.0, 0.0}),
                  spiketorch::invalid_argument);
  CHECK(dir.entries() == 2);
}

TEST_CASE("input image keeps its structure", "[plot]") {
  temp_dir dir;
  xt::xtensor<float, 2> img = xt::zeros<float>({std::size_t{28}, std::size_t{28}});
  for (std::size_t r = 4; r < 24; ++r) img(r, 14) = 255.f;  // a "1"
  const std::string path = dir / "input.png";
  plot_image(path, img, "input digit");
  const image out = read_png(path);
  check_title_band(out);
  // grey map: the stroke is white on black, 11 pixels wide at 320 / 28 = 11x and 20 * 11 tall.
  std::size_t stroke = 0;
  for (int y = 0; y < out.height; ++y)
    for (int x = 12; x + 12 < out.width; ++x)
      stroke += out.at(x, y) == white && out.at(x - 12, y) == black && out.at(x + 12, y) == black;
  CHECK(stroke >= 20 * 11 * 11);
  CHECK(out.count(black) > 27 * 27 * 11 * 11 / 2);
  CHECK_THROWS_AS(plot_image(dir / "e.png", xt::xtensor<float, 2>(xt::zeros<float>({0, 28}))),
                  spiketorch::invalid_argument);
}

TEST_CASE("spike rasters, single and stacked", "[plot]") {
  temp_dir dir;
  xt::xtensor<std::uint8_t, 2> exc = xt::zeros<std::uint8_t>({std::size_t{350}, std::size_t{100}});
  xt::xtensor<std::uint8_t, 2> inh = xt::zeros<std::uint8_t>({std::size_t{350}, std::size_t{100}});
  for (std::size_t t = 0; t < 350; t += 5) exc(t, 42) = 1;  // a regular spiker
  const std::string one = dir / "raster.png", two = dir / "rasters.png";
  plot_raster(one, exc, 0.5, "excitatory spikes");
  plot_rasters(two, {exc, inh}, {"excitatory", "inhibitory"}, 0.5, "spikes");
  const image a = read_png(one), b = read_png(two);
  check_title_band(a);
  check_title_band(b);
  CHECK(b.height > a.height);
  // 70 spikes of at least 2x2 black pixels on top of the black text of an empty raster.
  plot_raster(dir / "empty.png", inh, 0.5, "excitatory spikes");
  CHECK(a.count(black) >= read_png(dir / "empty.png").count(black) + 70 * 4);

  CHECK_THROWS_AS(plot_raster(dir / "x.png", exc, 0.0), spiketorch::invalid_argument);
  CHECK_THROWS_AS(plot_raster(dir / "x.png", xt::xtensor<std::uint8_t, 2>(xt::zeros<std::uint8_t>({0, 10})), 0.5),
                  spiketorch::invalid_argument);
  const xt::xtensor<std::uint8_t, 2> shorter = xt::zeros<std::uint8_t>({std::size_t{300}, std::size_t{100}});
  CHECK_THROWS_AS(plot_rasters(dir / "x.png", {exc, shorter}, {"a", "b"}, 0.5), spiketorch::invalid_argument);
  CHECK_THROWS_AS(plot_rasters(dir / "x.png", {exc, inh}, {"a"}, 0.5), spiketorch::invalid_argument);
  CHECK_THROWS_AS(plot_rasters(dir / "x.png", {}, {}, 0.5), spiketorch::invalid_argument);
  CHECK(dir.entries() == 3);
}

TEST_CASE("confusion matrix heat map", "[plot]") {
  temp_dir dir;
  xt::xtensor<std::int64_t, 2> counts = xt::full_like(xt::xtensor<std::int64_t, 2>::from_shape({10, 10}), 3);
  for (std::size_t i = 0; i < 10; ++i) counts(i, i) = 950;
  const std::string path = dir / "confusion.png";
  plot_confusion(path, counts, "confusion");
  const image img = read_png(path);
  check_title_band(img);
  // The diagonal cells are the top of the map; more than 10 cells' worth of it (bar included).
  CHECK(img.count(sample(colormap::viridis, 1.0)) > 10 * 30 * 30);
  CHECK(img.count(sample(colormap::viridis, 3.0 / 950)) > 80 * 30 * 30);
  CHECK_THROWS_AS(plot_confusion(dir / "x.png", xt::xtensor<std::int64_t, 2>(xt::zeros<std::int64_t>({10, 9}))),
                  spiketorch::invalid_argument);
  CHECK_THROWS_AS(plot_confusion(dir / "x.png", xt::xtensor<std::int64_t, 2>(xt::zeros<std::int64_t>({0, 0}))),
                  spiketorch::invalid_argument);
  counts(0, 1) = -1;
  CHECK_THROWS_AS(plot_confusion(dir / "x.png", counts), spiketorch::invalid_argument);
}

TEST_CASE("unwritable path throws io_error naming it", "[plot]") {
  temp_dir dir;
  const std::string path = dir / "no_such_dir/figure.png";
  try {
    plot_image(path, xt::xtensor<float, 2>(xt::ones<float>({4, 4})), "x");
    FAIL("expected io_error");
  } catch (const spiketorch::io_error& e) {
    CHECK(std::string(e.what()).find(path) != std::string::npos);
  }
  CHECK(dir.entries() == 0);
}
