// Errors of the CUDA runtime as exceptions. Every runtime call of the CUDA backend goes through
// `check(status, "what")`, so a failure says which call failed on what, e.g.
//   "backend::cuda: cudaMalloc(weights X->Ae, 1254400 bytes) failed: out of memory
//    (cudaErrorMemoryAllocation)".
// Needs the CUDA runtime headers (nvcc, or a host compiler with the CUDA include directory),
// or the host emulation (SPIKETORCH_CUDA_EMULATION).
#pragma once

#include "spiketorch/config.hpp"

#include "spiketorch/backend/cuda/runtime.hpp"

#include <string>
#include <string_view>

#include "spiketorch/core/errors.hpp"

namespace spiketorch::backend {

/// A CUDA runtime call failed; `code()` is the runtime's status.
struct cuda_error : error {
  cuda_error(cudaError_t status, const std::string& message) : error(message), status_(status) {}
  cudaError_t code() const { return status_; }

 private:
  cudaError_t status_;
};

namespace cuda_detail {

inline std::string describe(cudaError_t status, std::string_view what) {
  return detail::concat("backend::cuda: ", what, " failed: ", cudaGetErrorString(status), " (",
                        cudaGetErrorName(status), ")");
}

/// Throws cuda_error naming `what` unless `status` is cudaSuccess.
/// The runtime's last-error slot is cleared first, so a later launch check does not report
/// this (non-sticky) failure again.
inline void check(cudaError_t status, std::string_view what) {
  if (status != cudaSuccess) {
    (void)cudaGetLastError();
    throw cuda_error(status, describe(status, what));
  }
}

/// Same with a message built only on failure (for calls whose description needs formatting).
template <class... Args>
void check_with(cudaError_t status, Args&&... what) {
  if (status != cudaSuccess) check(status, detail::concat(std::forward<Args>(what)...));
}

}  // namespace cuda_detail
}  // namespace spiketorch::backend
