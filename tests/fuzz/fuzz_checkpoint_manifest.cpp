// libFuzzer target: a checkpoint's manifest.json as checkpoint_reader (io/checkpoint.hpp) parses
// and validates it, then every accessor a loader uses, and the Diehl & Cook parameters read from it
// (models/diehl_cook_checkpoint.hpp: the "params" object or the flat parameters of version 1).
// A refusal is a spiketorch::error; anything else fails the run.
//
// The checkpoint directory holds four valid arrays that the seeds (scripts/fuzz_seed_corpus.py)
// list, so manifests can get past the check that each listed file exists: weights.npy [4, 2]
// float32, theta.npy [2] float32, assignments.npy [2] int32 and proportions.npy [2, 10] float64.
#include <spiketorch/io/checkpoint.hpp>
#include <spiketorch/io/npy.hpp>
#include <spiketorch/models/diehl_cook_checkpoint.hpp>

#include <xtensor/xbuilder.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "fuzz_input_file.hpp"

namespace {

const std::filesystem::path& checkpoint_dir() {
  static const std::filesystem::path dir = [] {
    const auto d = spiketorch::fuzz::scratch_dir() / "checkpoint";
    std::filesystem::create_directories(d);
    spiketorch::save_npy(d / "weights.npy", xt::xarray<float>(xt::ones<float>({4, 2})));
    spiketorch::save_npy(d / "theta.npy", xt::xarray<float>(xt::zeros<float>({2})));
    spiketorch::save_npy(d / "assignments.npy", xt::xarray<std::int32_t>({0, -1}));
    spiketorch::save_npy(d / "proportions.npy", xt::xarray<double>(xt::zeros<double>({2, 10})));
    return d;
  }();
  return dir;
}

template <class F>
void refused_or_done(F&& f) {
  try {
    f();
  } catch (const spiketorch::error&) {
  }
}

template <class T>
void load_array(const spiketorch::checkpoint_reader& r, const std::string& name) {
  const auto a = r.array<T>(name);
  spiketorch::fuzz::check(
      std::vector<std::size_t>(a.shape().begin(), a.shape().end()) == r.array_shape(name),
      "a loaded array's shape differs from the manifest's");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& dir = checkpoint_dir();
  spiketorch::fuzz::write_input("checkpoint/manifest.json", data, size);
  refused_or_done([&] {
    const spiketorch::checkpoint_reader r(dir);
    (void)r.format_version();
    for (const std::string& key : r.keys()) {
      refused_or_done([&] { (void)r.get_int(key); });
      refused_or_done([&] { (void)r.get_double(key); });
      refused_or_done([&] { (void)r.get_string(key); });
      refused_or_done([&] { (void)r.get_bool(key); });
    }
    for (const std::string& name : r.array_names()) {
      refused_or_done([&] {
        const std::string dtype = r.array_dtype(name);
        if (dtype == "float32") load_array<float>(r, name);
        if (dtype == "float64") load_array<double>(r, name);
        if (dtype == "int32") load_array<std::int32_t>(r, name);
        if (dtype == "int64") load_array<std::int64_t>(r, name);
        if (dtype == "uint8") load_array<std::uint8_t>(r, name);
        if (dtype == "uint32") load_array<std::uint32_t>(r, name);
      });
    }
    refused_or_done([&] { (void)spiketorch::models::diehl_cook_checkpoint_params(r); });
  });
  return 0;
}
