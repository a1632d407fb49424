// The device copies of a network's arrays: the CUDA backend's map (core/array_map.hpp). A
// network builds its view by visiting its arrays in a fixed order; the map keeps one device
// buffer per visited array, in that order, and copies by the array's mode:
//   state     uploaded before every run, and downloaded after a run (`download_state`);
//             a batch of R replicas holds R copies, each starting from the host's;
//   constant  uploaded only when the host copy differs from the device's (compared with a host
//             shadow of what was last uploaded, about 1/10 of the cost of the copy), shared
//             by the replicas; e.g. weights while learning is off, delays, connectivity;
//   input     uploaded before every run, shared (an input layer's spike schedule).
// The host copy stays authoritative: after a run the state is back in the network, so the
// network's whole API keeps working, and a map is only a cache that can be dropped any time.
// A visit that finds another array at an entry (other host address or size) starts that entry
// afresh, so a map can never hand out a stale copy.
#pragma once

#include "spiketorch/config.hpp"

#if !defined(__CUDACC__) && !defined(SPIKETORCH_CUDA_EMULATION)
#error "spiketorch/backend/cuda/device_map.cuh contains device code: compile it with nvcc (or define SPIKETORCH_CUDA_EMULATION)"
#endif

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

#include "spiketorch/backend/cuda/buffer.cuh"
#include "spiketorch/backend/cuda/error.hpp"
#include "spiketorch/backend/cuda/runtime.hpp"

namespace spiketorch::backend::cuda_detail {

/// Copies replica 0 of `replicas` consecutive copies of `bytes` bytes into the others.
template <class Byte>
__global__ void broadcast_replica0(Byte* data, std::size_t bytes, std::size_t replicas) {
  const std::size_t total = bytes * (replicas - 1);
  for (std::size_t k = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; k < total;
       k += std::size_t(gridDim.x) * blockDim.x)
    data[bytes + k] = data[k % bytes];
}

class device_map {
 public:
  enum class mode { state, constant, input };

  /// Starts the visit of replica 0 of `replicas`: arrays are copied to the device.
  void begin(std::size_t replicas, cudaStream_t s) {
    replicas_ = std::max<std::size_t>(1, replicas);
    replica_ = 0;
    next_ = 0;
    stream_ = s;
  }
  /// Starts the visit of replica r > 0: only pointers are handed out.
  void begin_replica(std::size_t r) {
    replica_ = r;
    next_ = 0;
  }

  template <class T, class A>
  T* state(std::vector<T, A>& v) {
    return visit(v.data(), v.size(), mode::state);
  }
  template <class T>
  T* state(T& x) {
    return visit(&x, 1, mode::state);
  }
  template <class T, class A>
  T* constant(const std::vector<T, A>& v) {
    return visit(v.data(), v.size(), mode::constant);
  }
  template <class T, class A>
  T* input(const std::vector<T, A>& v) {
    return visit(v.data(), v.size(), mode::input);
  }

  /// Queues the downloads of replica 0's state arrays into the host arrays they mirror.
  void download_state() const {
    for (std::size_t k = 0; k < next_; ++k) {
      const entry& e = entries_[k];
      if (e.m == mode::state && e.bytes > 0)
        e.dev.download(static_cast<std::byte*>(const_cast<void*>(e.host)), e.bytes, stream_);
    }
  }

 private:
  struct entry {
    const void* host = nullptr;
    std::size_t bytes = 0;
    mode m = mode::state;
    device_buffer<std::byte> dev{0, "network array"};
    std::vector<std::byte> shadow;  // constant: what the device holds
    bool synced = false;
  };

  template <class T>
  T* visit(const T* host, std::size_t n, mode m) {
    if (next_ == entries_.size()) entries_.emplace_back();
    entry& e = entries_[next_++];
    const std::size_t bytes = n * sizeof(T);
    if (bytes == 0) return nullptr;
    if (replica_ == 0) {
      if (e.host != host || e.bytes != bytes || e.m != m) {
        e.host = host;
        e.bytes = bytes;
        e.m = m;
        e.synced = false;
      }
      const std::size_t copies = m == mode::state ? replicas_ : 1;
      if (e.dev.capacity() < copies * bytes) {
        e.dev.reserve(copies * bytes);
        e.synced = false;
      }
      const auto* src = reinterpret_cast<const std::byte*>(host);
      if (m == mode::constant) {
        if (!e.synced || std::memcmp(e.shadow.data(), src, bytes) != 0) {
          e.shadow.assign(src, src + bytes);
          e.dev.upload(e.shadow.data(), bytes, stream_);
          e.synced = true;
        }
      } else {
        e.dev.upload(src, bytes, stream_);
        if (m == mode::state && replicas_ > 1) broadcast(e, bytes);
      }
    }
    std::byte* base = e.dev.data() + (m == mode::state ? replica_ * bytes : 0);
    return reinterpret_cast<T*>(base);
  }

  void broadcast(entry& e, std::size_t bytes) {
    const std::size_t total = bytes * (replicas_ - 1);
    const auto blocks = static_cast<unsigned>(std::min<std::size_t>(1024, (total + 255) / 256));
    auto* data = reinterpret_cast<unsigned char*>(e.dev.data());
#if defined(SPIKETORCH_CUDA_EMULATION)
    emulation::launch(blocks, 256, [&] { broadcast_replica0(data, bytes, replicas_); });
#else
    broadcast_replica0<<<blocks, 256, 0, stream_>>>(data, bytes, replicas_);
#endif
    check(cudaGetLastError(), "launch of broadcast_replica0 (state of a batch)");
  }

  std::vector<entry> entries_;
  std::size_t next_ = 0, replicas_ = 1, replica_ = 0;
  cudaStream_t stream_ = nullptr;
};

}  // namespace spiketorch::backend::cuda_detail
