// CUDA implementations of the per-step operations, and the persistent kernel that runs a whole
// presentation in one launch. Device code only: compile with nvcc.
//
// Each operation is a specialisation of `kernel<Op, cuda>` (the same vocabulary as the CPU
// backend, backend/cpu/kernels.hpp) whose `run` is executed by all threads of one thread block
// and calls the same SPIKETORCH_HD per-element model code as the CPU: Neuron::integrate / spiked
// / reset / periodic, Synapse::drive / decay, Rule::pre_spike / depress / potentiate /
// post_spike. There is no second copy of any model or rule here.
//
// Execution model: one thread block simulates one copy ("replica") of the network for all steps
// of a presentation (a persistent kernel: one launch per presentation), synchronising its
// threads with __syncthreads() between the stages of network/schedule.hpp. A launch with B
// blocks runs B replicas (batch mode): B independent networks, or B samples through one network
// sharing its (read-only) weights. Barriers per step:
//   update   3 per population and group of up to 32 x blockDim.x neurons (spike-list
//            compaction, compact_group), then 1;
//   deliver  1 per projection (+1 for one_to_one with delays: scatter, then drain the ring);
//   learn    4 per plastic projection (pre spikes | depression | potentiation | post traces);
//   record   1 at the end of the step.
// Diehl & Cook (N <= 1024 neurons per layer, one chunk) thus takes about 15 barriers per step.
// Work inside a stage is split by ownership: thread k handles neurons, targets or sources
// k, k + blockDim.x, ...; spike lists live in global memory (L1/L2-resident at these sizes).
//
// Determinism: nothing here depends on thread scheduling.
//   - Spike lists are built by an order-preserving block compaction (warp ballot + prefix sum over
//     warps, chunk by chunk), so they are in increasing neuron index, as on the CPU.
//   - Delivery and depression are "owner computes": the thread that owns target j walks the
//     presynaptic spike list in order and does every add into j's accumulator itself, so each
//     float sum happens in the CPU's order (no atomics). Potentiation is owned by the source i.
//     With -fmad=false (no fused multiply-add contraction) the arithmetic is the CPU's, so CPU and
//     GPU runs agree to the bit unless a transcendental function is evaluated on the device:
//     std::pow in stdp_weight_dependent, and pow(decay, age) for presynaptic traces older than
//     the trace_state's table of powers (only for very slow traces); the device libm may
//     differ there in the last bit.
#pragma once

#if !defined(__CUDACC__) && !defined(SPIKETORCH_CUDA_EMULATION)
#error "spiketorch/backend/cuda/kernels.cuh contains device code: compile it with nvcc (or define SPIKETORCH_CUDA_EMULATION)"
#endif

#include "spiketorch/backend/cuda/runtime.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "spiketorch/backend/concepts.hpp"
#include "spiketorch/config.hpp"
#include "spiketorch/core/soa.hpp"
#include "spiketorch/learning/concepts.hpp"
#include "spiketorch/network/layer.hpp"
#include "spiketorch/network/projection.hpp"
#include "spiketorch/neurons/concepts.hpp"
#include "spiketorch/synapses/concepts.hpp"
#include "spiketorch/topology/all_but_self.hpp"
#include "spiketorch/topology/dense.hpp"
#include "spiketorch/topology/one_to_one.hpp"
#include "spiketorch/topology/sparse.hpp"

namespace spiketorch {
template <class Layers, class Projections, class Backend>
class network;
}

namespace spiketorch::backend {
namespace cuda_detail {

template <class>
inline constexpr bool dependent_false = false;

// ---- a tuple usable in device code and trivially copyable into device memory ------------------
template <std::size_t I, class T>
struct leaf {
  T value;
};
template <class Seq, class... T>
struct tuple_impl;
template <std::size_t... I, class... T>
struct tuple_impl<std::index_sequence<I...>, T...> : leaf<I, T>... {};
template <class... T>
struct dtuple : tuple_impl<std::index_sequence_for<T...>, T...> {};
template <std::size_t I, class T>
SPIKETORCH_HD T& get(leaf<I, T>& l) {
  return l.value;
}
template <std::size_t I, class T>
SPIKETORCH_HD const T& get(const leaf<I, T>& l) {
  return l.value;
}

template <class F, std::size_t... I>
__device__ __forceinline__ void static_for_impl(F& f, std::index_sequence<I...>) {
  (f(std::integral_constant<std::size_t, I>{}), ...);
}
/// f(integral_constant<0>), ..., f(integral_constant<N - 1>), in order.
template <std::size_t N, class F>
__device__ __forceinline__ void static_for(F&& f) {
  static_for_impl(f, std::make_index_sequence<N>{});
}

/// The spikes of one layer in one step, in increasing index order.
struct spike_span {
  const index_t* data;
  std::uint32_t size;
};

// ---- descriptors: what the device code needs to know about layers and projections -----------
// Kernels are instantiated with these instead of the layer and projection declarations: those
// carry their names as class-type template arguments (fixed_string), which nvcc's generated host
// stub for a __global__ template cannot spell, and device code needs no names anyway.

/// An input layer (its spikes come from the host-built schedule).
struct input_desc {
  static constexpr bool is_input = true;
};
/// A population of Neuron with Synapse kernels.
template <class Neuron, class Synapse>
struct population_desc {
  static constexpr bool is_input = false;
  using neuron_type = Neuron;
  using synapse_type = Synapse;
};
/// A projection from layer PreIndex to layer PostIndex (declaration order).
template <class Topology, class Rule, class Delays, receptor Receptor, std::size_t PreIndex,
          std::size_t PostIndex>
struct projection_desc {
  using topology_type = Topology;
  using rule_type = Rule;
  using delay_type = Delays;
  static constexpr receptor target_receptor = Receptor;
  static constexpr std::size_t pre_index = PreIndex;
  static constexpr std::size_t post_index = PostIndex;
};
template <class... LayerDescs>
struct layer_list {};
template <class... ProjectionDescs>
struct projection_list {};
template <class Layers, class Projections>
struct network_desc;
template <class... LD, class... PD>
struct network_desc<layer_list<LD...>, projection_list<PD...>> {
  static constexpr std::size_t n_layers = sizeof...(LD);
  static constexpr std::size_t n_projections = sizeof...(PD);
  template <std::size_t I>
  using layer_t = std::tuple_element_t<I, std::tuple<LD...>>;
  template <std::size_t I>
  using projection_t = std::tuple_element_t<I, std::tuple<PD...>>;
};

template <class L>
struct layer_desc_of {
  using type = input_desc;
};
template <class L>
  requires(!L::is_input)
struct layer_desc_of<L> {
  using type = population_desc<typename L::neuron_type, typename L::synapse_type>;
};
/// The descriptor of a layer declaration (input<...> or population<...>).
template <class L>
using layer_desc_t = typename layer_desc_of<L>::type;

// ---- device views: plain pointers and derived constants, one per replica ----------------------

template <class LD, bool = LD::is_input>
struct layer_view;

/// An input layer: this presentation's spike schedule (CSR over steps, built on the host by the
/// layer's encoder, so both backends see the same input spikes).
template <class LD>
struct layer_view<LD, true> {
  const std::uint32_t* offsets;  // [n_steps + 1], absolute positions in `indices`
  const index_t* indices;
  std::uint32_t size;
  __device__ spike_span emitted(std::uint32_t t) const {
    const std::uint32_t a = offsets[t];
    return {indices + a, offsets[t + 1] - a};
  }
};

/// A population: SoA state ([field][neuron]) and the spikes of the current step.
template <class LD>
struct layer_view<LD, false> {
  using neuron_type = typename LD::neuron_type;
  using synapse_type = typename LD::synapse_type;
  real* neuron_state;   // neuron_type::n_fields x size
  real* synapse_state;  // synapse_type::n_fields x size
  std::uint32_t size;
  typename neuron_type::derived nd;
  typename synapse_type::derived sd;
  index_t* spikes;          // spikes of the current step, ascending; [size]
  std::uint32_t* n_spikes;  // their number (one value)
  std::uint32_t* counts;    // spikes per neuron during this launch; [size]
  std::uint8_t* raster;     // nullptr, or raster[t * raster_stride + i] = spiked (the
  std::size_t raster_stride;  // [time, batch, neuron] layout: stride = batch * size)
  const index_t* rec_neurons;  // state recorder: neurons, field id, output [n_steps][rec_k]
  std::uint32_t rec_k;
  std::uint32_t rec_field;
  real* rec_out;
  __device__ spike_span emitted(std::uint32_t) const { return {spikes, *n_spikes}; }
};

template <class R, bool = R::is_plastic>
struct rule_view {};
/// The learning state of learning/trace_state.hpp (trace_state), on the device, in the same
/// representation: lazy presynaptic traces (each source's last spikes with the trace values just
/// after them, read through a table of decay powers), postsynaptic traces and their history,
/// the recent presynaptic spike lists and the active targets.
template <class R>
struct rule_view<R, true> {
  static constexpr std::uint64_t never = ~std::uint64_t(0);
  typename R::derived d;
  std::uint64_t* hist_step;    // [n_pre][depth], `never` when unused
  real* hist_value;            // [n_pre][depth][R::n_pre_traces]
  std::size_t* hist_head;      // [n_pre], newest entry
  const real* powers;          // decay^k of trace f at powers[power_offset[f] + k]
  std::uint32_t power_offset[R::n_pre_traces];
  std::uint32_t power_size[R::n_pre_traces];
  bool power_tail_zero[R::n_pre_traces];  // beyond the table the power is 0 (else pow())
  real* post;                  // [R::n_post_traces][n_post]
  real* post_hist;             // [slots][R::n_post_traces][n_post]
  index_t* ring_spikes;        // presynaptic spikes of the last `slots` steps: [slots][n_pre]
  std::uint32_t* ring_counts;  // [slots]
  std::uint64_t* last_post;    // step of each target's last spike
  std::uint8_t* in_active;     // target has non-negligible traces
  std::uint64_t t0;            // the trace state's step counter at step 0 of the launch
  std::uint64_t window;        // steps after which a silent target's traces are negligible
  std::uint32_t slots;         // max_delay + 1
  std::uint32_t depth;         // max_delay + 2

  /// Traces of source i at step s (trace_state::pre_at).
  __device__ void pre_at(index_t i, std::uint64_t s, real* x) const {
    learning::detail::lazy_trace_at<R::n_pre_traces>(
        hist_step, hist_value, hist_head[i], depth, i, s,
        [&](std::size_t f, std::uint64_t age) {
          return age < power_size[f] ? powers[power_offset[f] + age]
                 : power_tail_zero[f]
                     ? real(0)
                     : static_cast<real>(pow(double(d.pre_decay[f]), double(age)));
        },
        x);
  }
  /// Records a spike of source i at step t with traces x (trace_state::push_pre).
  __device__ void push_pre(index_t i, std::uint64_t t, const real* x) const {
    std::size_t& h = hist_head[i];
    if (hist_step[std::size_t(i) * depth + h] != never) h = h + 1 == depth ? 0 : h + 1;
    const std::size_t slot = std::size_t(i) * depth + h;
    hist_step[slot] = t;
    for (std::size_t f = 0; f < R::n_pre_traces; ++f) hist_value[slot * R::n_pre_traces + f] = x[f];
  }
};

template <class PD>
struct projection_view {
  real* w;                     // topology's synapse order
  const std::uint8_t* delays;  // per synapse, or nullptr without delays
  real* ring;                  // [slots][n_post] delay ring, same layout as core/delay_ring.hpp
  std::uint32_t slots;
  std::uint32_t head;  // ring slot of "now" at step 0 of the launch
  std::uint32_t n_pre, n_post;
  const std::size_t* row_ptr;  // topology::sparse: CSR offsets [n_pre + 1], else nullptr
  const index_t* cols;         // topology::sparse: targets in row order, else nullptr
  rule_view<typename PD::rule_type> rule;
};

template <class Desc>
struct net_view;
template <class... LD, class... PD>
struct net_view<network_desc<layer_list<LD...>, projection_list<PD...>>> {
  dtuple<layer_view<LD>...> layers;
  dtuple<projection_view<PD>...> projs;
  std::uint64_t step0;     // network step counter at step 0 of the launch
  std::uint32_t learning;  // plasticity and adaptive thresholds on
};

/// Compile-time facts about a network type (host side): its declarations, names and descriptor.
template <class Net>
struct net_traits;
template <class... L, class... P, class B>
struct net_traits<network<layers<L...>, projections<P...>, B>> {
  static constexpr std::size_t n_layers = sizeof...(L);
  static constexpr std::size_t n_projections = sizeof...(P);
  template <std::size_t I>
  using layer_t = std::tuple_element_t<I, std::tuple<L...>>;
  template <std::size_t I>
  using projection_t = std::tuple_element_t<I, std::tuple<P...>>;
  static constexpr std::size_t find(std::string_view name) {
    constexpr std::array<std::string_view, n_layers> names{L::name.view()...};
    for (std::size_t i = 0; i < n_layers; ++i)
      if (names[i] == name) return i;
    return n_layers;
  }
  using desc = network_desc<
      layer_list<layer_desc_t<L>...>,
      projection_list<projection_desc<typename P::topology_type, typename P::rule_type,
                                      typename P::delay_type, P::target_receptor,
                                      find(P::pre.view()), find(P::post.view())>...>>;
  using view = net_view<desc>;
};

// ---- topologies on the device ------------------------------------------------------------------

/// Synapse addressing of a topology on the device. `one_to_one`: synapse k = i of pair (i, i);
/// otherwise `find(view, i, j)` gives the synapse of pair (i, j), or `no_synapse_k`.
inline constexpr std::size_t no_synapse_k = ~std::size_t(0);

template <class T>
struct device_topology {
  static_assert(dependent_false<T>,
                "spiketorch: backend::cuda has no device kernel for this topology (supported: "
                "topology::dense, topology::sparse, topology::one_to_one, topology::all_but_self)");
};
template <>
struct device_topology<topology::dense> {
  static constexpr bool one_to_one = false;
  template <class V>
  __device__ static std::size_t find(const V& p, index_t i, index_t j) {
    return std::size_t(i) * p.n_post + j;
  }
};
template <>
struct device_topology<topology::all_but_self> {
  static constexpr bool one_to_one = false;
  template <class V>
  __device__ static std::size_t find(const V& p, index_t i, index_t j) {
    if (i == j) return no_synapse_k;
    return std::size_t(i) * (p.n_post - 1) + (j < i ? j : j - 1);
  }
};
template <>
struct device_topology<topology::sparse> {
  static constexpr bool one_to_one = false;
  /// Binary search in source i's row (targets sorted), as topology::sparse::find on the host.
  template <class V>
  __device__ static std::size_t find(const V& p, index_t i, index_t j) {
    std::size_t lo = p.row_ptr[i], hi = p.row_ptr[i + 1];
    while (lo < hi) {
      const std::size_t mid = lo + (hi - lo) / 2;
      if (p.cols[mid] < j)
        lo = mid + 1;
      else
        hi = mid;
    }
    return lo < p.row_ptr[i + 1] && p.cols[lo] == j ? lo : no_synapse_k;
  }
};
template <>
struct device_topology<topology::one_to_one> {
  static constexpr bool one_to_one = true;
};

/// Inclusive prefix sum over the 32 lanes of a warp (all lanes must call it).
__device__ __forceinline__ std::uint32_t warp_inclusive_scan(std::uint32_t x) {
  const std::uint32_t lane = threadIdx.x & 31u;
  for (std::uint32_t offset = 1; offset < 32; offset <<= 1) {
    const std::uint32_t y = __shfl_up_sync(0xffffffffu, x, offset);
    if (lane >= offset) x += y;
  }
  return x;
}

/// Shared memory of the spike-list compaction: per (chunk, warp) counts, then offsets.
inline constexpr std::uint32_t compaction_scratch_words = 32 * 32 + 32;

/// Order-preserving compaction of a block's per-neuron spike flags into a spike list, for up to
/// min(32, warps) chunks of blockDim.x neurons at a time ("group"): neuron i = first + c *
/// blockDim.x + threadIdx.x of chunk c has bit c of `mask` set when it spiked. Writes the list
/// (increasing index) at list[base ...] and returns the number written. Three barriers per
/// group: counts per (chunk, warp) by ballot; offsets within each chunk (warp c scans chunk c);
/// offsets of the chunks (every warp scans the chunk totals). Every thread of the block must
/// call it; blockDim.x must be a multiple of 32.
__device__ __forceinline__ std::uint32_t compact_group(std::uint32_t mask, std::uint32_t chunks,
                                                       std::uint32_t first, std::uint32_t base,
                                                       index_t* list, std::uint32_t* scratch) {
  const std::uint32_t lane = threadIdx.x & 31u, warp = threadIdx.x >> 5;
  const std::uint32_t n_warps = blockDim.x >> 5;
  const std::uint32_t below = (1u << lane) - 1u;
  std::uint32_t* count = scratch;         // [chunk][warp]
  std::uint32_t* chunk_total = scratch + 32 * 32;
  for (std::uint32_t c = 0; c < chunks; ++c) {
    const std::uint32_t b = __ballot_sync(0xffffffffu, (mask >> c) & 1u);
    if (lane == 0) count[c * 32 + warp] = __popc(b);
  }
  __syncthreads();
  {  // warp c: offsets of the warps within chunk c
    const bool mine = warp < chunks && lane < n_warps;
    const std::uint32_t x = mine ? count[warp * 32 + lane] : 0u;
    const std::uint32_t incl = warp_inclusive_scan(x);
    if (mine) count[warp * 32 + lane] = incl - x;
    const std::uint32_t total = __shfl_sync(0xffffffffu, incl, 31);
    if (warp < chunks && lane == 0) chunk_total[warp] = total;
  }
  __syncthreads();
  const std::uint32_t y = lane < chunks ? chunk_total[lane] : 0u;
  const std::uint32_t incl = warp_inclusive_scan(y);
  const std::uint32_t chunk_offset = base + incl - y;  // lane c: where chunk c starts
  const std::uint32_t group_total = __shfl_sync(0xffffffffu, incl, 31);
  for (std::uint32_t c = 0; c < chunks; ++c) {
    const std::uint32_t b = __ballot_sync(0xffffffffu, (mask >> c) & 1u);
    const std::uint32_t start = __shfl_sync(0xffffffffu, chunk_offset, c);
    if ((mask >> c) & 1u)
      list[start + count[c * 32 + warp] + __popc(b & below)] = first + c * blockDim.x + threadIdx.x;
  }
  __syncthreads();  // scratch is reused by the next group
  return group_total;
}

}  // namespace cuda_detail

// ---- the per-step operations (block-level) -----------------------------------------------------

/// Stage 2 of a step for one population: drive, integrate, decay, threshold, reset; then the
/// spike list in increasing index order (compact_group). (The CPU resets in a second pass over the fired flags;
/// a reset touches only its own neuron, so resetting right after the threshold is the same.)
template <>
struct kernel<op::update_population, cuda> {
  template <class Neuron, class Synapse, class View>
  __device__ static void run(const View& v, step_context ctx, std::uint32_t t,
                             std::uint32_t* scratch) {
    const std::uint32_t n = v.size;
    const auto& nd = v.nd;
    const auto& sd = v.sd;
    bool periodic = false;
    if constexpr (neurons::HasPeriodicUpdate<Neuron>) periodic = Neuron::periodic_due(nd, ctx);
    const std::uint32_t group_chunks = std::min<std::uint32_t>(32, blockDim.x >> 5);
    const std::uint32_t group_size = group_chunks * blockDim.x;
    std::uint32_t base = 0;
    for (std::uint32_t first = 0; first < n; first += group_size) {
      const std::uint32_t chunks =
          std::min<std::uint32_t>(group_chunks, (n - first + blockDim.x - 1) / blockDim.x);
      std::uint32_t mask = 0;
      for (std::uint32_t c = 0; c < chunks; ++c) {
        const std::uint32_t i = first + c * blockDim.x + threadIdx.x;
        if (i >= n) continue;
        const element ns{v.neuron_state + i, n};
        const element ss{v.synapse_state + i, n};
        if constexpr (neurons::HasPeriodicUpdate<Neuron>)
          if (periodic) Neuron::periodic(ns, nd);
        const synaptic_drive in = Synapse::drive(ss, sd, ns[Neuron::v]);
        Neuron::integrate(ns, nd, in, ctx);
        Synapse::decay(ss, sd);
        const bool fired = Neuron::spiked(ns, nd);
        if (fired) {
          Neuron::reset(ns, nd, ctx);
          mask |= 1u << c;
        }
        if (v.raster) v.raster[std::size_t(t) * v.raster_stride + i] = fired ? 1 : 0;
      }
      base += cuda_detail::compact_group(mask, chunks, first, base, v.spikes, scratch);
    }
    if (threadIdx.x == 0) *v.n_spikes = base;
  }
};

/// Stage 3 for one projection: the weights of this step's presynaptic spikes go into the
/// target's receptor channel, directly or through the delay ring (scatter into the slot d steps
/// ahead, then drain the slot due now into the channel and clear it), as on the CPU.
template <>
struct kernel<op::deliver_spikes, cuda> {
  template <class P, class View>
  __device__ static void run(const View& p, cuda_detail::spike_span pre, real* channel,
                             std::uint32_t t) {
    using topo = cuda_detail::device_topology<typename P::topology_type>;
    const std::uint32_t tid = threadIdx.x, nt = blockDim.x, n_post = p.n_post;
    const real* w = p.w;
    if constexpr (P::delay_type::has_delays) {
      const std::uint32_t slots = p.slots;
      const std::uint32_t head = static_cast<std::uint32_t>((std::uint64_t(p.head) + t) % slots);
      real* ring = p.ring;
      const std::uint8_t* delay = p.delays;
      auto row = [&](std::uint32_t d) {
        const std::uint32_t s = head + d;
        return ring + std::size_t(s >= slots ? s - slots : s) * n_post;
      };
      if constexpr (topo::one_to_one) {
        for (std::uint32_t s = tid; s < pre.size; s += nt) {
          const index_t i = pre.data[s];
          row(delay[i])[i] += w[i];
        }
        __syncthreads();
      } else {
        for (std::uint32_t j = tid; j < n_post; j += nt)
          for (std::uint32_t s = 0; s < pre.size; ++s) {
            const std::size_t k = topo::find(p, pre.data[s], j);
            if (k == cuda_detail::no_synapse_k) continue;
            row(delay[k])[j] += w[k];
          }
      }
      real* now = row(0);
      for (std::uint32_t j = tid; j < n_post; j += nt) {
        channel[j] += now[j];
        now[j] = 0;
      }
    } else {
      if constexpr (topo::one_to_one) {
        for (std::uint32_t s = tid; s < pre.size; s += nt) {
          const index_t i = pre.data[s];
          channel[i] += w[i];
        }
      } else {
        for (std::uint32_t j = tid; j < n_post; j += nt) {
          real acc = channel[j];  // the CPU's sequence of += on channel[j], in spike order
          for (std::uint32_t s = 0; s < pre.size; ++s) {
            const std::size_t k = topo::find(p, pre.data[s], j);
            if (k != cuda_detail::no_synapse_k) acc += w[k];
          }
          channel[j] = acc;
        }
      }
    }
  }
};

/// Stage 4 for one plastic projection: the learning step of learning/trace_state.hpp
/// (trace_state::step) with the same timing under axonal delays, the same lazy presynaptic
/// traces and the same active-target bookkeeping, each part run by the thread that owns the
/// neuron or synapse it changes:
///   A. targets: retire those silent for longer than the window (their traces drop to zero),
///      decay the traces of the others and store them in the history slot of this step;
///   B. this step's presynaptic spikes update their traces (one thread per spike);
///   C. depression of the spikes emitted max_delay steps ago, for active targets, with the post
///      traces of each synapse's arrival step; this step's spikes are remembered;
///   D. potentiation by this step's postsynaptic spikes with each synapse's delayed pre trace;
///   E. the post traces of the spiking targets, which become active.
template <>
struct kernel<op::apply_learning, cuda> {
  template <class P, class View>
  __device__ static void run(const View& p, cuda_detail::spike_span pre,
                             cuda_detail::spike_span post, std::uint32_t t_local) {
    using R = typename P::rule_type;
    using topo = cuda_detail::device_topology<typename P::topology_type>;
    constexpr std::size_t n_pre_f = R::n_pre_traces, n_post_f = R::n_post_traces;
    const std::uint32_t tid = threadIdx.x, nt = blockDim.x;
    const std::uint32_t n_post = p.n_post;
    const auto& r = p.rule;
    const auto& d = r.d;
    const std::uint64_t t = r.t0 + t_local;
    const std::uint32_t slots = r.slots, max_delay = slots - 1;
    const std::uint32_t now = static_cast<std::uint32_t>(t % slots);
    const std::size_t post_block = n_post_f * std::size_t(n_post);
    real* post_tr = r.post;
    real* w = p.w;
    const std::uint8_t* delay = p.delays;
    // A.
    for (std::uint32_t j = tid; j < n_post; j += nt) {
      if (!r.in_active[j]) continue;
      if (t - r.last_post[j] > r.window + slots) {
        r.in_active[j] = 0;
        for (std::size_t f = 0; f < n_post_f; ++f) post_tr[f * n_post + j] = 0;
        continue;
      }
      for (std::size_t f = 0; f < n_post_f; ++f) post_tr[f * n_post + j] *= d.post_decay[f];
      if (max_delay > 0)
        for (std::size_t f = 0; f < n_post_f; ++f)
          r.post_hist[now * post_block + f * n_post + j] = post_tr[f * n_post + j];
    }
    // B.
    for (std::uint32_t s = tid; s < pre.size; s += nt) {
      const index_t i = pre.data[s];
      real x[n_pre_f];
      r.pre_at(i, t, x);
      R::pre_spike(element{x, 1}, d);
      r.push_pre(i, t, x);
    }
    __syncthreads();
    // C.
    const index_t* due = pre.data;
    std::uint32_t n_due = pre.size;
    if (max_delay > 0) {
      const std::uint32_t slot = static_cast<std::uint32_t>((t + 1) % slots);
      due = r.ring_spikes + std::size_t(slot) * p.n_pre;
      n_due = r.ring_counts[slot];
    }
    auto post_at_arrival = [&](std::size_t k) -> real* {
      if (max_delay == 0) return post_tr;
      return r.post_hist + ((t + 1 + delay[k]) % slots) * post_block;
    };
    if constexpr (topo::one_to_one) {
      for (std::uint32_t s = tid; s < n_due; s += nt) {
        const index_t i = due[s];
        if (!r.in_active[i]) continue;
        w[i] = R::depress(w[i], d, element{post_at_arrival(i) + i, n_post});
      }
    } else {
      for (std::uint32_t j = tid; j < n_post; j += nt) {
        if (!r.in_active[j]) continue;
        for (std::uint32_t s = 0; s < n_due; ++s) {
          const std::size_t k = topo::find(p, due[s], j);
          if (k == cuda_detail::no_synapse_k) continue;
          w[k] = R::depress(w[k], d, element{post_at_arrival(k) + j, n_post});
        }
      }
    }
    if (max_delay > 0) {
      for (std::uint32_t s = tid; s < pre.size; s += nt)
        r.ring_spikes[std::size_t(now) * p.n_pre + s] = pre.data[s];
      if (tid == 0) r.ring_counts[now] = pre.size;
    }
    __syncthreads();
    // D.
    auto potentiate = [&](index_t i, index_t j, std::size_t k) {
      real x[n_pre_f];
      const std::uint64_t dk = max_delay > 0 ? delay[k] : 0;
      if (dk > t) {  // the synapse's view starts before the first step: nothing arrived
        for (std::size_t f = 0; f < n_pre_f; ++f) x[f] = 0;
      } else {
        r.pre_at(i, t - dk, x);
      }
      w[k] = R::potentiate(w[k], d, element{x, 1}, element{post_tr + j, n_post});
    };
    if constexpr (topo::one_to_one) {
      for (std::uint32_t s = tid; s < post.size; s += nt) {
        const index_t j = post.data[s];
        potentiate(j, j, j);
      }
    } else {
      for (std::uint32_t i = tid; i < p.n_pre; i += nt)
        for (std::uint32_t s = 0; s < post.size; ++s) {
          const index_t j = post.data[s];
          const std::size_t k = topo::find(p, i, j);
          if (k != cuda_detail::no_synapse_k) potentiate(i, j, k);
        }
    }
    __syncthreads();
    // E.
    for (std::uint32_t s = tid; s < post.size; s += nt) {
      const index_t j = post.data[s];
      R::post_spike(element{post_tr + j, n_post}, d);
      r.last_post[j] = t;
      if (!r.in_active[j]) {
        r.in_active[j] = 1;
        for (std::size_t x = 0; x < std::size_t(slots) * n_post_f; ++x)
          r.post_hist[x * n_post + j] = 0;
      }
    }
    __syncthreads();
  }
};

namespace cuda_detail {

/// Stage 5 for one population: spike counts and the state recorder.
template <class View>
__device__ void record_population(const View& v, std::uint32_t t) {
  const spike_span s = v.emitted(t);
  for (std::uint32_t k = threadIdx.x; k < s.size; k += blockDim.x) ++v.counts[s.data[k]];
  if (v.rec_out) {
    using neuron_t = typename View::neuron_type;
    const real* field = v.rec_field < neuron_t::n_fields
                            ? v.neuron_state + std::size_t(v.rec_field) * v.size
                            : v.synapse_state + std::size_t(v.rec_field - neuron_t::n_fields) * v.size;
    for (std::uint32_t q = threadIdx.x; q < v.rec_k; q += blockDim.x)
      v.rec_out[std::size_t(t) * v.rec_k + q] = field[v.rec_neurons[q]];
  }
}

/// The persistent kernel: block b runs all `n_steps` steps of replica b (views[b]), following
/// network/schedule.hpp exactly: inputs (the uploaded schedule), update, deliver, learn, record.
template <class Desc>
__global__ void __launch_bounds__(1024)
    presentation_kernel(const net_view<Desc>* __restrict__ views, std::uint32_t n_steps) {
  __shared__ std::uint32_t scratch[compaction_scratch_words];
  const net_view<Desc>& v = views[blockIdx.x];
  for (std::uint32_t t = 0; t < n_steps; ++t) {
    const step_context ctx{v.step0 + t, v.learning != 0};
    // 1. inputs: input layers read their schedule through emitted(t).
    // 2. update, in declaration order
    static_for<Desc::n_layers>([&](auto ic) {
      constexpr std::size_t I = decltype(ic)::value;
      using L = typename Desc::template layer_t<I>;
      if constexpr (!L::is_input)
        kernel<op::update_population, cuda>::run<typename L::neuron_type,
                                                 typename L::synapse_type>(get<I>(v.layers), ctx,
                                                                           t, scratch);
    });
    __syncthreads();
    // 3. deliver, in declaration order
    static_for<Desc::n_projections>([&](auto ic) {
      constexpr std::size_t I = decltype(ic)::value;
      using P = typename Desc::template projection_t<I>;
      constexpr std::size_t pre = P::pre_index;
      constexpr std::size_t post = P::post_index;
      using post_layer = typename Desc::template layer_t<post>;
      const auto& target = get<post>(v.layers);
      real* channel =
          target.synapse_state +
          std::size_t(post_layer::synapse_type::channel_field(P::target_receptor)) * target.size;
      kernel<op::deliver_spikes, cuda>::run<P>(get<I>(v.projs), get<pre>(v.layers).emitted(t),
                                               channel, t);
      __syncthreads();
    });
    // 4. learn
    if (ctx.learning) {
      static_for<Desc::n_projections>([&](auto ic) {
        constexpr std::size_t I = decltype(ic)::value;
        using P = typename Desc::template projection_t<I>;
        if constexpr (P::rule_type::is_plastic) {
          constexpr std::size_t pre = P::pre_index;
          constexpr std::size_t post = P::post_index;
          kernel<op::apply_learning, cuda>::run<P>(get<I>(v.projs), get<pre>(v.layers).emitted(t),
                                                   get<post>(v.layers).emitted(t), t);
        }
      });
    }
    // 5. record
    static_for<Desc::n_layers>([&](auto ic) {
      constexpr std::size_t I = decltype(ic)::value;
      using L = typename Desc::template layer_t<I>;
      if constexpr (!L::is_input) record_population(get<I>(v.layers), t);
    });
    __syncthreads();
  }
}

/// Launches the persistent kernel for `blocks` replicas. The descriptor is re-assembled from its
/// deduced elements rather than passed through a typedef: nvcc's host stub spells a kernel's
/// template arguments as written, and a typedef spelling names the network type (whose
/// fixed_string names the host compiler cannot parse back).
template <class... LD, class... PD>
void launch_presentation(const net_view<network_desc<layer_list<LD...>, projection_list<PD...>>>* views,
                         unsigned blocks, unsigned threads, std::uint32_t n_steps, cudaStream_t s) {
#if defined(SPIKETORCH_CUDA_EMULATION)
  (void)s;
  emulation::launch(blocks, threads, [&] {
    presentation_kernel<network_desc<layer_list<LD...>, projection_list<PD...>>>(views, n_steps);
  });
#else
  presentation_kernel<network_desc<layer_list<LD...>, projection_list<PD...>>>
      <<<blocks, threads, 0, s>>>(views, n_steps);
#endif
}

/// Copies replica 0 of an array of `replicas` x `n` elements into replicas 1..replicas-1.
template <class T>
__global__ void broadcast_replica0(T* data, std::size_t n, std::uint32_t replicas) {
  const std::size_t total = n * (replicas - 1);
  for (std::size_t k = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; k < total;
       k += std::size_t(gridDim.x) * blockDim.x)
    data[n + k] = data[k % n];
}

}  // namespace cuda_detail
}  // namespace spiketorch::backend
