// Drives the learn stage of the step (step/stages.hpp) of one projection on the CPU directly with
// chosen spike lists, one call per simulation step, so a test controls the exact spike timing
// without building a network.
#pragma once

#include <spiketorch/backend/cpu/execution.hpp>
#include <spiketorch/core/array_map.hpp>
#include <spiketorch/learning/trace_state.hpp>
#include <spiketorch/step/stages.hpp>
#include <spiketorch/topology/delays.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace spiketorch::testing {

template <class Rule, class Topo>
struct rule_driver {
  typename Rule::derived d;
  Topo topo;
  std::vector<delays::steps_t> delay_steps;  // per synapse; empty = no delays
  learning::trace_state<Rule> traces;

  rule_driver(const typename Rule::params& p, double dt_ms, Topo t,
              std::vector<delays::steps_t> delays = {})
      : d(Rule::derive(p, dt_ms)), topo(std::move(t)), delay_steps(std::move(delays)) {
    std::size_t max_delay = 0;
    for (auto x : delay_steps) max_delay = std::max<std::size_t>(max_delay, x);
    traces = learning::trace_state<Rule>(topo.n_pre(), topo.n_post(), max_delay, d);
  }
  void step(std::vector<index_t> pre = {}, std::vector<index_t> post = {}) {
    projection_view<Topo, Rule, delays::none> v{};
    v.topo = topo.view(host_map{}, true);
    v.delays = delay_steps.empty() ? nullptr : delay_steps.data();
    v.rule = traces.view(host_map{});
    stages::learn(backend::cpu_execution{}, v,
                  spike_list{pre.data(), static_cast<std::uint32_t>(pre.size())},
                  spike_list{post.data(), static_cast<std::uint32_t>(post.size())}, 0);
    traces.ran(1);
  }
  void idle(std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) step();
  }
  real& w(std::size_t k) { return topo.weights()[k]; }
  void fill(real value) { std::fill(topo.weights().begin(), topo.weights().end(), value); }
};

}  // namespace spiketorch::testing
