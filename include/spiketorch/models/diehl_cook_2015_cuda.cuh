// Evaluation of the Diehl & Cook model on the CUDA backend: a whole labelling or test pass as
// evaluation batches (backend/cuda/batch.cuh), B examples per kernel launch, with the same
// responses as the CPU's respond_all (models/diehl_cook_2015.hpp).
//
// Every example starts from the rested state (diehl_cook_2015::respond(image, id)), so the
// examples of a pass are independent and run side by side: round a presents every example that
// still has fewer than `min_spikes` excitatory spikes at intensity + a · intensity_step, with the
// input spikes of evaluation_presentation(id, a), exactly as the CPU does one example at a time.
#pragma once

#include "spiketorch/config.hpp"

#if !defined(__CUDACC__) && !defined(SPIKETORCH_CUDA_EMULATION)
#error "spiketorch/models/diehl_cook_2015_cuda.cuh contains device code: compile it with nvcc (or define SPIKETORCH_CUDA_EMULATION)"
#endif

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>
#include <xtensor/xtensor.hpp>

#include "spiketorch/backend/cuda/batch.cuh"
#include "spiketorch/models/diehl_cook_2015.hpp"

namespace spiketorch::models {

/// Examples per kernel launch in the CUDA respond_all: enough blocks to fill a large GPU several
/// times over, with device state of a few tens of kB per example at N = 400.
inline constexpr std::size_t cuda_respond_batch = 2048;

/// respond_all on the CUDA backend: the same [count, n_neurons] spike counts as the CPU version
/// (same ids, same seed). `threads` (host threads of the CPU version) is not used.
template <class Images, class Progress>
xt::xtensor<std::uint32_t, 2> respond_all(const diehl_cook_2015<backend::cuda>& model,
                                          const Images& images, std::size_t first, std::size_t count,
                                          std::size_t /*threads*/, std::uint64_t id_base,
                                          Progress&& progress, std::uint64_t* input_spikes = nullptr,
                                          std::uint64_t* presentations = nullptr) {
  using model_t = diehl_cook_2015<backend::cuda>;
  detail::check_respond_all(model, images, first, count, id_base);
  const auto& p = model.params();
  require(p.improvements.eval_repeats == 1, "respond_all on CUDA: improvements.eval_repeats = ",
          p.improvements.eval_repeats, " is evaluated on the CPU only (--device cpu)");
  const std::size_t n = p.n_neurons, pixels = p.n_input;
  xt::xtensor<std::uint32_t, 2> counts = xt::zeros<std::uint32_t>({count, n});
  std::uint64_t spikes = 0, runs = 0, done = 0;

  // A copy in the rested state: all samples of a batch start from it (its own device mirror).
  model_t rested = model;
  rested.to_rested_state();
  auto& net = rested.net();
  net.set_learning(false);

  std::vector<std::size_t> pending(count), retry;
  std::iota(pending.begin(), pending.end(), std::size_t{0});
  std::vector<std::uint64_t> ids;
  try {
    for (std::uint32_t attempt = 0; !pending.empty(); ++attempt) {
      const double intensity = rested.attempt_intensity(attempt);
      retry.clear();
      for (std::size_t lo = 0; lo < pending.size(); lo += cuda_respond_batch) {
        const std::size_t batch = std::min(cuda_respond_batch, pending.size() - lo);
        xt::xtensor<float, 2> rates = xt::zeros<float>({batch, pixels});
        ids.resize(batch);
        for (std::size_t b = 0; b < batch; ++b) {
          const std::size_t e = pending[lo + b];
          rested.rates_of({images.data() + (first + e) * pixels, pixels}, intensity,
                          {rates.data() + b * pixels, pixels});
          ids[b] = model_t::evaluation_presentation(id_base + first + e, attempt);
        }
        const auto r = backend::evaluate_batch<"X">(net, rates, p.time_ms, {.presentations = ids});
        const auto exc = r.template spike_counts<"Ae">();
        const auto in = r.template spike_counts<"X">();
        for (std::size_t b = 0; b < batch; ++b) {
          const std::size_t e = pending[lo + b];
          std::uint64_t total = 0;
          for (std::size_t j = 0; j < n; ++j) total += exc(b, j);
          for (std::size_t i = 0; i < pixels; ++i) spikes += in(b, i);
          ++runs;
          if (rested.accepts(total, attempt + 1)) {
            std::copy(&exc(b, 0), &exc(b, 0) + n, counts.data() + e * n);
            ++done;
          } else {
            retry.push_back(e);
          }
        }
        progress(done);
      }
      pending.swap(retry);
    }
  } catch (...) {
    backend::cuda_release(net);
    throw;
  }
  backend::cuda_release(net);
  if (input_spikes) *input_spikes = spikes;
  if (presentations) *presentations = runs;
  return counts;
}

}  // namespace spiketorch::models
