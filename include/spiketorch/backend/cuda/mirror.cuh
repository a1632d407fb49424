// The device copy ("mirror") of a network, kept by the CUDA runner between runs.
//
// The host copy of a network is always the authoritative one: after every run the device results
// are back in the network object, so everything the API offers (state(), weights(), normalize(),
// set_weights(), reset_state(), checkpoints) keeps working unchanged, and a mirror is only a
// cache that can be dropped at any time: mirrors are kept per network object (by address) and
// evicted least-recently-used beyond 16 (or beyond the size of the largest run_batch), or
// released with backend::cuda_release(net). If a CUDA call fails during a run, the mirrors of
// that run are dropped and the exception propagates; the network's host state may then be
// partly updated (the state downloads may have been under way) and should be reset or
// reloaded from a checkpoint.
//
// What is copied when, per run (one presentation):
//   before   neuron and synapse state, delay rings (O(neurons x max delay)): always;
//            the learning state of plastic projections (learning/trace_state.hpp: presynaptic
//            spike histories, postsynaptic traces and their history, recent spikes, active
//            targets; O((inputs + targets) x max delay)): when learning;
//            weights and delays (O(synapses)): only when the host copy differs from what the
//            device holds (a memcmp against a host shadow of the last synchronised contents,
//            about 1/10 of the cost of the copy), e.g. after normalize() or set_weights();
//            the input layers' spike schedules of this presentation (CSR, O(input spikes)).
//   after    neuron and synapse state, delay rings, spike counts, the last step's spikes:
//            always; weights and the learning state: when learning and the rule is plastic;
//            spike rasters and state traces: when a recorder is attached to the layer.
// For Diehl & Cook at N = 400 that is ~40 kB each way per presentation without learning, plus
// ~0.3 MB of learning state and 1.25 MB of weights each way when training (normalisation
// rewrites the weights on the host before every example); at N = 6400, 20 MB of weights each
// way, which costs milliseconds per presentation (moving normalisation to the device and
// downloading weights lazily would remove it; neither is implemented).
#pragma once

#if !defined(__CUDACC__) && !defined(SPIKETORCH_CUDA_EMULATION)
#error "spiketorch/backend/cuda/mirror.cuh contains device code: compile it with nvcc (or define SPIKETORCH_CUDA_EMULATION)"
#endif

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <typeinfo>
#include <vector>

#include "spiketorch/backend/cuda/buffer.cuh"
#include "spiketorch/backend/cuda/kernels.cuh"

namespace spiketorch::backend::cuda_detail {

/// A device array with a host shadow of its last synchronised contents, so an upload can be
/// skipped when the host copy has not changed.
template <class T>
struct synced_array {
  device_buffer<T> dev;
  std::vector<T> shadow;
  bool valid = false;

  /// Uploads `host` unless it equals what the device holds; returns whether it copied.
  bool upload_if_changed(std::span<const T> host, cudaStream_t s) {
    if (valid && shadow.size() == host.size() &&
        (host.empty() || std::memcmp(shadow.data(), host.data(), host.size_bytes()) == 0))
      return false;
    valid = false;
    dev.reserve(host.size());
    shadow.assign(host.begin(), host.end());
    dev.upload(shadow.data(), shadow.size(), s);
    valid = true;
    return true;
  }
  /// Device -> host, after a run that may have changed the device copy.
  void download(std::span<T> host, cudaStream_t s) {
    dev.download(host.data(), host.size(), s);
  }
  /// Records that host and device agree again (call after the download has completed).
  void mark_synced(std::span<const T> host) { shadow.assign(host.begin(), host.end()); }
};

/// Appends an encoder's schedule of one presentation to a CSR: n_steps + 1 offsets into
/// `indices` (step t's spikes are indices[offsets[t] .. offsets[t + 1])), then the spikes.
template <class Enc>
void append_spike_schedule(std::vector<std::uint32_t>& offsets, std::vector<index_t>& indices,
                           const Enc& enc, std::uint32_t n_steps) {
  for (std::uint32_t t = 0; t < n_steps; ++t) {
    offsets.push_back(static_cast<std::uint32_t>(indices.size()));
    const auto s = enc.spikes_at(t);
    indices.insert(indices.end(), s.begin(), s.end());
  }
  offsets.push_back(static_cast<std::uint32_t>(indices.size()));
}

/// Host staging for the outputs of one population over a launch.
struct population_outputs {
  std::vector<std::uint32_t> counts;  // [replica][neuron]
  std::vector<index_t> spikes;        // last step's spikes [replica][neuron]
  std::vector<std::uint32_t> n_spikes;
  std::vector<std::uint8_t> raster;  // [time][replica][neuron]
  std::vector<real> rec;             // [time][k]
};

/// Copies replica 0 of `replicas` x `n` elements into the other replicas (one small kernel,
/// instead of one copy call per replica).
template <class T>
void broadcast(T* data, std::size_t n, std::size_t replicas, cudaStream_t s) {
  if (n == 0 || replicas < 2) return;
  const std::size_t total = n * (replicas - 1);
  const unsigned blocks = static_cast<unsigned>(std::min<std::size_t>(1024, (total + 255) / 256));
#if defined(SPIKETORCH_CUDA_EMULATION)
  (void)s;
  emulation::launch(blocks, 256, [&] { broadcast_replica0(data, n, static_cast<std::uint32_t>(replicas)); });
#else
  broadcast_replica0<<<blocks, 256, 0, s>>>(data, n, static_cast<std::uint32_t>(replicas));
#endif
  check(cudaGetLastError(), "launch of broadcast_replica0 (state of an evaluation batch)");
}

template <class L, bool = L::is_input>
struct layer_buffers;

template <class L>
struct layer_buffers<L, true> {
  device_buffer<std::uint32_t> offsets{0, "spike schedule offsets of input " + std::string(L::name.view())};
  device_buffer<index_t> indices{0, "spike schedule of input " + std::string(L::name.view())};
  std::vector<std::uint32_t> h_offsets;
  std::vector<index_t> h_indices;

  /// Appends the schedule of one replica (taken from an encoder that has begun a presentation).
  template <class Enc>
  void append_schedule(const Enc& enc, std::uint32_t n_steps) {
    append_spike_schedule(h_offsets, h_indices, enc, n_steps);
  }
  void clear_schedule() {
    h_offsets.clear();
    h_indices.clear();
  }
  void upload_schedule(cudaStream_t s) {
    offsets.reserve(h_offsets.size());
    indices.reserve(std::max<std::size_t>(1, h_indices.size()));
    offsets.upload(h_offsets.data(), h_offsets.size(), s);
    indices.upload(h_indices.data(), h_indices.size(), s);
  }
  layer_view<layer_desc_t<L>> view(std::size_t replica, std::uint32_t n_steps, std::uint32_t size) const {
    return {offsets.data() + replica * (std::size_t(n_steps) + 1), indices.data(), size};
  }
};

template <class L>
struct layer_buffers<L, false> {
  using neuron_t = typename L::neuron_type;
  using synapse_t = typename L::synapse_type;
  std::string name{L::name.view()};
  device_buffer<real> neuron{0, "neuron state of " + name};
  device_buffer<real> synapse{0, "synapse state of " + name};
  device_buffer<index_t> spikes{0, "spike list of " + name};
  device_buffer<std::uint32_t> n_spikes{0, "spike count of " + name};
  device_buffer<std::uint32_t> counts{0, "spike counts of " + name};
  device_buffer<std::uint8_t> raster{0, "spike raster of " + name};
  device_buffer<index_t> rec_neurons{0, "recorded neurons of " + name};
  device_buffer<real> rec_out{0, "state recording of " + name};
  population_outputs out;
  bool raster_on = false, rec_on = false;
  std::uint32_t rec_k = 0, rec_field = 0;

  /// Sizes the buffers for `replicas` copies and uploads the host state into every replica.
  template <class State>
  void upload(const State& pop, std::size_t replicas, std::uint32_t n_steps, bool want_raster,
              bool want_rec, cudaStream_t s) {
    const std::size_t n = pop.size, nf = neuron_t::n_fields * n, sf = synapse_t::n_fields * n;
    neuron.reserve(replicas * nf);
    synapse.reserve(std::max<std::size_t>(1, replicas * sf));
    spikes.reserve(replicas * n);
    n_spikes.reserve(replicas);
    counts.reserve(replicas * n);
    neuron.upload(pop.neuron_state.data(), nf, s);
    synapse.upload(pop.synapse_state.data(), sf, s);
    if (replicas > 1) {
      broadcast(neuron.data(), nf, replicas, s);
      broadcast(synapse.data(), sf, replicas, s);
    }
    n_spikes.zero(replicas, s);
    counts.zero(replicas * n, s);
    raster_on = want_raster && n_steps > 0;
    if (raster_on) raster.reserve(std::size_t(n_steps) * replicas * n);
    rec_on = want_rec && n_steps > 0;
    if (rec_on) {
      const auto neurons = pop.state_rec.neurons();
      rec_k = static_cast<std::uint32_t>(neurons.size());
      rec_field = static_cast<std::uint32_t>(pop.state_rec.field());
      rec_neurons.reserve(rec_k);
      rec_neurons.upload(neurons.data(), rec_k, s);
      rec_out.reserve(std::size_t(n_steps) * rec_k);
    }
  }
  template <class State>
  layer_view<layer_desc_t<L>> view(const State& pop, std::size_t replica, std::size_t replicas) {
    const std::size_t n = pop.size;
    return {neuron.data() + replica * neuron_t::n_fields * n,
            synapse.data() + replica * synapse_t::n_fields * n,
            static_cast<std::uint32_t>(n),
            pop.neuron_derived,
            pop.synapse_derived,
            spikes.data() + replica * n,
            n_spikes.data() + replica,
            counts.data() + replica * n,
            raster_on ? raster.data() + replica * n : nullptr,
            replicas * n,
            rec_on ? rec_neurons.data() : nullptr,
            rec_on ? rec_k : 0u,
            rec_field,
            rec_on ? rec_out.data() : nullptr};
  }
  /// Queues the downloads of the outputs (all replicas); `state` also brings the state back.
  template <class State>
  void download(State& pop, std::size_t replicas, std::uint32_t n_steps, bool state,
                cudaStream_t s) {
    const std::size_t n = pop.size;
    out.counts.resize(replicas * n);
    out.spikes.resize(replicas * n);
    out.n_spikes.resize(replicas);
    counts.download(out.counts.data(), replicas * n, s);
    spikes.download(out.spikes.data(), replicas * n, s);
    n_spikes.download(out.n_spikes.data(), replicas, s);
    if (raster_on) {
      out.raster.resize(std::size_t(n_steps) * replicas * n);
      raster.download(out.raster.data(), out.raster.size(), s);
    }
    if (rec_on) {
      out.rec.resize(std::size_t(n_steps) * rec_k);
      rec_out.download(out.rec.data(), out.rec.size(), s);
    }
    if (state) {
      neuron.download(pop.neuron_state.data(), neuron_t::n_fields * n, s);
      synapse.download(pop.synapse_state.data(), synapse_t::n_fields * n, s);
    }
  }

};

/// Weights and delays of a projection (shared by all replicas of an evaluation batch).
template <class P>
struct projection_params {
  std::string name = std::string(P::pre.view()) + "->" + std::string(P::post.view());
  synced_array<real> w{device_buffer<real>(0, "weights " + name)};
  synced_array<std::uint8_t> delays{device_buffer<std::uint8_t>(0, "delays " + name)};
  // topology::sparse only: the CSR structure (row offsets, targets)
  synced_array<std::size_t> row_ptr{device_buffer<std::size_t>(0, "row offsets " + name)};
  synced_array<index_t> cols{device_buffer<index_t>(0, "targets " + name)};
};

/// Per-replica state of a projection: spikes in flight and, for plastic projections, the
/// learning state (learning/trace_state.hpp's trace_state: traces, their histories, the recent
/// presynaptic spikes and the active targets).
template <class P>
struct projection_state_buffers {
  std::string name = std::string(P::pre.view()) + "->" + std::string(P::post.view());
  device_buffer<real> ring{0, "delay ring " + name};
  std::uint32_t slots = 0, head = 0;
  device_buffer<std::uint64_t> hist_step{0, "presynaptic spike history " + name};
  device_buffer<real> hist_value{0, "presynaptic trace history " + name};
  device_buffer<std::size_t> hist_head{0, "presynaptic history heads " + name};
  synced_array<real> powers{device_buffer<real>(0, "presynaptic decay powers " + name)};
  device_buffer<real> post{0, "postsynaptic traces " + name};
  device_buffer<real> post_hist{0, "postsynaptic trace history " + name};
  device_buffer<index_t> ring_spikes{0, "recent presynaptic spikes " + name};
  device_buffer<std::uint32_t> ring_counts{0, "recent presynaptic spike counts " + name};
  device_buffer<std::uint64_t> last_post{0, "last postsynaptic spikes " + name};
  device_buffer<std::uint8_t> in_active{0, "active targets " + name};
  std::vector<index_t> h_ring_spikes;  // host staging
  std::vector<std::uint32_t> h_ring_counts;
  std::vector<real> h_powers;
  std::vector<std::uint32_t> power_offset, power_size;
  std::vector<bool> power_tail_zero;
  std::uint32_t trace_slots = 1, trace_depth = 2;
  std::uint64_t t0 = 0, window = 0;
};

/// Base class so that mirrors of different network types can share one registry.
struct mirror_base {
  virtual ~mirror_base() = default;
};

/// Mirrors by network address, least recently used last out. Never destroyed (CUDA calls in
/// static destructors race the runtime's own teardown); the driver frees everything at exit.
class mirror_registry {
 public:
  static mirror_registry& instance() {
    static mirror_registry* r = new mirror_registry;
    return *r;
  }
  template <class M>
  std::shared_ptr<M> get(const void* key) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->key != key) continue;
      if (*it->type == typeid(M)) {
        entry e = *it;
        entries_.erase(it);
        entries_.push_back(e);
        return std::static_pointer_cast<M>(e.mirror);
      }
      entries_.erase(it);  // another network type now lives at this address
      break;
    }
    if (entries_.size() >= capacity_) entries_.erase(entries_.begin());
    auto m = std::make_shared<M>();
    entries_.push_back({key, &typeid(M), m});
    return m;
  }
  void release(const void* key) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::erase_if(entries_, [&](const entry& e) { return e.key == key; });
  }
  /// Keeps at least n copies (a batch of n networks must not evict its own members).
  void ensure_capacity(std::size_t n) {
    std::lock_guard<std::mutex> lock(mutex_);
    capacity_ = std::max(capacity_, n);
  }
  void release_all() {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.clear();
  }
  static constexpr std::size_t default_capacity = 16;

 private:
  struct entry {
    const void* key;
    const std::type_info* type;
    std::shared_ptr<mirror_base> mirror;
  };
  std::mutex mutex_;
  std::vector<entry> entries_;
  std::size_t capacity_ = default_capacity;
};

}  // namespace spiketorch::backend::cuda_detail
