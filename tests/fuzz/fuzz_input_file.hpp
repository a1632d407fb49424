// The parsers under test read files by path (they check sizes and types on the file system before
// reading), so each fuzz input is written to a file first. The files live in one directory per
// process under $SPIKETORCH_FUZZ_TMPDIR (run_fuzzer.sh points it at tmpfs and removes it), else
// under the system's temporary directory.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace spiketorch::fuzz {

/// A directory of this process's own; created on first use, removed at a normal exit. libFuzzer
/// does not always exit normally (-runs, crashes), so run_fuzzer.sh removes the parent directory.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    const char* env = std::getenv("SPIKETORCH_FUZZ_TMPDIR");
    const std::filesystem::path base = env != nullptr && *env != '\0'
                                           ? std::filesystem::path(env)
                                           : std::filesystem::temp_directory_path();
    std::filesystem::path d = base / ("spiketorch-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratch_dir(), ec);
    });
    return d;
  }();
  return dir;
}

/// Writes `size` bytes to `name` in the scratch directory, replacing what was there. Aborts when
/// the file cannot be written: a harness that silently tested nothing would pass every run.
inline std::filesystem::path write_input(const std::string& name, const std::uint8_t* data,
                                         std::size_t size) {
  const std::filesystem::path path = scratch_dir() / name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || (size > 0 && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
    std::perror(path.c_str());
    std::abort();
  }
  return path;
}

/// For invariants of accepted inputs: a violated one is a parser bug, reported as a crash.
inline void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
    std::abort();
  }
}

}  // namespace spiketorch::fuzz
