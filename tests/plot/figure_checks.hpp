// What the figure tests share: a written PNG read back as RGB pixels, a scratch directory per test
// case, and the checks every figure has to pass.
#pragma once

#include <spiketorch/plot/figures.hpp>

#include "../png_reader.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <system_error>
#include <vector>

namespace figure_checks {

struct image {
  using rgb = spiketorch::plot::rgb;
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
      for (int x = 0; x < width; ++x) n += !(at(x, y) == spiketorch::plot::white);
    return n;
  }
};

inline image read_png(const std::filesystem::path& path) {
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
  std::filesystem::path path;
  temp_dir() {
    path = std::filesystem::temp_directory_path() / ("spiketorch_plot_test_" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(path), {}));
  }
};

inline int brightness(spiketorch::plot::rgb c) { return (c.r + c.g + c.b) / 3; }

// Every figure puts its title in the band above the content.
inline void check_title_band(const image& img) { CHECK(img.ink_in_rows(0, spiketorch::plot::detail::title_band) > 50); }

}  // namespace figure_checks
