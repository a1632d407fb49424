// Structure-of-arrays storage for per-neuron state. A model names its fields with an enum; the
// storage keeps one contiguous float array per field, and per-element model code sees one neuron
// through `element`, whose operator[] reads field f of that neuron. Loops over neurons then
// touch unit-stride arrays that the compiler vectorises, on the CPU and on the GPU alike.
#pragma once

#include "spiketorch/config.hpp"

#include <cstddef>
#include <span>
#include <vector>

#include "spiketorch/core/aligned_vector.hpp"
#include "spiketorch/core/errors.hpp"

namespace spiketorch {

/// One neuron's view into SoA storage: field f of neuron i lives at base[f * stride].
struct element {
  real* base;
  std::size_t stride;
  SPIKETORCH_HD real& operator[](std::size_t field) const { return base[field * stride]; }
};

/// `fields` arrays of `size` floats, field-major and contiguous, from a cache line on (each
/// field too when `size` is a multiple of 16).
class soa_block {
 public:
  soa_block() = default;
  soa_block(std::size_t fields, std::size_t size) : fields_(fields), size_(size), data_(fields * size) {}

  std::size_t size() const { return size_; }
  std::size_t fields() const { return fields_; }
  element at(std::size_t i) { return {data_.data() + i, size_}; }
  real* field(std::size_t f) { return data_.data() + f * size_; }
  const real* field(std::size_t f) const { return data_.data() + f * size_; }
  std::span<real> field_span(std::size_t f) { return {field(f), size_}; }
  std::span<const real> field_span(std::size_t f) const { return {field(f), size_}; }
  real* data() { return data_.data(); }
  const real* data() const { return data_.data(); }
  /// The whole block, field after field (for views: core/array_map.hpp).
  aligned_vector<real>& storage() { return data_; }

 private:
  std::size_t fields_ = 0, size_ = 0;
  aligned_vector<real> data_;
};

}  // namespace spiketorch
