// Tests for the figure module: every figure is written, read back with stb_image and checked for
// size, content and the structure of its input; bad shapes must throw before anything is written.
#include <spiketorch/plot/figures.hpp>

#include "figure_checks.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <string>
#include <vector>

using namespace spiketorch::plot;
using namespace figure_checks;

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

TEST_CASE("image grid puts each image in its tile", "[plot]") {
  temp_dir dir;
  // Five 3x4 images, two per row: three rows of tiles, the last one half empty.
  xt::xtensor<float, 3> images = xt::zeros<float>({std::size_t{5}, std::size_t{3}, std::size_t{4}});
  images(0, 1, 2) = 4.0f;  // image 0: one bright pixel on black
  for (std::size_t k = 1; k < 5; ++k)
    for (std::size_t r = 0; r < 3; ++r)
      for (std::size_t q = 0; q < 4; ++q) images(k, r, q) = static_cast<float>(k);  // uniform, level k

  const std::string path = dir / "grid.png";
  plot_image_grid(path, images, "feature maps", colormap::grey, std::nullopt, 2);
  const image img = read_png(path);
  const grid_layout g = image_grid_layout(5, 3, 4, 2);
  REQUIRE(img.width == g.width);
  REQUIRE(img.height == g.height);
  CHECK(g.across == 2);
  CHECK(g.down == 3);
  CHECK(g.tile_width == 4 * g.pixel);
  CHECK(g.tile_height == 3 * g.pixel);
  CHECK(g.grid_height == grid_extent(3, g.tile_height));
  check_title_band(img);
  CHECK(dir.entries() == 1);

  const auto centre = [&](std::size_t k, int row, int col) {
    return img.at(g.tile_x(k) + col * g.pixel + g.pixel / 2, g.tile_y(k) + row * g.pixel + g.pixel / 2);
  };
  // Default range [0, 4]: the bright pixel is white, the rest of image 0 black.
  CHECK(centre(0, 1, 2) == white);
  CHECK(centre(0, 0, 0) == black);
  CHECK(centre(0, 2, 3) == black);
  for (std::size_t k = 1; k < 5; ++k) {
    CHECK(centre(k, 0, 0) == sample(colormap::grey, static_cast<double>(k), 0.0, 4.0));
    CHECK(centre(k, 0, 0) == centre(k, 2, 3));
  }
  CHECK(img.at(g.tile_x(5) + 1, g.tile_y(5) + 1) == mid_grey);  // the sixth slot stays empty

  // A fixed range: everything at or above its top is white.
  plot_image_grid(dir / "ranged.png", images, "feature maps", colormap::grey, std::pair{0.0, 2.0}, 2);
  const image ranged = read_png(dir / "ranged.png");
  CHECK(ranged.at(g.tile_x(3) + g.pixel / 2, g.tile_y(3) + g.pixel / 2) == white);

  // Square by default, and the scale drops as the grid grows.
  CHECK(image_grid_layout(10, 28, 28).across == 4);
  CHECK(image_grid_layout(10, 28, 28).down == 3);
  CHECK(image_grid_layout(6400, 28, 28).pixel == 1);
  CHECK(image_grid_layout(1, 28, 28).width >= detail::min_figure_width);
  CHECK(image_grid_layout(3, 2, 2, 10).across == 3);
  CHECK_THROWS_AS(image_grid_layout(0, 28, 28), spiketorch::invalid_argument);
  CHECK_THROWS_AS(plot_image_grid(dir / "x.png", xt::xtensor<float, 3>(xt::zeros<float>({0, 3, 4}))),
                  spiketorch::invalid_argument);
  CHECK_THROWS_AS(plot_image_grid(dir / "x.png", images, "t", colormap::grey, std::pair{1.0, 1.0}),
                  spiketorch::invalid_argument);
  CHECK(dir.entries() == 2);
}

TEST_CASE("heat map of a matrix, with and without cell labels", "[plot]") {
  temp_dir dir;
  xt::xtensor<double, 2> values = {{0.0, 1.0, 2.0}, {3.0, 4.0, 10.0}};
  std::vector<std::string> text;
  for (double v : values) text.push_back(detail::format_number(v));
  const std::string path = dir / "heat.png";
  plot_heat_map(path, values, "heat", "column", "row", text);
  const image img = read_png(path);
  check_title_band(img);
  // Default range [0, 10]: the cell holding 10 is the top of the map, the one holding 0 its bottom
  // (each at least most of a cell, the colour bar adds more).
  CHECK(img.count(sample(colormap::viridis, 1.0)) > 50 * 50);
  CHECK(img.count(sample(colormap::viridis, 0.0)) > 50 * 50);
  CHECK(img.count(sample(colormap::viridis, 0.4)) > 50 * 50);

  // A fixed range moves the colours; without labels the cells are plain.
  plot_heat_map(dir / "ranged.png", values, "heat", "", "", {}, colormap::viridis, std::pair{0.0, 20.0});
  const image ranged = read_png(dir / "ranged.png");
  CHECK(ranged.count(sample(colormap::viridis, 0.5)) > 60 * 60);
  CHECK(ranged.count(sample(colormap::viridis, 0.2)) > 60 * 60);

  CHECK_THROWS_AS(plot_heat_map(dir / "x.png", xt::xtensor<double, 2>(xt::zeros<double>({0, 3})), "t", "x", "y"),
                  spiketorch::invalid_argument);
  CHECK_THROWS_AS(plot_heat_map(dir / "x.png", values, "t", "x", "y", {"a", "b"}), spiketorch::invalid_argument);
  CHECK_THROWS_AS(plot_heat_map(dir / "x.png", values, "t", "x", "y", {}, colormap::viridis, std::pair{2.0, 1.0}),
                  spiketorch::invalid_argument);
  CHECK(dir.entries() == 2);
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
