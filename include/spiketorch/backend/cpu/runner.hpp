// The CPU runs a presentation as the step's loop (step/step.hpp) over the network's own host
// arrays, with one thread (backend/cpu/execution.hpp).
#pragma once

#include "spiketorch/config.hpp"

#include <cstdint>

#include "spiketorch/backend/concepts.hpp"
#include "spiketorch/backend/cpu/execution.hpp"
#include "spiketorch/core/array_map.hpp"
#include "spiketorch/step/step.hpp"

namespace spiketorch::backend {

template <>
struct runner<cpu> {
  template <class Net>
  static void run(Net& net, std::uint64_t n_steps) {
    run_steps(cpu_execution{}, net.view(host_map{}), n_steps);
  }
};

}  // namespace spiketorch::backend
