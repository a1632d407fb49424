// backend::cuda: the same network type on an NVIDIA GPU, by changing one template argument:
//
//   #include "spiketorch/backend/cuda/runner.cuh"   // in a .cu file compiled by nvcc
//   using net_t = network<layers<...>, projections<...>, backend::cuda>;
//   net_t net(config, sizes);  ...  net.run(350.0);        // one kernel launch per run()
//
// A run (one presentation) is ONE launch of a kernel in which one thread block runs the step of
// step/step.hpp for all its steps, the block's threads being the execution policy
// (backend/cuda/execution.cuh): the step is the CPU's, not a copy. Batches run one block per
// network or per sample (backend/cuda/batch.cuh). All this file adds is where the arrays live
// (a device map, backend/cuda/device_map.cuh, kept per network object and dropped
// least-recently-used beyond 16, or by backend::cuda_release) and the launch. A failing CUDA call
// throws backend::cuda_error naming the call and drops the maps of that run; the network's host
// state may then be partly updated (reset or reload it).
//
// Reproducibility: input spikes are drawn on the host by the layers' encoders from the CPU's
// counter-based streams, and the step adds every sum in the CPU's order, so both backends give
// the same spikes. For the same bits, compile without fused multiply-add contraction
// (-fmad=false for the device, -ffp-contract=off for the host, as the top-level meson.build
// does). The device libm may differ in the last bit where the device evaluates a transcendental
// function: std::pow in stdp_weight_dependent, and pow(decay, age) for presynaptic traces older
// than the trace_state's table of powers (very slow traces only).
#pragma once

#include "spiketorch/config.hpp"

#if !defined(__CUDACC__) && !defined(SPIKETORCH_CUDA_EMULATION)
#error "spiketorch/backend/cuda/runner.cuh contains device code: compile it with nvcc (or define SPIKETORCH_CUDA_EMULATION)"
#endif

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "spiketorch/backend/concepts.hpp"
#include "spiketorch/backend/cuda/buffer.cuh"
#include "spiketorch/backend/cuda/device.hpp"
#include "spiketorch/backend/cuda/device_map.cuh"
#include "spiketorch/backend/cuda/error.hpp"
#include "spiketorch/backend/cuda/execution.cuh"
#include "spiketorch/encoding/schedule_batch.hpp"
#include "spiketorch/network/network.hpp"
#include "spiketorch/step/step.hpp"

namespace spiketorch::backend {
namespace cuda_detail {

/// The kernel: block b runs all `n_steps` steps of views[b].
template <class Desc>
__global__ void __launch_bounds__(1024)
    presentation_kernel(const network_view<Desc>* __restrict__ views, std::uint64_t n_steps) {
  __shared__ std::uint32_t scratch[cuda_block_execution::scratch_words];
  run_steps(cuda_block_execution{scratch}, views[blockIdx.x], n_steps);
}

/// Launches the kernel for `blocks` views. The descriptor is re-assembled from its deduced
/// elements rather than passed through a typedef: nvcc's host stub spells a kernel's template
/// arguments as written, and a typedef spelling would name the network type (whose fixed_string
/// names the host compiler cannot parse back).
template <class... LD, class... PD>
void launch_presentation(
    const network_view<network_desc<layer_list<LD...>, projection_list<PD...>>>* views,
    unsigned blocks, unsigned threads, std::uint64_t n_steps, cudaStream_t s) {
  using desc = network_desc<layer_list<LD...>, projection_list<PD...>>;
#if defined(SPIKETORCH_CUDA_EMULATION)
  (void)s;
  emulation::launch(blocks, threads, [&] { presentation_kernel<desc>(views, n_steps); });
#else
  presentation_kernel<desc><<<blocks, threads, 0, s>>>(views, n_steps);
#endif
  check_with(cudaGetLastError(), "launch of the presentation kernel (", blocks, " block(s) x ",
             threads, " threads, ", n_steps, " steps)");
}

/// Everything the device holds for one network object.
struct network_mirror {
  stream strm;
  device_map run_map, eval_map;
  device_buffer<std::byte> views{0, "network views"};
  // Evaluation batches: per layer, spike counts [sample][neuron] and rasters
  // [sample][time][neuron]; the input layers' schedules, one CSR per sample.
  std::vector<device_buffer<std::uint32_t>> counts;
  std::vector<device_buffer<std::uint64_t>> totals;
  std::vector<device_buffer<std::uint8_t>> rasters;
  device_buffer<std::uint32_t> offsets{0, "input spike schedules (offsets)"};
  device_buffer<index_t> events{0, "input spike schedules (events)"};

  template <class View>
  const View* upload_views(const std::vector<View>& h, cudaStream_t s) {
    views.reserve(h.size() * sizeof(View));
    views.upload(reinterpret_cast<const std::byte*>(h.data()), h.size() * sizeof(View), s);
    return reinterpret_cast<const View*>(views.data());
  }
};

/// The mirrors of the networks run lately, least recently used first.
class mirror_registry {
 public:
  static mirror_registry& instance() {
    static mirror_registry* r = new mirror_registry;  // never destroyed: outlives static networks
    return *r;
  }
  std::shared_ptr<network_mirror> get(const void* key) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first != key) continue;
      auto e = *it;
      entries_.erase(it);
      entries_.push_back(e);
      return e.second;
    }
    if (entries_.size() >= capacity_) entries_.erase(entries_.begin());
    entries_.emplace_back(key, std::make_shared<network_mirror>());
    return entries_.back().second;
  }
  void release(const void* key) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::erase_if(entries_, [&](const auto& e) { return e.first == key; });
  }
  /// Keeps at least n mirrors (a batch of n networks must not evict its own members).
  void ensure_capacity(std::size_t n) {
    std::lock_guard<std::mutex> lock(mutex_);
    capacity_ = std::max(capacity_, n);
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<const void*, std::shared_ptr<network_mirror>>> entries_;
  std::size_t capacity_ = 16;
};

/// Device presence, asked once per process.
inline void require_device() {
  static const int count = cuda_device_count();
  if (count <= 0)
    throw error(
        "backend::cuda: no CUDA device is available (cudaGetDeviceCount reports none, or no "
        "driver); build the network with backend::cpu instead");
}

/// Threads per block: enough for the largest layer, a whole number of warps, at most 1024.
inline unsigned block_threads(std::size_t largest_layer) {
  const std::size_t warps = (std::max<std::size_t>(largest_layer, 64) + 31) / 32;
  return static_cast<unsigned>(std::min<std::size_t>(warps * 32, 1024));
}

template <class Net>
std::size_t largest_layer(Net& net) {
  std::size_t largest = 0;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((largest = std::max(largest, net.template layer_at<I>().size)), ...);
  }(std::make_index_sequence<Net::n_layers>{});
  return largest;
}

}  // namespace cuda_detail

template <>
struct runner<cuda> {
  /// One presentation of `net` (network::run has begun it and ends it).
  template <class Net>
  static void run(Net& net, std::uint64_t n_steps) {
    Net* one[] = {&net};
    run_each(std::span<Net* const>(one), n_steps);
  }

  /// One presentation of each network, all in one launch (one block per network): the batch mode
  /// for B independent copies (different seeds or parameters) of one network type. Equivalent to
  /// calling run(duration_ms) on each in turn.
  template <class Net>
  static void run_many(std::span<Net* const> nets, double duration_ms) {
    if (nets.empty()) return;
    for (std::size_t b = 0; b < nets.size(); ++b) {
      nets[b]->require_connected();
      for (std::size_t c = 0; c < b; ++c)
        require(nets[c] != nets[b], "run_batch: network ", b, " appears twice in the batch");
    }
    std::uint64_t n_steps = 0;
    for (std::size_t b = 0; b < nets.size(); ++b) {
      const std::uint64_t n = nets[b]->begin_run(duration_ms);
      require(b == 0 || n == n_steps, "run_batch: network ", b, " has ", n,
              " steps for this duration, network 0 has ", n_steps, " (dt_ms differs)");
      n_steps = n;
    }
    run_each(nets, n_steps);
    for (Net* net : nets) net->end_run(n_steps);
  }

  /// Evaluation batch: `n_samples` presentations through one network with learning off, each
  /// starting from the network's current state, sample b drawing its input spikes as presentation
  /// `presentation(b)`. `values(layer_index, b)` returns the encoder input of input layer
  /// `layer_index` for sample b. The network itself is left unchanged. Outputs: per layer spike
  /// counts [sample][neuron] and, with `record`, rasters [time][sample][neuron].
  template <class Net, class Presentation, class Values>
  static void evaluate(Net& net, std::size_t n_samples, std::uint64_t n_steps,
                       Presentation&& presentation, bool record, unsigned threads,
                       Values&& values,
                       std::array<std::vector<std::uint32_t>, Net::n_layers>& counts,
                       std::array<std::vector<std::uint8_t>, Net::n_layers>& rasters) {
    cuda_detail::require_device();
    net.require_connected();
    require(n_samples > 0, "evaluate_batch: at least one sample is needed");
    require(n_samples <= 0x7fffffffu, "evaluate_batch: too many samples in one batch (", n_samples,
            ")");
    require(n_steps < std::numeric_limits<std::uint32_t>::max(),
            "evaluate_batch: too many steps in one presentation (", n_steps, ")");
    require(threads >= 32 && threads <= 1024 && threads % 32 == 0,
            "evaluate_batch: threads per sample must be a multiple of 32 in [32, 1024], got ",
            threads);
    auto m = cuda_detail::mirror_registry::instance().get(&net);
    try {
      cudaStream_t s = m->strm.get();
      m->counts.resize(Net::n_layers);
      m->totals.resize(Net::n_layers);
      m->rasters.resize(Net::n_layers);
      // The samples' input spikes, drawn on the host (several threads for large batches).
      std::vector<std::uint32_t> h_offsets;
      std::vector<index_t> h_events;
      std::array<std::size_t, Net::n_layers> offsets_at{};
      for_layers<Net>([&](auto ic) {
        constexpr std::size_t I = decltype(ic)::value;
        auto& layer = net.template layer_at<I>();
        if constexpr (requires { layer.encoder; }) {
          offsets_at[I] = h_offsets.size();
          encoding::draw_schedules(layer.encoder, net.layer_stream(Net::layer_name(I)),
                                   net.dt_ms(), n_samples, n_steps, presentation,
                                   [&](std::size_t b) { return values(I, b); }, h_offsets,
                                   h_events);
        }
        const std::size_t n = layer.size;
        m->counts[I].reserve(n_samples * n);
        m->counts[I].zero(n_samples * n, s);
        m->totals[I].reserve(n_samples);
        m->totals[I].zero(n_samples, s);
        if (record && n_steps > 0) m->rasters[I].reserve(n_samples * n_steps * n);
      });
      m->offsets.reserve(std::max<std::size_t>(1, h_offsets.size()));
      m->offsets.upload(h_offsets.data(), h_offsets.size(), s);
      m->events.reserve(std::max<std::size_t>(1, h_events.size()));
      m->events.upload(h_events.data(), h_events.size(), s);

      std::vector<typename Net::view_type> h_views(n_samples);
      m->eval_map.begin(n_samples, s);
      for (std::size_t b = 0; b < n_samples; ++b) {
        if (b > 0) m->eval_map.begin_replica(b);
        auto& v = h_views[b];
        v = net.view(m->eval_map, false, false);
        // Each sample's own input schedule, counts and raster.
        for_layers<Net>([&](auto ic) {
          constexpr std::size_t I = decltype(ic)::value;
          auto& lv = tuple_at<I>(v.layers);
          const std::size_t n = lv.size;
          if constexpr (Net::desc::template layer_t<I>::is_input) {
            lv.offsets = m->offsets.data() + offsets_at[I] + b * (n_steps + 1);
            lv.events = m->events.data();
          }
          // A subgroup counts and records nothing (its parent does).
          if constexpr (!Net::desc::template layer_t<I>::is_subgroup) {
            lv.counts = m->counts[I].data() + b * n;
            lv.total = m->totals[I].data() + b;
            lv.raster = {record && n_steps > 0 ? m->rasters[I].data() + b * n_steps * n : nullptr,
                         n, static_cast<std::size_t>(n_steps), 0};
          }
        });
      }
      const auto* views = m->upload_views(h_views, s);
      if (n_steps > 0)
        cuda_detail::launch_presentation(views, static_cast<unsigned>(n_samples), threads, n_steps,
                                         s);
      std::vector<std::uint8_t> sample_major;
      for_layers<Net>([&](auto ic) {
        constexpr std::size_t I = decltype(ic)::value;
        if constexpr (Net::desc::template layer_t<I>::is_subgroup) return;  // taken below
        const std::size_t n = net.template layer_at<I>().size;
        counts[I].resize(n_samples * n);
        m->counts[I].download(counts[I].data(), n_samples * n, s);
        if (record && n_steps > 0) {
          sample_major.resize(n_samples * n_steps * n);
          m->rasters[I].download(sample_major.data(), sample_major.size(), s);
          m->strm.synchronize("the downloads of an evaluation batch");
          // [sample][time][neuron] -> [time][sample][neuron], as recordings of batches are kept.
          rasters[I].resize(sample_major.size());
          for (std::size_t b = 0; b < n_samples; ++b)
            for (std::uint64_t t = 0; t < n_steps; ++t)
              std::copy_n(sample_major.data() + (b * n_steps + t) * n, n,
                          rasters[I].data() + (t * n_samples + b) * n);
        } else {
          rasters[I].clear();
        }
      });
      m->strm.synchronize("the downloads of an evaluation batch");
      // A subgroup's counts and raster: its columns of its parent's.
      for_layers<Net>([&](auto ic) {
        constexpr std::size_t I = decltype(ic)::value;
        using layer_desc = typename Net::desc::template layer_t<I>;
        if constexpr (layer_desc::is_subgroup) {
          constexpr std::size_t p = layer_desc::parent_index;
          const auto& sub = net.template layer_at<I>();
          const std::size_t n = sub.size, np = net.template layer_at<p>().size;
          counts[I].resize(n_samples * n);
          for (std::size_t b = 0; b < n_samples; ++b)
            std::copy_n(counts[p].data() + b * np + sub.offset, n, counts[I].data() + b * n);
          rasters[I].clear();
          if (record && n_steps > 0) {
            rasters[I].resize(n_steps * n_samples * n);
            for (std::size_t r = 0; r < n_steps * n_samples; ++r)
              std::copy_n(rasters[p].data() + r * np + sub.offset, n, rasters[I].data() + r * n);
          }
        }
      });
    } catch (...) {
      cuda_detail::mirror_registry::instance().release(&net);
      throw;
    }
  }

  /// Drops the device copy of a network (it is rebuilt from the host copy on the next run).
  template <class Net>
  static void release(const Net& net) {
    cuda_detail::mirror_registry::instance().release(&net);
  }

 private:
  template <class Net, class F>
  static void for_layers(F&& f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (f(std::integral_constant<std::size_t, I>{}), ...);
    }(std::make_index_sequence<Net::n_layers>{});
  }

  template <class Net>
  static void run_each(std::span<Net* const> nets, std::uint64_t n_steps) {
    cuda_detail::require_device();
    require(nets.size() <= 0x7fffffffu, "backend::cuda: too many networks in one batch");
    auto& registry = cuda_detail::mirror_registry::instance();
    registry.ensure_capacity(nets.size());
    std::vector<std::shared_ptr<cuda_detail::network_mirror>> ms;
    for (Net* net : nets) ms.push_back(registry.get(net));
    try {
      cudaStream_t s = ms[0]->strm.get();
      std::vector<typename Net::view_type> h_views(nets.size());
      std::size_t largest = 0;
      for (std::size_t b = 0; b < nets.size(); ++b) {
        ms[b]->run_map.begin(1, s);
        h_views[b] = nets[b]->view(ms[b]->run_map);
        largest = std::max(largest, cuda_detail::largest_layer(*nets[b]));
      }
      const auto* views = ms[0]->upload_views(h_views, s);
      if (n_steps > 0)
        cuda_detail::launch_presentation(views, static_cast<unsigned>(nets.size()),
                                         cuda_detail::block_threads(largest), n_steps, s);
      for (auto& m : ms) m->run_map.download_state();
      ms[0]->strm.synchronize("the downloads after a run");
    } catch (...) {
      // The device copies are in an unknown state: drop them (the next run starts afresh).
      for (Net* net : nets) registry.release(net);
      throw;
    }
  }
};

/// Drops the device copy of a network (optional: copies are also evicted least-recently-used).
template <class Net>
void cuda_release(const Net& net) {
  runner<cuda>::release(net);
}

}  // namespace spiketorch::backend
