// backend::cuda: the same network type on an NVIDIA GPU, by changing one template argument:
//
//   #include "spiketorch/backend/cuda/runner.cuh"   // in a .cu file compiled by nvcc
//   using net_t = network<layers<...>, projections<...>, backend::cuda>;
//   net_t net(config, sizes);  ...  net.run(350.0);        // one kernel launch per run()
//
// A run (one presentation) is ONE launch of a persistent kernel (backend/cuda/kernels.cuh): one
// thread block loops over all steps, synchronising its threads between the stages of
// network/schedule.hpp, so a Diehl & Cook presentation of ~1,000 steps of a few microseconds each
// costs one launch instead of thousands. One block suits populations of up to a few thousand
// neurons (each thread handles size/blockDim neurons); larger networks still run, with
// proportionally more work per thread. Batches run one block per replica (backend/cuda/batch.cuh).
//
// Memory: all device memory is plain cudaMalloc (RAII buffers, backend/cuda/buffer.cuh); what is
// transferred when is described in backend/cuda/mirror.cuh. The host copy of the network is
// authoritative after every run. Failing CUDA calls throw backend::cuda_error naming the call.
//
// Reproducibility: input spikes are drawn on the host by the layer's encoder from the same
// counter-based streams as on the CPU and uploaded per presentation, and the kernels reproduce
// the CPU's order of floating-point operations (see kernels.cuh), so a run gives the same spikes
// on both backends. For bitwise agreement compile without fused multiply-add contraction:
// -fmad=false for the device and -ffp-contract=off for the host (g++ contracts a*b+c in C++
// modes when the target has FMA, e.g. with -march=native); cuda/meson.build does both.
//
// Compile-time support: every NeuronModel, SynapseKernel, PlasticRule and Encoder (they are used
// through their concepts); topologies dense, sparse, one_to_one and all_but_self (others stop
// compilation with a static_assert naming the topology). Sparse projections find synapse (i, j)
// by a binary search in row i, so their device cost grows with log(row length).
#pragma once

#if !defined(__CUDACC__) && !defined(SPIKETORCH_CUDA_EMULATION)
#error "spiketorch/backend/cuda/runner.cuh contains device code: compile it with nvcc (or define SPIKETORCH_CUDA_EMULATION)"
#endif

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <memory>
#include <span>
#include <thread>
#include <type_traits>
#include <tuple>
#include <utility>
#include <vector>

#include "spiketorch/backend/concepts.hpp"
#include "spiketorch/backend/cuda/buffer.cuh"
#include "spiketorch/backend/cuda/device.hpp"
#include "spiketorch/backend/cuda/error.hpp"
#include "spiketorch/backend/cuda/kernels.cuh"
#include "spiketorch/backend/cuda/mirror.cuh"
#include "spiketorch/learning/trace_state.hpp"
#include "spiketorch/network/network.hpp"

namespace spiketorch::backend {

namespace cuda_detail {

template <class Net>
class net_mirror;

/// References to the whole learning state of a plastic projection (learning/trace_state.hpp),
/// handed out by runner<cuda>, a friend of trace_state.
template <class R>
struct trace_internals {
  std::vector<std::uint64_t>& hist_step;
  std::vector<real>& hist_value;
  std::vector<std::size_t>& hist_head;
  std::array<std::vector<real>, R::n_pre_traces>& powers;
  bool (&power_tail_zero)[R::n_pre_traces];
  soa_block& post;
  std::vector<real>& post_hist;
  std::vector<std::vector<index_t>>& spike_ring;
  std::vector<std::uint64_t>& last_post;
  std::vector<std::uint8_t>& in_active;
  std::vector<index_t>& active;
  std::size_t slots;
  std::size_t depth;
  std::uint64_t window;
  std::uint64_t& t;
};

inline void upload_block(device_buffer<real>& dev, const soa_block& b, cudaStream_t s) {
  dev.reserve(std::max<std::size_t>(1, b.fields() * b.size()));
  dev.upload(b.data(), b.fields() * b.size(), s);
}
inline void download_block(const device_buffer<real>& dev, soa_block& b, cudaStream_t s) {
  dev.download(b.data(), b.fields() * b.size(), s);
}
template <class T>
void upload_vector(device_buffer<T>& dev, const std::vector<T>& v, cudaStream_t s) {
  dev.reserve(std::max<std::size_t>(1, v.size()));
  dev.upload(v.data(), v.size(), s);
}

/// Spike schedules of a batch drawn in parts (one per host thread), then joined in sample order
/// into a layer buffer's CSR.
class schedule_parts {
 public:
  /// Threads worth starting for n samples: all cores, at least 4 samples each.
  explicit schedule_parts(std::size_t n_samples)
      : parts_(std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1,
                                       std::max<std::size_t>(1, n_samples / 4))) {}
  std::size_t count() const { return parts_.size(); }

  /// Appends the encoder's current schedule (n_steps + 1 offsets, relative to the part).
  template <class Enc>
  void append(std::size_t part, const Enc& enc, std::uint32_t n_steps) {
    append_spike_schedule(parts_[part].offsets, parts_[part].indices, enc, n_steps);
  }

  template <class Buffer>
  void move_into(Buffer& buf) {
    for (auto& p : parts_) {
      const auto base = static_cast<std::uint32_t>(buf.h_indices.size());
      require(buf.h_indices.size() + p.indices.size() < std::numeric_limits<std::uint32_t>::max(),
              "evaluate_batch: more than 2^32 input spikes in one batch; use smaller batches");
      for (std::uint32_t o : p.offsets) buf.h_offsets.push_back(base + o);
      buf.h_indices.insert(buf.h_indices.end(), p.indices.begin(), p.indices.end());
      p = {};
    }
  }

 private:
  struct part {
    std::vector<std::uint32_t> offsets;
    std::vector<index_t> indices;
  };
  std::vector<part> parts_;
};

/// Runs f(part, lo, hi) over `parts` contiguous chunks of [0, n), one thread each (the calling
/// thread takes the first); rethrows the first exception.
template <class F>
void parallel_chunks(std::size_t n, F&& f, std::size_t parts) {
  std::vector<std::exception_ptr> errors(parts);
  auto run = [&](std::size_t p) {
    try {
      f(p, n * p / parts, n * (p + 1) / parts);
    } catch (...) {
      errors[p] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t p = 1; p < parts; ++p) pool.emplace_back(run, p);
  run(0);
  for (auto& t : pool) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

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

}  // namespace cuda_detail

/// Runs presentations on the GPU. A friend of network (reaches its state tuples and counters).
template <>
struct runner<cuda> {
  /// The learning state of a plastic projection (runner<cuda> is a friend of trace_state).
  template <class R>
  static cuda_detail::trace_internals<R> internals(learning::trace_state<R>& s) {
    return {s.hist_step_, s.hist_value_, s.hist_head_, s.powers_,    s.power_tail_zero_,
            s.post_,      s.post_hist_,  s.spike_ring_, s.last_post_, s.in_active_,
            s.active_,    s.slots_,      s.depth_,     s.window_,    s.t_};
  }

  /// One presentation of `net` (network::run has already begun the encoders).
  template <class Net>
  static void run(Net& net, std::uint64_t n_steps) {
    Net* one[] = {&net};
    launch_each(std::span<Net* const>(one), n_steps);
  }

  /// One presentation of each network, all in one launch (one block per network): the batch mode
  /// for B independent copies (different seeds or parameters) of one network type. Equivalent to
  /// calling run(duration_ms) on each in turn.
  template <class Net>
  static void run_many(std::span<Net* const> nets, double duration_ms) {
    if (nets.empty()) return;
    require(std::isfinite(duration_ms) && duration_ms >= 0,
            "run_batch: duration_ms must be finite and >= 0, got ", duration_ms);
    std::uint64_t n_steps = 0;
    for (std::size_t b = 0; b < nets.size(); ++b) {
      Net& net = *nets[b];
      net.check_connected();
      const auto n = static_cast<std::uint64_t>(std::llround(duration_ms / net.config_.dt_ms));
      require(b == 0 || n == n_steps, "run_batch: network ", b, " has ", n,
              " steps for this duration, network 0 has ", n_steps, " (dt_ms differs)");
      n_steps = n;
      for (std::size_t c = 0; c < b; ++c)
        require(nets[c] != nets[b], "run_batch: network ", b, " appears twice in the batch");
    }
    for (Net* net : nets) net->begin_presentation(n_steps);
    launch_each(nets, n_steps);
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
    using mirror_t = cuda_detail::net_mirror<Net>;
    using traits = typename mirror_t::traits;
    cuda_detail::require_device();
    net.check_connected();
    require(n_samples > 0, "evaluate_batch: at least one sample is needed");
    require(n_samples <= 0x7fffffffu, "evaluate_batch: too many samples in one batch (", n_samples,
            ")");
    require(n_steps < std::numeric_limits<std::uint32_t>::max(),
            "evaluate_batch: too many steps in one presentation (", n_steps, ")");
    require(threads >= 32 && threads <= 1024 && threads % 32 == 0,
            "evaluate_batch: threads per sample must be a multiple of 32 in [32, 1024], got ",
            threads);
    const auto steps = static_cast<std::uint32_t>(n_steps);
    auto m = cuda_detail::mirror_registry::instance().get<mirror_t>(&net);
    try {
      cudaStream_t s = m->strm.get();
      auto& set = m->eval_set;
      m->upload_params(net.projections_, s);
      m->upload_state(set, net.layers_, net.projections_, n_samples, steps, false, record, s);
      mirror_t::template for_each_index<Net::n_layers>([&](auto ic) {
        constexpr std::size_t I = decltype(ic)::value;
        if constexpr (traits::template layer_t<I>::is_input) {
          auto& layer = std::get<I>(net.layers_);
          auto& buf = std::get<I>(set.layers);
          const auto stream = net.layer_stream(Net::layer_names[I]);
          buf.clear_schedule();
          counts[I].assign(n_samples * layer.size, 0);
          if (record) rasters[I].assign(std::size_t(steps) * n_samples * layer.size, 0);
          // The samples' input spikes are drawn on the host, by several threads for large
          // batches (each sample's draws are a function of its presentation index only).
          cuda_detail::schedule_parts parts(n_samples);
          cuda_detail::parallel_chunks(n_samples, [&](std::size_t part, std::size_t lo, std::size_t hi) {
            auto enc = layer.encoder;  // a scratch copy with the layer's parameters
            for (std::size_t b = lo; b < hi; ++b) {
              enc.begin(values(I, b), steps, net.config_.dt_ms, stream,
                        static_cast<std::uint32_t>(presentation(b)));
              parts.append(part, enc, steps);
              for (std::uint32_t t = 0; t < steps; ++t)
                for (index_t i : enc.spikes_at(t)) {
                  ++counts[I][b * layer.size + i];
                  if (record) rasters[I][(std::size_t(t) * n_samples + b) * layer.size + i] = 1;
                }
            }
          }, parts.count());
          parts.move_into(buf);
          buf.upload_schedule(s);
        }
      });
      m->h_views.resize(n_samples);
      for (std::size_t b = 0; b < n_samples; ++b)
        m->h_views[b] = m->make_view(set, net.layers_, net.projections_, b, n_samples, steps,
                                     net.step_, false);
      m->views.reserve(n_samples);
      m->views.upload(m->h_views.data(), n_samples, s);
      if (steps > 0) {
        cuda_detail::launch_presentation(m->views.data(), static_cast<unsigned>(n_samples), threads,
                                         steps, s);
        cuda_detail::check_with(cudaGetLastError(), "launch of the presentation kernel (",
                                n_samples, " samples x ", threads, " threads)");
        m->strm.synchronize("the presentation kernel of an evaluation batch");
      }
      mirror_t::template for_each_index<Net::n_layers>([&](auto ic) {
        constexpr std::size_t I = decltype(ic)::value;
        if constexpr (!traits::template layer_t<I>::is_input) {
          auto& layer = std::get<I>(net.layers_);
          auto& buf = std::get<I>(set.layers);
          buf.download(layer, n_samples, steps, false, s);
        }
      });
      m->strm.synchronize("the downloads of an evaluation batch");
      mirror_t::template for_each_index<Net::n_layers>([&](auto ic) {
        constexpr std::size_t I = decltype(ic)::value;
        if constexpr (!traits::template layer_t<I>::is_input) {
          auto& buf = std::get<I>(set.layers);
          counts[I] = buf.out.counts;
          if (record) {
            if (steps > 0)
              rasters[I] = buf.out.raster;
            else
              rasters[I].clear();
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
  template <class Net>
  static void launch_each(std::span<Net* const> nets, std::uint64_t n_steps) {
    using mirror_t = cuda_detail::net_mirror<Net>;
    using traits = typename mirror_t::traits;
    cuda_detail::require_device();
    require(n_steps < std::numeric_limits<std::uint32_t>::max(),
            "backend::cuda: too many steps in one run (", n_steps, ")");
    require(nets.size() <= 0x7fffffffu, "backend::cuda: too many networks in one batch");
    const auto steps = static_cast<std::uint32_t>(n_steps);
    std::vector<std::shared_ptr<mirror_t>> ms;
    ms.reserve(nets.size());
    cuda_detail::mirror_registry::instance().ensure_capacity(nets.size());
    for (Net* net : nets) ms.push_back(cuda_detail::mirror_registry::instance().get<mirror_t>(net));
    try {
      cudaStream_t s = ms[0]->strm.get();
      std::size_t largest = 0;
      for (std::size_t b = 0; b < nets.size(); ++b) {
        Net& net = *nets[b];
        auto& m = *ms[b];
        for (std::size_t size : net.sizes_) largest = std::max(largest, size);
        m.upload_params(net.projections_, s);
        m.upload_state(m.run_set, net.layers_, net.projections_, 1, steps, net.learning_, false, s);
        mirror_t::template for_each_index<Net::n_layers>([&](auto ic) {
          constexpr std::size_t I = decltype(ic)::value;
          if constexpr (traits::template layer_t<I>::is_input) {
            auto& buf = std::get<I>(m.run_set.layers);
            buf.clear_schedule();
            buf.append_schedule(std::get<I>(net.layers_).encoder, steps);
            buf.upload_schedule(s);
          }
        });
      }
      auto& lead = *ms[0];
      lead.h_views.resize(nets.size());
      for (std::size_t b = 0; b < nets.size(); ++b) {
        Net& net = *nets[b];
        lead.h_views[b] = ms[b]->make_view(ms[b]->run_set, net.layers_, net.projections_, 0, 1,
                                           steps, net.step_, net.learning_);
      }
      lead.views.reserve(nets.size());
      lead.views.upload(lead.h_views.data(), nets.size(), s);
      if (steps > 0) {
        const unsigned threads = cuda_detail::block_threads(largest);
        cuda_detail::launch_presentation(lead.views.data(), static_cast<unsigned>(nets.size()),
                                         threads, steps, s);
        cuda_detail::check_with(cudaGetLastError(), "launch of the presentation kernel (",
                                nets.size(), " block(s) x ", threads, " threads, ", steps,
                                " steps)");
        lead.strm.synchronize("the presentation kernel");
      }
      for (std::size_t b = 0; b < nets.size(); ++b)
        ms[b]->download_run(nets[b]->layers_, nets[b]->projections_, steps, nets[b]->learning_, s);
      lead.strm.synchronize("the downloads after a run");
      for (std::size_t b = 0; b < nets.size(); ++b) {
        Net& net = *nets[b];
        ms[b]->finish_run(net.layers_, net.projections_, steps, net.learning_);
        net.step_ += steps;
      }
    } catch (...) {
      // The device copies are in an unknown state: drop them (the next run starts afresh).
      for (Net* net : nets) cuda_detail::mirror_registry::instance().release(net);
      throw;
    }
  }
};

namespace cuda_detail {

/// Everything the device holds for one network: parameters (weights, delays), the state of a
/// single run, the state of an evaluation batch, and the stream its work runs on.
template <class... L, class... P, class B>
class net_mirror<network<layers<L...>, projections<P...>, B>> : public mirror_base {
 public:
  using net_type = network<layers<L...>, projections<P...>, B>;
  using traits = net_traits<net_type>;
  using view_type = typename traits::view;

  struct state_set {
    std::tuple<layer_buffers<L>...> layers;
    std::tuple<projection_state_buffers<P>...> projs;
  };

  stream strm;
  std::tuple<projection_params<P>...> params;
  state_set run_set, eval_set;
  device_buffer<view_type> views{0, "network views"};
  std::vector<view_type> h_views;
  std::vector<real> scratch;  // state recorder frames on the host

  /// Weights, delays and sparse structure: uploaded when the host copy differs from the device's.
  void upload_params(std::tuple<projection_state<P>...>& projs, cudaStream_t s) {
    for_each_index<sizeof...(P)>([&](auto ic) {
      constexpr std::size_t I = decltype(ic)::value;
      auto& host = std::get<I>(projs);
      auto& dev = std::get<I>(params);
      dev.w.upload_if_changed(std::span<const real>(host.topo.weights()), s);
      if constexpr (traits::template projection_t<I>::delay_type::has_delays)
        dev.delays.upload_if_changed(std::span<const std::uint8_t>(host.delay_steps), s);
      if constexpr (std::is_same_v<typename traits::template projection_t<I>::topology_type,
                                   topology::sparse>) {
        dev.row_ptr.upload_if_changed(host.topo.row_offsets(), s);
        dev.cols.upload_if_changed(host.topo.columns(), s);
      }
    });
  }

  /// State of `replicas` copies, each starting from the host state.
  void upload_state(state_set& set, std::tuple<layer_state<L>...>& layers,
                    std::tuple<projection_state<P>...>& projs, std::size_t replicas,
                    std::uint32_t n_steps, bool learning, bool record, cudaStream_t s) {
    for_each_index<sizeof...(L)>([&](auto ic) {
      constexpr std::size_t I = decltype(ic)::value;
      if constexpr (!traits::template layer_t<I>::is_input) {
        auto& pop = std::get<I>(layers);
        const bool raster = record || (replicas == 1 && pop.spikes.recorder.enabled());
        const bool rec = replicas == 1 && pop.state_rec.enabled();
        std::get<I>(set.layers).upload(pop, replicas, n_steps, raster, rec, s);
      }
    });
    for_each_index<sizeof...(P)>([&](auto ic) {
      constexpr std::size_t I = decltype(ic)::value;
      using proj_t = typename traits::template projection_t<I>;
      auto& host = std::get<I>(projs);
      auto& dev = std::get<I>(set.projs);
      if constexpr (proj_t::delay_type::has_delays) {
        const std::size_t width = host.ring.width(), slots = host.ring.slots();
        dev.slots = static_cast<std::uint32_t>(slots);
        dev.head = static_cast<std::uint32_t>(width ? host.ring.offsets()[0] / width : 0);
        dev.ring.reserve(replicas * slots * width);
        dev.ring.upload(host.ring.data(), slots * width, s);
        broadcast(dev.ring.data(), slots * width, replicas, s);
      }
      if constexpr (proj_t::rule_type::is_plastic) {
        if (learning) {
          require(replicas == 1, "backend::cuda: learning needs one replica per network");
          auto in = runner<cuda>::internals(host.rule.state);
          const std::size_t n_pre = host.topo.n_pre();
          upload_vector(dev.hist_step, in.hist_step, s);
          upload_vector(dev.hist_value, in.hist_value, s);
          upload_vector(dev.hist_head, in.hist_head, s);
          dev.h_powers.clear();
          dev.power_offset.clear();
          dev.power_size.clear();
          dev.power_tail_zero.clear();
          for (std::size_t f = 0; f < in.powers.size(); ++f) {
            dev.power_offset.push_back(static_cast<std::uint32_t>(dev.h_powers.size()));
            dev.power_size.push_back(static_cast<std::uint32_t>(in.powers[f].size()));
            dev.power_tail_zero.push_back(in.power_tail_zero[f]);
            dev.h_powers.insert(dev.h_powers.end(), in.powers[f].begin(), in.powers[f].end());
          }
          dev.powers.upload_if_changed(std::span<const real>(dev.h_powers), s);
          upload_block(dev.post, in.post, s);
          upload_vector(dev.post_hist, in.post_hist, s);
          upload_vector(dev.last_post, in.last_post, s);
          upload_vector(dev.in_active, in.in_active, s);
          dev.h_ring_spikes.assign(in.slots * n_pre, 0);
          dev.h_ring_counts.assign(in.slots, 0);
          for (std::size_t k = 0; k < in.slots; ++k) {
            std::copy(in.spike_ring[k].begin(), in.spike_ring[k].end(),
                      dev.h_ring_spikes.begin() + std::ptrdiff_t(k * n_pre));
            dev.h_ring_counts[k] = static_cast<std::uint32_t>(in.spike_ring[k].size());
          }
          upload_vector(dev.ring_spikes, dev.h_ring_spikes, s);
          upload_vector(dev.ring_counts, dev.h_ring_counts, s);
          dev.trace_slots = static_cast<std::uint32_t>(in.slots);
          dev.trace_depth = static_cast<std::uint32_t>(in.depth);
          dev.t0 = in.t;
          dev.window = in.window;
        }
      }
    });
  }

  /// The device view of replica `r` of a state set.
  view_type make_view(state_set& set, std::tuple<layer_state<L>...>& layers,
                      std::tuple<projection_state<P>...>& projs, std::size_t r,
                      std::size_t replicas, std::uint32_t n_steps, std::uint64_t step0,
                      bool learning) {
    view_type v{};
    for_each_index<sizeof...(L)>([&](auto ic) {
      constexpr std::size_t I = decltype(ic)::value;
      auto& pop = std::get<I>(layers);
      if constexpr (traits::template layer_t<I>::is_input)
        get<I>(v.layers) =
            std::get<I>(set.layers).view(r, n_steps, static_cast<std::uint32_t>(pop.size));
      else
        get<I>(v.layers) = std::get<I>(set.layers).view(pop, r, replicas);
    });
    for_each_index<sizeof...(P)>([&](auto ic) {
      constexpr std::size_t I = decltype(ic)::value;
      using proj_t = typename traits::template projection_t<I>;
      auto& host = std::get<I>(projs);
      auto& par = std::get<I>(params);
      auto& st = std::get<I>(set.projs);
      auto& pv = get<I>(v.projs);
      pv.w = par.w.dev.data();
      pv.n_pre = static_cast<std::uint32_t>(host.topo.n_pre());
      pv.n_post = static_cast<std::uint32_t>(host.topo.n_post());
      if constexpr (std::is_same_v<typename proj_t::topology_type, topology::sparse>) {
        pv.row_ptr = par.row_ptr.dev.data();
        pv.cols = par.cols.dev.data();
      } else {
        pv.row_ptr = nullptr;
        pv.cols = nullptr;
      }
      if constexpr (proj_t::delay_type::has_delays) {
        pv.delays = par.delays.dev.data();
        pv.slots = st.slots;
        pv.head = st.head;
        pv.ring = st.ring.data() + r * std::size_t(st.slots) * pv.n_post;
      } else {
        pv.delays = nullptr;
        pv.ring = nullptr;
        pv.slots = 0;
        pv.head = 0;
      }
      if constexpr (proj_t::rule_type::is_plastic) {
        pv.rule.d = host.rule.derived;
        if (learning) {
          pv.rule.hist_step = st.hist_step.data();
          pv.rule.hist_value = st.hist_value.data();
          pv.rule.hist_head = st.hist_head.data();
          pv.rule.powers = st.powers.dev.data();
          for (std::size_t f = 0; f < proj_t::rule_type::n_pre_traces; ++f) {
            pv.rule.power_offset[f] = st.power_offset[f];
            pv.rule.power_size[f] = st.power_size[f];
            pv.rule.power_tail_zero[f] = st.power_tail_zero[f];
          }
          pv.rule.post = st.post.data();
          pv.rule.post_hist = st.post_hist.data();
          pv.rule.ring_spikes = st.ring_spikes.data();
          pv.rule.ring_counts = st.ring_counts.data();
          pv.rule.last_post = st.last_post.data();
          pv.rule.in_active = st.in_active.data();
          pv.rule.t0 = st.t0;
          pv.rule.window = st.window;
          pv.rule.slots = st.trace_slots;
          pv.rule.depth = st.trace_depth;
        }  // else the learning stage does not run and touches none of them
      }
    });
    v.step0 = step0;
    v.learning = learning ? 1u : 0u;
    return v;
  }

  /// Queues the downloads of a single run: state, rings, outputs; weights and traces if learning.
  void download_run(std::tuple<layer_state<L>...>& layers, std::tuple<projection_state<P>...>& projs,
                    std::uint32_t n_steps, bool learning, cudaStream_t s) {
    for_each_index<sizeof...(L)>([&](auto ic) {
      constexpr std::size_t I = decltype(ic)::value;
      if constexpr (!traits::template layer_t<I>::is_input)
        std::get<I>(run_set.layers).download(std::get<I>(layers), 1, n_steps, true, s);
    });
    for_each_index<sizeof...(P)>([&](auto ic) {
      constexpr std::size_t I = decltype(ic)::value;
      using proj_t = typename traits::template projection_t<I>;
      auto& host = std::get<I>(projs);
      auto& st = std::get<I>(run_set.projs);
      if constexpr (proj_t::delay_type::has_delays) {
        // Move the host ring's head by as many steps as the device ran (advance() clears the
        // slot it leaves, but every slot is overwritten by the download that follows).
        for (std::uint32_t k = 0; k < n_steps % st.slots; ++k) host.ring.advance();
        st.ring.download(host.ring.data(), std::size_t(st.slots) * host.ring.width(), s);
      }
      if constexpr (proj_t::rule_type::is_plastic) {
        if (learning) {
          auto in = runner<cuda>::internals(host.rule.state);
          st.hist_step.download(in.hist_step.data(), in.hist_step.size(), s);
          st.hist_value.download(in.hist_value.data(), in.hist_value.size(), s);
          st.hist_head.download(in.hist_head.data(), in.hist_head.size(), s);
          download_block(st.post, in.post, s);
          st.post_hist.download(in.post_hist.data(), in.post_hist.size(), s);
          st.last_post.download(in.last_post.data(), in.last_post.size(), s);
          st.in_active.download(in.in_active.data(), in.in_active.size(), s);
          st.ring_spikes.download(st.h_ring_spikes.data(), st.h_ring_spikes.size(), s);
          st.ring_counts.download(st.h_ring_counts.data(), st.h_ring_counts.size(), s);
          std::get<I>(params).w.download(host.topo.weights(), s);
        }
      }
    });
  }

  /// Host bookkeeping after the downloads of a single run completed: spike counts, recorders,
  /// last spikes, weight shadows.
  void finish_run(std::tuple<layer_state<L>...>& layers, std::tuple<projection_state<P>...>& projs,
                  std::uint32_t n_steps, bool learning) {
    for_each_index<sizeof...(L)>([&](auto ic) {
      constexpr std::size_t I = decltype(ic)::value;
      auto& layer = std::get<I>(layers);
      if constexpr (traits::template layer_t<I>::is_input) {
        for (std::uint32_t t = 0; t < n_steps; ++t) layer.spikes.count(layer.encoder.spikes_at(t));
        if (n_steps > 0) layer.step_spikes = layer.encoder.spikes_at(n_steps - 1);
      } else {
        auto& buf = std::get<I>(run_set.layers);
        auto& out = buf.out;
        const std::size_t n = layer.size;
        if (buf.raster_on) {
          // Replays the steps through the host bookkeeping: counts, totals and the raster.
          std::vector<index_t>& list = layer.spikes.current;
          for (std::uint32_t t = 0; t < n_steps; ++t) {
            list.clear();
            const std::uint8_t* row = out.raster.data() + std::size_t(t) * n;
            for (std::size_t i = 0; i < n; ++i)
              if (row[i]) list.push_back(static_cast<index_t>(i));
            layer.spikes.count(list);
          }
        } else {
          std::uint64_t total = 0;
          for (std::size_t i = 0; i < n; ++i) {
            layer.spikes.counts[i] += out.counts[i];
            total += out.counts[i];
          }
          layer.spikes.total += total;
        }
        if (n_steps > 0)
          layer.spikes.current.assign(out.spikes.begin(), out.spikes.begin() + out.n_spikes[0]);
        if (buf.rec_on) {
          scratch.assign(n, real(0));
          const auto neurons = layer.state_rec.neurons();
          for (std::uint32_t t = 0; t < n_steps; ++t) {
            for (std::size_t q = 0; q < neurons.size(); ++q)
              scratch[neurons[q]] = out.rec[std::size_t(t) * neurons.size() + q];
            layer.state_rec.record(scratch.data());
          }
        }
      }
    });
    for_each_index<sizeof...(P)>([&](auto ic) {
      constexpr std::size_t I = decltype(ic)::value;
      using proj_t = typename traits::template projection_t<I>;
      if constexpr (proj_t::rule_type::is_plastic) {
        if (learning) {
          auto& host = std::get<I>(projs);
          auto& st = std::get<I>(run_set.projs);
          std::get<I>(params).w.mark_synced(std::span<const real>(host.topo.weights()));
          // The learning state's host-only parts: the recent spike lists, the list of active
          // targets (rebuilt in increasing index order; the CPU keeps activation order, which
          // affects no result) and the step counter.
          auto in = runner<cuda>::internals(host.rule.state);
          const std::size_t n_pre = host.topo.n_pre();
          for (std::size_t k = 0; k < in.slots; ++k) {
            const auto first = st.h_ring_spikes.begin() + std::ptrdiff_t(k * n_pre);
            in.spike_ring[k].assign(first, first + st.h_ring_counts[k]);
          }
          in.active.clear();
          for (std::size_t j = 0; j < in.in_active.size(); ++j)
            if (in.in_active[j]) in.active.push_back(static_cast<index_t>(j));
          in.t += n_steps;
        }
      }
    });
  }

  template <std::size_t N, class F>
  static void for_each_index(F&& f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (f(std::integral_constant<std::size_t, I>{}), ...);
    }(std::make_index_sequence<N>{});
  }
};

}  // namespace cuda_detail

/// Drops the device copy of a network (optional: copies are also evicted least-recently-used).
template <class Net>
void cuda_release(const Net& net) {
  runner<cuda>::release(net);
}

}  // namespace spiketorch::backend
