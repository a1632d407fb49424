// RAII device memory: `device_buffer<T>` owns `n` elements of plain device memory (cudaMalloc,
// never managed memory) and frees them when destroyed. Copies are explicit and name what they
// copy, so a failing transfer says which one failed. Buffers only grow (`reserve`), so a runner
// that reuses them allocates nothing once warmed up.
#pragma once

#include "spiketorch/config.hpp"

#include "spiketorch/backend/cuda/runtime.hpp"

#include <cstddef>
#include <string>
#include <utility>

#include "spiketorch/backend/cuda/error.hpp"

namespace spiketorch::backend::cuda_detail {

template <class T>
class device_buffer {
 public:
  device_buffer() = default;
  explicit device_buffer(std::size_t n, std::string label = "buffer") : label_(std::move(label)) {
    reserve(n);
  }
  device_buffer(const device_buffer&) = delete;
  device_buffer& operator=(const device_buffer&) = delete;
  device_buffer(device_buffer&& o) noexcept
      : ptr_(std::exchange(o.ptr_, nullptr)), capacity_(std::exchange(o.capacity_, 0)),
        label_(std::move(o.label_)) {}
  device_buffer& operator=(device_buffer&& o) noexcept {
    if (this != &o) {
      release();
      ptr_ = std::exchange(o.ptr_, nullptr);
      capacity_ = std::exchange(o.capacity_, 0);
      label_ = std::move(o.label_);
    }
    return *this;
  }
  ~device_buffer() { release(); }

  /// Room for at least n elements; the old contents are dropped when it has to grow.
  void reserve(std::size_t n) {
    if (n <= capacity_) return;
    release();
    void* p = nullptr;
    check_with(cudaMalloc(&p, n * sizeof(T)), "cudaMalloc(", label_, ", ", n * sizeof(T), " bytes)");
    ptr_ = static_cast<T*>(p);
    capacity_ = n;
  }
  T* data() { return ptr_; }
  const T* data() const { return ptr_; }
  std::size_t capacity() const { return capacity_; }

  void upload(const T* host, std::size_t n, cudaStream_t stream, std::size_t offset = 0) {
    if (n == 0) return;
    check_with(cudaMemcpyAsync(ptr_ + offset, host, n * sizeof(T), cudaMemcpyHostToDevice, stream),
               "cudaMemcpyAsync(host -> device, ", label_, ", ", n * sizeof(T), " bytes)");
  }
  void download(T* host, std::size_t n, cudaStream_t stream, std::size_t offset = 0) const {
    if (n == 0) return;
    check_with(cudaMemcpyAsync(host, ptr_ + offset, n * sizeof(T), cudaMemcpyDeviceToHost, stream),
               "cudaMemcpyAsync(device -> host, ", label_, ", ", n * sizeof(T), " bytes)");
  }
  void zero(std::size_t n, cudaStream_t stream) {
    if (n == 0) return;
    check_with(cudaMemsetAsync(ptr_, 0, n * sizeof(T), stream), "cudaMemsetAsync(", label_, ")");
  }

 private:
  void release() noexcept {
    // cudaFree's status is ignored here: destructors must not throw, and a failure means the
    // context is already gone (process teardown) or broken (reported by the call that broke it).
    if (ptr_) cudaFree(ptr_);
    ptr_ = nullptr;
    capacity_ = 0;
  }
  T* ptr_ = nullptr;
  std::size_t capacity_ = 0;
  std::string label_ = "buffer";
};

/// An owned CUDA stream.
class stream {
 public:
  stream() { check(cudaStreamCreateWithFlags(&s_, cudaStreamNonBlocking), "cudaStreamCreateWithFlags"); }
  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;
  ~stream() {
    if (s_) cudaStreamDestroy(s_);
  }
  cudaStream_t get() const { return s_; }
  void synchronize(std::string_view what) const {
    check_with(cudaStreamSynchronize(s_), "cudaStreamSynchronize(after ", what, ")");
  }

 private:
  cudaStream_t s_ = nullptr;
};

}  // namespace spiketorch::backend::cuda_detail
