// Checks of command-line values shared by the example programs (CLI11 validators), so that every
// program refuses the same bad input with the same words.
#pragma once

#include <CLI/CLI.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "spiketorch/core/errors.hpp"

namespace spiketorch_examples {

/// A bad command line: the programs print the message and exit with status 2.
struct command_line_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <class... Args>
void check(bool ok, Args&&... message) {
  if (!ok) throw command_line_error(spiketorch::detail::concat(std::forward<Args>(message)...));
}

// CLI11 reads integers with strtoull in base 0, so "-1" would wrap to a huge count and "010" be
// octal. Counts and seeds are plain decimal numbers; this rewrites them in canonical form for
// CLI11's conversion.
inline CLI::Validator non_negative_integer() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        std::uint64_t v = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || ec != std::errc() || end != s.data() + s.size())
          return "needs a non-negative integer, got '" + s + "'";
        s = std::to_string(v);
        return {};
      },
      "", "non-negative integer");
}

// CLI11 accepts "nan" and "inf" for floating-point options; no setting here means anything then.
inline CLI::Validator finite_number() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        char* end = nullptr;
        const double x = std::strtod(s.c_str(), &end);
        if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(x))
          return "needs a number, got '" + s + "'";
        return {};
      },
      "", "finite number");
}

}  // namespace spiketorch_examples
