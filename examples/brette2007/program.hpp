// main() of the benchmark programs: options, build, run, summary.
#pragma once

#include <cstdio>
#include <exception>

#include "benchmark_run.hpp"
#include "command_line.hpp"
#include "network.hpp"
#include "spiketorch/distributed/mpi_session.hpp"

namespace brette2007 {

/// Runs the built network and prints its summary.
template <class Net>
void run_and_report(Net& net, const options& o, const char* model, clock::time_point started) {
  const network_facts facts{
      model,
      net.template size<"Pe">(),
      net.template size<"Pi">(),
      n_synapses(net),
      steps_of(net.template layer<"P">().neuron_params.refractory_ms, net.dt_ms(), "refractory_ms"),
      seconds_since(started)};
  const auto summary = run_benchmark<"P">(net, o, facts, delivered_events<Net>);
  if (net.ranks().leads()) report(summary, o);
}

/// main() of a benchmark program: options, build, run, summary. Bad options exit with status
/// 2, errors with 1, each with one line on stderr.
/// Started by mpirun with several ranks, the ranks step one network together (every rank
/// parses the same options and builds the same network); rank 0 prints and writes the files.
/// An error on any rank ends them all (abort_all), with that rank's message.
template <class Model>
int main_of(int argc, char** argv, const char* program, const char* description) {
  const spiketorch::mpi_session mpi(&argc, &argv);
  const spiketorch::rank_group& ranks = mpi.world();
  // Rank 0 prints (--help and the summary); the others would repeat it.
  if (!ranks.leads() && std::freopen("/dev/null", "w", stdout) == nullptr) return 1;
  try {
    auto o = parse_options(argc, argv, program, description);
    if (!o) return 0;
    spiketorch_examples::check(!ranks.distributed() || o->threads == 1, "--threads ", o->threads,
                               " with ", ranks.size, " MPI ranks: one thread per rank (start ",
                               "more ranks instead)");
    if (!ranks.leads()) {
      o->quiet = true;
      o->record.clear();
      o->json.clear();
    }
    const auto started = clock::now();
    auto net = build<Model>(o->n_neurons, o->seed, o->threads, ranks);
    run_and_report(net, *o, Model::name, started);
    return 0;
  } catch (const command_line_error& e) {
    // Every rank parses the same command line: rank 0 alone says what is wrong.
    if (ranks.leads())
      std::fprintf(stderr, "%s: %s\n(run %s --help for the options)\n", program, e.what(),
                   program);
    return 2;
  } catch (const std::exception& e) {
    if (ranks.distributed()) spiketorch::abort_all(ranks, program, e.what());
    std::fprintf(stderr, "%s: error: %s\n", program, e.what());
    return 1;
  }
}

}  // namespace brette2007
