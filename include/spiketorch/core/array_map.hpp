// How a state class hands its arrays to a view. Every state class (population, topology, delay
// ring, learning state, encoder schedule, recorder) builds its view by passing each of its
// arrays through a map, saying how the step uses it:
//   m.state(v)     read and written by the step (potentials, traces, spike lists, counts);
//   m.constant(v)  only read, and unchanged from one run to the next unless the host changes it
//                  (weights while learning is off, delays, connectivity, tables);
// `state` also takes a single value (a counter), as a one-element array.
//   m.input(v)     only read, new for every run (an input layer's spike schedule).
// On the host the map returns the array's own storage (host_map). A device backend maps each
// array to a device copy, and the mode tells it what to copy in which direction
// (backend/cuda/device_map.cuh). So the same view-building code serves every backend.
#pragma once

#include "spiketorch/config.hpp"

#include <vector>

namespace spiketorch {

struct host_map {
  template <class T, class A>
  T* state(std::vector<T, A>& v) const {
    return v.data();
  }
  /// A single value (a counter).
  template <class T>
  T* state(T& x) const {
    return &x;
  }
  template <class T, class A>
  T* constant(const std::vector<T, A>& v) const {
    return const_cast<T*>(v.data());
  }
  template <class T, class A>
  T* input(const std::vector<T, A>& v) const {
    return const_cast<T*>(v.data());
  }
};

}  // namespace spiketorch
