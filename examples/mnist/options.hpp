// Settings of the MNIST example, shared by both backends' programs (program.hpp). The command line
// that fills them, with their documentation and checks, is command_line.hpp.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include "spiketorch/core/errors.hpp"
#include "spiketorch/io/output_path.hpp"
#include "spiketorch/models/diehl_cook_params.hpp"

namespace mnist_example {

/// Defaults as the original eth.py; see command_line.hpp for what each one means.
struct options {
  std::string mode = "train";
  std::size_t n_neurons = 100;
  std::size_t epochs = 1;
  std::size_t n_train = 60000;
  std::size_t n_label = 0;  // 0: the whole (possibly limited) training set
  std::size_t n_test = 10000;
  double dt = 0.5;
  double time = 350.0;
  double rest = 150.0;
  double intensity = 2.0;
  std::uint64_t seed = 0;
  std::size_t update_interval = 1000;
  std::string data;  // empty: data/mnist, then ../shared/data/mnist
  std::string save, load, plot, json;
  std::size_t threads = std::max(1u, std::thread::hardware_concurrency());
  std::string device = "cpu";
  std::string synapse_decay = "exact";
  bool label_pass = true;
  bool quiet = false;

  std::size_t n_train_limit() const { return n_train; }
};

/// The network's parameters for training with these options (a checkpoint brings its own).
inline spiketorch::models::diehl_cook_params model_params(const options& o) {
  spiketorch::models::diehl_cook_params p;
  p.n_neurons = o.n_neurons;
  p.dt_ms = o.dt;
  p.time_ms = o.time;
  p.rest_ms = o.rest;
  p.intensity = o.intensity;
  p.seed = o.seed;
  if (o.synapse_decay == "euler")
    p.exc_synapses.scheme = p.inh_synapses.scheme =
        spiketorch::synapses::decay_scheme::forward_euler;
  return p;
}

/// The MNIST folder: --data if given, else data/mnist, else ../shared/data/mnist.
inline std::filesystem::path resolve_data_dir(const std::string& given) {
  namespace fs = std::filesystem;
  if (!given.empty()) {
    // With error codes: a symlink loop is a refusal naming --data, not a filesystem_error.
    std::error_code ec;
    spiketorch::require(fs::is_directory(given, ec), "--data ", given, " is not a directory",
                        fs::is_symlink(given, ec)
                            ? " (a symbolic link that leads nowhere: dangling or a loop)"
                            : "",
                        " (fetch MNIST with data/get_mnist.sh)");
    return given;
  }
  for (const char* candidate : {"data/mnist", "../shared/data/mnist"})
    if (fs::is_directory(candidate)) return candidate;
  throw spiketorch::invalid_argument(
      "no MNIST data found in data/mnist or ../shared/data/mnist: run data/get_mnist.sh "
      "(or pass --data DIR)");
}

namespace detail {

// Whether `path` is `dir` or lies under it, after resolving what exists of both.
inline bool within(const std::filesystem::path& path, const std::filesystem::path& dir) {
  std::error_code ec;
  const auto p = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec);
  const auto d = std::filesystem::weakly_canonical(std::filesystem::absolute(dir, ec), ec);
  const auto relative = p.lexically_relative(d);
  return !relative.empty() && *relative.begin() != "..";
}

}  // namespace detail

/// Refuses, before any loading or training, the output paths that could only fail once the work
/// is done: --json FILE is written (atomically, through FILE.tmp) into an existing writable
/// directory and must not be a directory; --plot DIR is created if needed and must end up a
/// writable directory. Neither may lie in the --save directory, which a checkpoint's commit
/// replaces as a whole.
inline void check_output_paths(const options& o) {
  namespace fs = std::filesystem;
  using spiketorch::require;
  std::error_code ec;
  if (!o.save.empty())
    for (const auto& [name, path] : {std::pair{"--json", &o.json}, std::pair{"--plot", &o.plot}})
      require(path->empty() || !detail::within(*path, o.save), name, " ", *path,
              " lies in the --save directory ", o.save,
              ", which the checkpoint replaces as a whole; write it elsewhere");
  if (!o.json.empty()) {
    const fs::path file = o.json;
    require(file.has_filename(), "--json ", o.json,
            " ends in a separator; expected the name of a file to write the report to");
    require(!fs::is_directory(file, ec), "--json ", o.json,
            " is a directory; expected the name of a file to write the report to");
    const fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    require(fs::is_directory(dir, ec), "--json ", o.json, ": ", dir.string(),
            fs::exists(dir, ec) ? " is not a directory" : " does not exist",
            " (the report is written into an existing directory)");
    require(spiketorch::can_create_in(dir), "--json ", o.json, ": cannot create files in ",
            dir.string(), " (read-only or no permission)");
  }
  if (!o.plot.empty()) {
    const fs::path dir = o.plot;
    if (fs::exists(dir, ec)) {
      require(fs::is_directory(dir, ec), "--plot ", o.plot,
              " exists and is not a directory; expected a directory for the figures");
      require(spiketorch::can_create_in(dir), "--plot ", o.plot,
              ": cannot create files in it (read-only or no permission)");
    } else {
      const fs::path base = spiketorch::nearest_existing_ancestor(dir);
      require(fs::is_directory(base, ec), "--plot ", o.plot, ": cannot be created, ", base.string(),
              " is not a directory");
      require(spiketorch::can_create_in(base), "--plot ", o.plot, ": cannot be created in ",
              base.string(), " (read-only or no permission)");
    }
  }
}

}  // namespace mnist_example
