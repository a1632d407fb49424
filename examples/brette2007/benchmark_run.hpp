// The part both benchmark programs share: run the network for --duration in chunks of 100 ms,
// timing only the simulation, with the spikes of the recorded layers going into the firing
// statistics (and into --record's files); then the summary, printed and as JSON.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/resource.h>

#include <nlohmann/json.hpp>
#include <xtensor/xadapt.hpp>

#include "options.hpp"
#include "spike_statistics.hpp"
#include "spiketorch/core/fixed_string.hpp"
#include "spiketorch/core/time.hpp"
#include "spiketorch/distributed/collectives.hpp"
#include "spiketorch/io/atomic_file.hpp"
#include "spiketorch/io/npy.hpp"
#include "spiketorch/io/progress_bar.hpp"

namespace brette2007 {

/// What a program tells the driver about its network.
struct network_facts {
  const char* model;            // "cuba" or "coba"
  std::uint64_t n_exc, n_inh;   // sizes
  std::uint64_t n_synapses;     // all synapses made
  std::uint64_t min_isi_steps;  // no neuron spikes twice in fewer steps (the refractory period)
  double setup_s;               // construction and connection, wall-clock
};

using clock = std::chrono::steady_clock;
/// CPU time of the process (all its threads), in seconds.
inline double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}
inline double seconds_since(clock::time_point t0) {
  return std::chrono::duration<double>(clock::now() - t0).count();
}

/// Runs `net` for o.duration_ms, recording the spikes of the layers `Recorded` (numbered one
/// after the other, in that order). `synaptic_events(net)` counts the spikes delivered times
/// their synapses after the run. Returns the summary.
template <spiketorch::fixed_string... Recorded, class Net, class SynapticEvents>
nlohmann::ordered_json run_benchmark(Net& net, const options& o, const network_facts& facts,
                                     SynapticEvents synaptic_events) {
  const double dt = net.dt_ms();
  const std::uint64_t total_steps = spiketorch::steps_of(o.duration_ms, dt, "--duration");
  // 100 ms: each chunk is one run(), which starts and ends a team of threads (tens of
  // microseconds where idle OpenMP threads sleep, as under OMP_WAIT_POLICY=passive).
  const std::uint64_t chunk_steps = 1000;
  const std::uint64_t n_neurons = facts.n_exc + facts.n_inh;
  // A neuron spikes at most once per min_isi_steps, plus once at the start of a chunk.
  const std::uint64_t per_neuron =
      chunk_steps / std::max<std::uint64_t>(facts.min_isi_steps, 1) + 1;
  (net.template record_events<Recorded>(net.template size<Recorded>() * per_neuron), ...);

  spike_statistics stats(n_neurons);
  std::vector<spiketorch::index_t> all_neurons;
  std::vector<std::int64_t> all_steps;
  spiketorch::progress_bar progress(facts.model, (total_steps + chunk_steps - 1) / chunk_steps,
                                    o.quiet, 10.0, "chunk");
  double wall_s = 0, cpu_s = 0;
  std::uint64_t done = 0, chunks = 0;
  while (done < total_steps) {
    const std::uint64_t k = std::min(chunk_steps, total_steps - done);
    const auto t0 = clock::now();
    const double c0 = process_cpu_seconds();
    net.run(double(k) * dt);
    cpu_s += process_cpu_seconds() - c0;
    wall_s += seconds_since(t0);
    done += k;
    std::size_t first = 0;
    (
        [&] {
          const auto& events = net.template events<Recorded>();
          spiketorch::require(events.dropped() == 0, "internal: the event recorder of ",
                              Recorded.view(), " overflowed");
          stats.add(events.neurons(), events.steps(), first);
          if (!o.record.empty())
            for (std::size_t e = 0; e < events.size(); ++e) {
              all_neurons.push_back(spiketorch::index_t(first + events.neurons()[e]));
              all_steps.push_back(events.steps()[e]);
            }
          first += net.template size<Recorded>();
          net.template clear_recordings<Recorded>();
        }(),
        ...);
    progress.update(++chunks);
  }
  progress.finish();

  const double sim_s = double(total_steps) * dt / 1000.0;
  const double events = double(synaptic_events(net));
  nlohmann::ordered_json j;
  j["program"] = "spiketorch";
  j["model"] = facts.model;
  j["n_neurons"] = n_neurons;
  j["n_exc"] = facts.n_exc;
  j["n_inh"] = facts.n_inh;
  j["n_synapses"] = facts.n_synapses;
  j["duration_ms"] = double(total_steps) * dt;
  j["dt_ms"] = dt;
  j["seed"] = o.seed;
  j["threads"] = net.threads_used();
  // Over MPI ranks: this rank's time in the spike exchanges (waiting for the others included)
  // and what they carried.
  const auto& x = net.exchange_stats();
  j["ranks"] = net.ranks().size;
  j["exchanges"] = x.exchanges;
  j["spikes_exchanged"] = x.spikes;
  j["exchange_s"] = x.seconds;
  j["exchange_share"] = wall_s > 0 ? x.seconds / wall_s : 0.0;
  if (net.threads_used() != net.threads())
    std::fprintf(stderr, "%s: warning: %zu threads asked for, the OpenMP runtime gave %zu\n",
                 facts.model, net.threads(), net.threads_used());
  j["mean_rate_hz"] = stats.mean_rate_hz(double(total_steps) * dt);
  j["rate_exc_hz"] = stats.mean_rate_hz(double(total_steps) * dt, 0, facts.n_exc);
  j["rate_inh_hz"] = stats.mean_rate_hz(double(total_steps) * dt, facts.n_exc, facts.n_inh);
  const double cv = stats.cv_isi();
  j["cv_isi"] = std::isnan(cv) ? nlohmann::ordered_json() : nlohmann::ordered_json(cv);
  j["n_spikes"] = stats.spikes();
  j["synaptic_events"] = events;
  j["setup_s"] = facts.setup_s;
  j["wall_s"] = wall_s;
  j["wall_per_sim_s"] = wall_s / sim_s;
  j["cpu_s"] = cpu_s;
  j["synaptic_events_per_s"] = events / wall_s;
  j["neuron_updates_per_s"] = double(n_neurons) * double(total_steps) / wall_s;
  // Over MPI ranks each rank stores the synapses into its own neurons: the largest process.
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  j["peak_memory_mib"] = spiketorch::max_over_ranks(net.ranks(), double(usage.ru_maxrss) / 1024.0);

  if (!o.record.empty()) {
    const std::array<std::size_t, 1> shape{all_neurons.size()};
    std::filesystem::path neurons_path = o.record, steps_path = o.record;
    neurons_path += "_neurons.npy";
    steps_path += "_steps.npy";
    spiketorch::save_npy(
        neurons_path, xt::adapt(all_neurons.data(), all_neurons.size(), xt::no_ownership(), shape));
    spiketorch::save_npy(steps_path,
                         xt::adapt(all_steps.data(), all_steps.size(), xt::no_ownership(), shape));
  }
  return j;
}

/// The summary for people, and as JSON for scripts (benchmarks/peers/run_brette2007.py).
inline void report(const nlohmann::ordered_json& j, const options& o) {
  const double sim_s = j["duration_ms"].get<double>() / 1000.0;
  std::printf(
      "%s: %llu neurons (%llu excitatory, %llu inhibitory), %llu synapses, %.0f ms "
      "simulated at dt = %.2f ms, seed %llu, %zu thread%s\n",
      j["model"].get<std::string>().c_str(), (unsigned long long)j["n_neurons"],
      (unsigned long long)j["n_exc"], (unsigned long long)j["n_inh"],
      (unsigned long long)j["n_synapses"], sim_s * 1000.0, j["dt_ms"].get<double>(),
      (unsigned long long)j["seed"], j["threads"].get<std::size_t>(),
      j["threads"].get<std::size_t>() == 1 ? "" : "s");
  std::printf(
      "  mean rate %.3f Hz (excitatory %.3f, inhibitory %.3f), CV of ISI %s, %llu spikes, "
      "%.4g synaptic events\n",
      j["mean_rate_hz"].get<double>(), j["rate_exc_hz"].get<double>(),
      j["rate_inh_hz"].get<double>(),
      j["cv_isi"].is_null() ? "n/a" : std::to_string(j["cv_isi"].get<double>()).c_str(),
      (unsigned long long)j["n_spikes"], j["synaptic_events"].get<double>());
  std::printf(
      "  wall %.4f s (%.4f s per simulated second; CPU %.4f s; set-up %.3f s), %.4g synaptic "
      "events/s, %.4g neuron updates/s, peak memory %.0f MiB%s\n",
      j["wall_s"].get<double>(), j["wall_per_sim_s"].get<double>(), j["cpu_s"].get<double>(),
      j["setup_s"].get<double>(), j["synaptic_events_per_s"].get<double>(),
      j["neuron_updates_per_s"].get<double>(), j["peak_memory_mib"].get<double>(),
      j["ranks"].get<int>() > 1 ? " (the largest rank)" : "");
  if (j["ranks"].get<int>() > 1)
    std::printf("  %d ranks: %.4f s in %llu spike exchanges (%.1f%% of the wall time), %.4g "
                "spikes exchanged\n",
                j["ranks"].get<int>(), j["exchange_s"].get<double>(),
                (unsigned long long)j["exchanges"], 100.0 * j["exchange_share"].get<double>(),
                double(j["spikes_exchanged"].get<std::uint64_t>()));
  if (!o.record.empty())
    std::printf("  spikes written to %s_neurons.npy and %s_steps.npy\n", o.record.c_str(),
                o.record.c_str());
  if (!o.json.empty()) {
    spiketorch::write_text_atomically(o.json, j.dump(2) + "\n");
    std::printf("  summary written to %s\n", o.json.c_str());
  }
}

}  // namespace brette2007
