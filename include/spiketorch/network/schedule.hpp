// The order of operations inside one simulation step, fixed for every network and backend.
//
// Step t (covering simulated time [t·dt, (t+1)·dt)):
//   1. inputs    each input layer takes the spikes its encoder scheduled for step t;
//   2. update    each population, in declaration order: the synapse kernel's drive is computed
//                from its state at the start of the step and V; the neuron integrates (or sits
//                out its refractory period); the synaptic state decays by one step; neurons
//                above threshold spike and are reset (adaptive thresholds rise, when learning);
//   3. deliver   each projection, in declaration order, adds the weights of the spikes its
//                source emitted in step t to the target's receptor channel (after d steps for
//                a synapse with delay d), where they first act in step t + d + 1;
//   4. learn     when learning is on, each plastic projection runs its rule for step t
//                (learning/concepts.hpp gives the order inside a rule);
//   5. record    spike counts, spike rasters and state recorders take step t.
// So every connection has an effective latency of one step, as in Brian's update order
// (state update, threshold, propagate) that the Diehl & Cook code ran on; input -> excitatory
// -> inhibitory -> excitatory takes three steps plus delays.
#pragma once

namespace spiketorch {
/// The stages of a step, in order (documentation and tests refer to them).
enum class step_stage { inputs, update, deliver, learn, record };
}  // namespace spiketorch
