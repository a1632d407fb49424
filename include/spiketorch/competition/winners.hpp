// Competition among the feature maps of a (channels, height, width) layer of single-spike
// neurons, after a presentation, as SpykeTorch defines it (functional.get_k_winners,
// functional.pointwise_inhibition). A neuron is described by the step of its first spike
// (`never` if it did not fire) and its potential then (neurons::fire_once holds it).
//
// Order of neurons: the earlier first spike wins; at the same step the higher potential; at the
// same potential the lower map, then row, then column (SpykeTorch's order of a map-major
// tensor; the layers themselves are channels last, topology/grid.hpp). Silent neurons never win.
//
//   k_winners             up to k winners, one per map: after each winner its map and, in every
//                         map, the positions within `inhibition_radius` (Chebyshev distance) of
//                         it are out. Only winners learn (learning/winner_stdp.hpp).
//   pointwise_inhibition  at each position only the first map's neuron keeps its spike.
#pragma once

#include "spiketorch/config.hpp"

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "spiketorch/core/errors.hpp"
#include "spiketorch/topology/grid.hpp"

namespace spiketorch::competition {

/// First-spike step of a neuron that did not fire.
inline constexpr std::int64_t never = -1;

namespace detail {
/// Whether neuron a goes before neuron b (both fired).
inline bool before(std::span<const std::int64_t> first, std::span<const float> potential,
                   std::size_t channels, std::size_t a, std::size_t b) {
  if (first[a] != first[b]) return first[a] < first[b];
  if (potential[a] != potential[b]) return potential[a] > potential[b];
  if (a % channels != b % channels) return a % channels < b % channels;
  return a < b;
}
inline void check_sizes(const char* what, std::span<const std::int64_t> first,
                        std::span<const float> potential, topology::grid3 g) {
  require(first.size() == g.size() && potential.size() == g.size(), what, ": ", first.size(),
          " spike steps and ", potential.size(), " potentials for a ", g.channels, "x", g.height,
          "x", g.width, " layer (", g.size(), ")");
}
}  // namespace detail

struct k_winners_params {
  std::size_t k = 1;
  std::size_t inhibition_radius = 0;
};

/// The winners' indices, in the order they were chosen.
inline std::vector<index_t> k_winners(std::span<const std::int64_t> first_spike,
                                      std::span<const float> potential, topology::grid3 g,
                                      const k_winners_params& p) {
  detail::check_sizes("k_winners", first_spike, potential, g);
  std::vector<std::uint8_t> out(g.size(), 0);
  std::vector<index_t> winners;
  while (winners.size() < p.k) {
    std::size_t best = g.size();
    for (std::size_t i = 0; i < g.size(); ++i)
      if (!out[i] && first_spike[i] != never &&
          (best == g.size() || detail::before(first_spike, potential, g.channels, i, best)))
        best = i;
    if (best == g.size()) break;
    winners.push_back(index_t(best));
    const std::size_t map = best % g.channels, position = best / g.channels;
    const std::size_t y = position / g.width, x = position % g.width;
    for (std::size_t q = 0; q < g.height * g.width; ++q) out[q * g.channels + map] = 1;
    const std::size_t r = p.inhibition_radius;
    const std::size_t y0 = y >= r ? y - r : 0, y1 = std::min(g.height, y + r + 1);
    const std::size_t x0 = x >= r ? x - r : 0, x1 = std::min(g.width, x + r + 1);
    for (std::size_t yy = y0; yy < y1; ++yy)
      for (std::size_t xx = x0; xx < x1; ++xx)
        for (std::size_t c = 0; c < g.channels; ++c) out[g.index(c, yy, xx)] = 1;
  }
  return winners;
}

/// Silences (sets to `never`) every neuron but the first map's at each position.
inline void pointwise_inhibition(std::span<std::int64_t> first_spike,
                                 std::span<const float> potential, topology::grid3 g) {
  detail::check_sizes("pointwise_inhibition", first_spike, potential, g);
  for (std::size_t q = 0; q < g.height * g.width; ++q) {
    const std::size_t base = q * g.channels;
    std::size_t best = g.size();
    for (std::size_t i = base; i < base + g.channels; ++i)
      if (first_spike[i] != never &&
          (best == g.size() || detail::before(first_spike, potential, g.channels, i, best)))
        best = i;
    for (std::size_t i = base; i < base + g.channels; ++i)
      if (i != best) first_spike[i] = never;
  }
}

/// The first-spike step of each of n neurons from a presentation's events (neuron, step) in
/// step order, steps counted from `step0`.
inline std::vector<std::int64_t> first_spikes(std::span<const index_t> neurons,
                                              std::span<const std::int64_t> steps, std::size_t n,
                                              std::int64_t step0 = 0) {
  require(neurons.size() == steps.size(), "first_spikes: ", neurons.size(), " neurons and ",
          steps.size(), " steps");
  std::vector<std::int64_t> first(n, never);
  for (std::size_t e = 0; e < neurons.size(); ++e) {
    require(neurons[e] < n, "first_spikes: neuron ", neurons[e], " of a layer of ", n);
    if (first[neurons[e]] == never) first[neurons[e]] = steps[e] - step0;
  }
  return first;
}

}  // namespace spiketorch::competition
