// Per-neuron initial values of a population's state fields (network.hpp: set_initial,
// set_initial_uniform, set_initial_normal). A population keeps the list of them and applies it
// after every re-initialisation from its parameters (construction, set_params, reset_state), so a
// network restarts from the same drawn values each time.
//
// Draws are addressed, not sequential: neuron i of the range takes the Philox words at
// coordinates (i, 0, 0) of the range's own stream (core/random.hpp; the stream id hashes the
// layer's and the field's names), so a value depends only on the seed, the names and i: the same
// on any machine and whatever else the network draws. Uniform values are lo + (hi - lo)·u with
// u in [0, 1) on a 2^-24 grid; normal ones mean + sd·z with z from Box-Muller on two words of the
// same counter (|z| <= 5.8 from the 24-bit grid, far beyond what a test of moments can see).
#pragma once

#include "spiketorch/config.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "spiketorch/core/random.hpp"

namespace spiketorch {

/// One initialiser of one state field over neurons [offset, offset + size) of a population.
struct state_initializer {
  enum class kind { values, uniform, normal };
  bool synapse_field = false;  // a field of the synapse kernel, else of the neuron model
  std::size_t field = 0;
  std::size_t offset = 0, size = 0;
  kind how = kind::values;
  double a = 0, b = 0;  // uniform: lo, hi; normal: mean, sd
  random_stream stream;
  std::vector<real> values;  // kind::values: one per neuron of the range

  /// Writes the range's values into `data`, the field's array over the whole population.
  void apply(real* data) const {
    real* out = data + offset;
    switch (how) {
      case kind::values:
        for (std::size_t i = 0; i < size; ++i) out[i] = values[i];
        break;
      case kind::uniform:
        for (std::size_t i = 0; i < size; ++i) {
          const double u = uniform01(stream.words(static_cast<std::uint32_t>(i), 0, 0).c[0]);
          out[i] = static_cast<real>(a + (b - a) * u);
        }
        break;
      case kind::normal:
        for (std::size_t i = 0; i < size; ++i) {
          const philox_counter w = stream.words(static_cast<std::uint32_t>(i), 0, 0);
          const double u1 = uniform01_open_low(w.c[0]), u2 = uniform01(w.c[1]);
          const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
          out[i] = static_cast<real>(a + b * z);
        }
        break;
    }
  }
  /// Whether this initialiser covers exactly what `other` covers (the later one replaces it).
  bool same_target(const state_initializer& other) const {
    return synapse_field == other.synapse_field && field == other.field && offset == other.offset &&
           size == other.size;
  }
};

}  // namespace spiketorch
