// Paths of the example programs: where MNIST is, and the output paths (--json, --plot, --save)
// checked before any work, so that a run cannot fail at its end on a path it could have refused
// at its start.
#pragma once

#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

#include "spiketorch/core/errors.hpp"
#include "spiketorch/io/output_path.hpp"

namespace spiketorch_examples {

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

/// Refuses, before any loading or training, the output paths (members json, plot and save of
/// Options) that could only fail once the work is done: --json FILE is written (atomically,
/// through FILE.tmp) into an existing writable directory and must not be a directory; --plot DIR
/// is created if needed and must end up a writable directory. Neither may lie in the --save
/// directory, which a checkpoint's commit replaces as a whole.
template <class Options>
void check_output_paths(const Options& o) {
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

}  // namespace spiketorch_examples
