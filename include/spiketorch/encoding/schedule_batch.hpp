// The input spikes of many presentations at once, as one CSR over (presentation, step): what an
// evaluation batch of a device backend uploads (backend/cuda/runner.cuh). Drawn by copies of an
// encoder on all host cores.
#pragma once

#include "spiketorch/config.hpp"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <limits>
#include <thread>
#include <vector>

#include "spiketorch/core/errors.hpp"
#include "spiketorch/core/random.hpp"

namespace spiketorch::encoding {

/// Appends the schedule of each of `n_presentations` presentations of `n_steps` steps to
/// (offsets, events): presentation b's step t has the events events[offsets[o + b(n_steps + 1)
/// + t] ..), o being offsets' size on entry. `values(b)` is the encoder input and
/// `presentation(b)` the presentation index of b; b's draws depend on these only, so the split
/// over threads does not change the spikes.
template <class Enc, class Presentation, class Values>
void draw_schedules(const Enc& encoder, random_stream stream, double dt_ms,
                    std::size_t n_presentations, std::uint64_t n_steps,
                    Presentation&& presentation, Values&& values,
                    std::vector<std::uint32_t>& offsets, std::vector<index_t>& events) {
  const std::size_t parts = std::clamp<std::size_t>(
      std::thread::hardware_concurrency(), 1, std::max<std::size_t>(1, n_presentations / 4));
  struct part {
    std::vector<std::uint32_t> offsets;
    std::vector<index_t> events;
  };
  std::vector<part> drawn(parts);
  std::vector<std::exception_ptr> errors(parts);
  auto work = [&](std::size_t p) {
    try {
      Enc enc = encoder;  // a scratch copy with the layer's parameters
      for (std::size_t b = n_presentations * p / parts; b < n_presentations * (p + 1) / parts;
           ++b) {
        enc.begin(values(b), n_steps, dt_ms, stream, static_cast<std::uint32_t>(presentation(b)));
        const auto base = static_cast<std::uint32_t>(drawn[p].events.size());
        for (std::uint32_t x : enc.schedule().offsets()) drawn[p].offsets.push_back(base + x);
        const auto& e = enc.schedule().events();
        drawn[p].events.insert(drawn[p].events.end(), e.begin(), e.end());
      }
    } catch (...) {
      errors[p] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t p = 1; p < parts; ++p) pool.emplace_back(work, p);
  work(0);
  for (auto& t : pool) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  for (auto& p : drawn) {
    const auto base = static_cast<std::uint32_t>(events.size());
    require(events.size() + p.events.size() < std::numeric_limits<std::uint32_t>::max(),
            "draw_schedules: more than 2^32 input spikes in one batch; use smaller batches");
    for (std::uint32_t o : p.offsets) offsets.push_back(base + o);
    events.insert(events.end(), p.events.begin(), p.events.end());
  }
}

}  // namespace spiketorch::encoding
