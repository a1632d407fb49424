// The MNIST program (main.cpp) for one backend: train, label from a frozen pass over the training
// set, test, report. `run<backend::cpu>` is compiled by the host compiler (main.cpp),
// `run<backend::cuda>` by nvcc (main_cuda.cu); the code is the same, only respond_all differs
// (models/diehl_cook_2015.hpp or models/diehl_cook_2015_cuda.cuh), with the same results.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>
#include <xtensor/xadapt.hpp>
#include <xtensor/xview.hpp>

#include "options.hpp"
#include "spiketorch/datasets/idx.hpp"
#include "spiketorch/evaluation/labels.hpp"
#include "spiketorch/evaluation/voting.hpp"
#include "spiketorch/io/atomic_file.hpp"
#include "spiketorch/io/checkpoint.hpp"
#include "spiketorch/io/progress_bar.hpp"
#include "spiketorch/models/diehl_cook_2015.hpp"
#include "spiketorch/models/diehl_cook_checkpoint.hpp"
#include "spiketorch/models/diehl_cook_params_json.hpp"
#include "visualisation.hpp"
#if defined(SPIKETORCH_MNIST_READOUT)
#include "../common/linear_readout.hpp"
#endif

namespace mnist_example {

namespace st = spiketorch;
namespace fs = std::filesystem;
using st::progress_bar;
/// The --json report; members stay in the order the program writes them.
using report_json = nlohmann::ordered_json;

namespace detail {

// Example ids (they address the input spikes of evaluation, models/diehl_cook_2015.hpp): the
// labelling pass uses the training images' indices, the test pass its own range.
inline constexpr std::uint64_t label_pass_ids = 0;
inline constexpr std::uint64_t test_pass_ids = 1ull << 23;

inline double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
inline double thread_cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

/// Accuracy of a window of training responses under the assignments of the previous window.
struct window_score {
  double all_activity = -1, proportion = -1;
};

inline window_score score(const xt::xtensor<std::uint32_t, 2>& counts,
                          std::span<const std::uint8_t> labels,
                          const st::evaluation::label_assignment& a) {
  std::vector<int> pa, pp;
  for (std::size_t e = 0; e < labels.size(); ++e) {
    auto row = xt::view(counts, e, xt::all());
    pa.push_back(st::evaluation::classify_all_activity(row, a));
    pp.push_back(st::evaluation::classify_proportion(row, a));
  }
  return {st::evaluation::accuracy(labels, pa), st::evaluation::accuracy(labels, pp)};
}

inline void print_confusion(const xt::xtensor<std::int64_t, 2>& m) {
  std::printf("confusion matrix (rows: true digit, columns: predicted, all-activity)\n      ");
  for (int c = 0; c < 10; ++c) std::printf("%6d", c);
  std::printf("\n");
  for (int r = 0; r < 10; ++r) {
    std::printf("  %d : ", r);
    for (int c = 0; c < 10; ++c) std::printf("%6lld", (long long)m(r, c));
    std::printf("\n");
  }
}

inline report_json matrix_json(const xt::xtensor<std::int64_t, 2>& m) {
  report_json rows = report_json::array();
  for (std::size_t r = 0; r < m.shape()[0]; ++r) {
    report_json row = report_json::array();
    for (std::size_t c = 0; c < m.shape()[1]; ++c) row.push_back(m(r, c));
    rows.push_back(std::move(row));
  }
  return rows;
}

/// report[part]["seconds"], or 0 when that part did not run.
inline double seconds_of(const report_json& report, const char* part) {
  const auto p = report.find(part);
  return p == report.end() ? 0.0 : p->value("seconds", 0.0);
}

}  // namespace detail

/// The whole program on `Backend`: returns the exit status.
/// `ranks`: the MPI ranks that run the program together (every rank runs it with the same
/// options): they train one network together (its populations split over the ranks) and split
/// the examples of the frozen passes; results, checkpoints and reports are those of one process.
/// Rank 0 prints and writes the files.
#if defined(SPIKETORCH_MNIST_READOUT)
/// The linear readout's features of each example: each neuron's share of the example's spikes,
/// so that the readout sees which neurons fired rather than how many spikes the input's retries
/// produced (an example without spikes has none: the readout's bias decides it). On the faithful
/// network (N = 100, seed 0) the share, its square root and the raw counts, under logistic
/// regression or a linear SVM with C from 0.1 to 100, all gave 84.1-86.6 %; the share with
/// logistic regression at C = 10 gave 86.40 % and fits in seconds.
inline spiketorch_examples::sparse_rows spike_shares(const xt::xtensor<std::uint32_t, 2>& counts) {
  spiketorch_examples::sparse_rows x;
  for (std::size_t e = 0; e < counts.shape(0); ++e) {
    double total = 0;
    for (std::size_t j = 0; j < counts.shape(1); ++j) total += counts(e, j);
    for (std::size_t j = 0; j < counts.shape(1); ++j)
      if (counts(e, j) > 0) x.add(st::index_t(j), counts(e, j) / total);
    x.end_row();
  }
  return x;
}
#endif

template <class Backend>
int run(options o, const st::rank_group& ranks = {}) {
  using namespace detail;
  using model_t = st::models::diehl_cook_2015<Backend>;
  const double t_setup = now_s();
  // Rank 0 prints and writes the files (main.cpp silences the others' standard output); the
  // others record what --plot records, as every rank of a network must.
  const std::string plot_dir = ranks.leads() ? o.plot : std::string();
  if (!ranks.leads()) {
    o.quiet = true;
    o.json.clear();
  }
  // Output paths that cannot be written fail now, not once the training is done.
  if (!o.save.empty()) {
    try {
      st::check_checkpoint_target(o.save);
    } catch (const st::io_error& e) {
      throw st::io_error(st::detail::concat("--save: ", e.what()));
    }
  }
  check_output_paths(o);
  const fs::path data = resolve_data_dir(o.data);
  const bool need_train = o.mode == "train";
  const bool relabel = o.mode == "test" && o.n_label > 0;  // new labels for a checkpoint
  st::models::diehl_cook_params params = model_params(o);
  st::evaluation::label_assignment assignment;
  std::optional<model_t> model;
  if (o.mode == "test") {
    // Every checkpoint is evaluated with exact decay, whatever scheme it was trained with (see
    // --synapse_decay), as before checkpoints recorded the scheme: results stay comparable.
    auto [loaded, info] = st::models::load_diehl_cook<Backend>(
        o.load,
        [&](st::models::diehl_cook_params& p) {
          p.exc_synapses.scheme = p.inh_synapses.scheme = st::synapses::decay_scheme::exact;
          // An evaluation setting: a checkpoint can be tested with any.
          if (o.eval_repeats) p.improvements.eval_repeats = eval_repeats_of(*o.eval_repeats);
        },
        ranks);
    params = info.params;
    assignment = std::move(info.assignment);
    model.emplace(std::move(loaded));
    if (!o.quiet)
      std::fprintf(stderr, "loaded checkpoint %s (%zu neurons, %lld training examples)\n",
                   o.load.c_str(), params.n_neurons, (long long)info.examples_trained);
  } else {
    model.emplace(params, ranks);
  }
  // The data are read once the model (or checkpoint) fixes the input size, so that images of
  // another shape are refused here, naming the file, before any work.
  std::optional<st::mnist_split> train, test;
  if (need_train) train = st::load_mnist(data, "train", o.n_train_limit(), params.n_input);
  if (relabel) train = st::load_mnist(data, "train", o.n_label, params.n_input);
  if (o.n_test > 0) test = st::load_mnist(data, "test", o.n_test, params.n_input);
  if (!o.quiet)
    std::fprintf(stderr, "data: %s (%zu training, %zu test images loaded)\n", data.string().c_str(),
                 train ? train->labels.size() : 0, test ? test->labels.size() : 0);
  const double setup_s = now_s() - t_setup;

  report_json report = report_json::object();
  report["params"] = params;
  report["setup_seconds"] = setup_s;
  report["threads"] = o.threads;
  report["ranks"] = ranks.size;
  report["device"] = o.device;
  constexpr bool on_gpu = std::is_same_v<Backend, st::backend::cuda>;
  // How the frozen passes run, for the report lines.
  char eval_how[64];
  if (on_gpu)
    std::snprintf(eval_how, sizeof eval_how, "GPU batches");
  else if (ranks.distributed())
    std::snprintf(eval_how, sizeof eval_how, "%d ranks x %zu threads", ranks.size, o.threads);
  else
    std::snprintf(eval_how, sizeof eval_how, "%zu threads", o.threads);
  visualisation vis(plot_dir, params.n_neurons, !o.plot.empty());
  vis.attach(*model);

  // n-gram voting needs the spikes' order, which the CPU keeps in one process.
  const bool ngram_voting = o.ngram > 0 && !on_gpu && !ranks.distributed();
  std::optional<st::evaluation::ngram_votes> ngrams;
  std::vector<std::vector<st::index_t>> orders;
  // `keep_order`: the firing orders into `orders` as well (the n-gram table's passes only).
  auto respond = [&](const xt::xtensor<std::uint8_t, 3>& images, std::size_t n,
                     std::uint64_t ids, progress_bar& bar, std::uint64_t* input_spikes,
                     std::uint64_t* presentations, bool keep_order) {
    const auto update = [&](std::uint64_t d) { bar.update(d); };
    if constexpr (!on_gpu) {
      if (keep_order)
        return st::models::respond_all(*model, images, 0, n, o.threads, ids, update,
                                       input_spikes, presentations, nullptr, &orders);
    }
    return st::models::respond_all(*model, images, 0, n, o.threads, ids, update, input_spikes,
                                   presentations);
  };

  // The linear readout, fitted to the labelling responses of this process, or the one a
  // checkpoint keeps with its labels (written by a build with liblinear).
#if defined(SPIKETORCH_MNIST_READOUT)
  std::optional<spiketorch_examples::linear_readout> readout;
  if (o.mode == "test" && !relabel && o.readout_c > 0)
    readout = spiketorch_examples::read_readout(st::checkpoint_reader(o.load), params.n_neurons);
#endif
  double readout_s = 0;
  const auto fit_readout = [&](const xt::xtensor<std::uint32_t, 2>& counts,
                               std::span<const std::uint8_t> labels) {
#if defined(SPIKETORCH_MNIST_READOUT)
    if (o.readout_c <= 0) return;
    const double t = now_s();
    readout = spiketorch_examples::linear_readout::train(
        spike_shares(counts), labels, params.n_neurons, o.readout_c,
        spiketorch_examples::linear_readout::kind::logistic);
    readout_s = now_s() - t;
#else
    (void)counts, (void)labels;
    static bool said = false;
    if (o.readout_c > 0 && !said)
      std::printf("readout: not built (liblinear missing; Debian: liblinear-dev)\n");
    said = true;
#endif
  };
  // Labels from a frozen pass over the first n_label training examples.
  auto label_pass = [&](std::size_t n_label) {
    const double t1 = now_s();
    progress_bar lbar("labelling", n_label, o.quiet);
    const auto label_counts =
        respond(train->images, n_label, label_pass_ids, lbar, nullptr, nullptr, ngram_voting);
    lbar.finish();
    assignment = st::evaluation::assign_labels(
        label_counts, std::span<const std::uint8_t>(train->labels.data(), n_label));
    fit_readout(label_counts, std::span<const std::uint8_t>(train->labels.data(), n_label));
    if (ngram_voting) {
      ngrams.emplace(o.ngram, params.n_neurons);
      for (std::size_t e = 0; e < n_label; ++e) ngrams->learn(orders[e], train->labels(e));
    }
    const double label_s = now_s() - t1;
    report["label"]["examples"] = n_label;
    report["label"]["seconds"] = label_s;
    report["label"]["seconds_per_example"] = label_s / double(n_label);
    std::printf(
        "labelling: %zu training examples (learning off, %s) in %.1f s: %.3f ms per example\n",
        n_label, eval_how, label_s, 1e3 * label_s / n_label);
  };
  if (relabel) label_pass(train->labels.size());
  if (o.mode == "test") vis.network_state(*model, assignment, "(loaded checkpoint)");

  // ---- training ------------------------------------------------------------------------------
  double train_s = 0, train_cpu_s = 0;
  std::uint64_t trained = 0, presentations = 0, input_spikes = 0, exc_spikes = 0, capped = 0;
  xt::xtensor<std::uint32_t, 2> last_window;
  std::vector<std::uint8_t> last_window_labels;
  if (need_train) {
    const std::size_t n_train = train->labels.size();
    const std::uint64_t total = std::uint64_t(n_train) * o.epochs;
    const std::size_t window =
        std::max<std::size_t>(1, std::min<std::size_t>(o.update_interval, total));
    xt::xtensor<std::uint32_t, 2> counts = xt::zeros<std::uint32_t>({window, params.n_neurons});
    std::vector<std::uint8_t> window_labels(window);
    st::evaluation::label_assignment online;  // from the previous window
    window_score last{};
    std::size_t train_threads = 1;
    if constexpr (!on_gpu) {
      st::require(!ranks.distributed() || o.train_threads <= 1, "--train_threads ",
                  o.train_threads, ": over MPI ranks each rank steps its share on one thread");
      train_threads = train_threads_for(o, ranks.distributed());
      model->set_threads(train_threads);
    }
    report["train_threads"] = train_threads;
    progress_bar bar("training", total, o.quiet);
    const double t0 = now_s(), c0 = thread_cpu_s();
    for (std::uint64_t k = 0; k < total; ++k) {
      const std::size_t e = k % n_train;
      const auto r = model->train({train->images.data() + e * params.n_input, params.n_input});
      presentations += r.presentations;
      input_spikes += r.input_spikes;
      exc_spikes += r.exc_spikes;
      capped += r.capped;
      const std::size_t slot = k % window;
      std::copy(r.counts.begin(), r.counts.end(), counts.data() + slot * params.n_neurons);
      window_labels[slot] = train->labels(e);
      ++trained;
      if (slot + 1 == window) {
        if (!online.labels.empty()) last = score(counts, window_labels, online);
        online = st::evaluation::assign_labels(counts, window_labels);
        last_window = counts;
        last_window_labels = window_labels;
        vis.training_update(*model, online, trained, last.all_activity, last.proportion,
                            {train->images.data() + e * params.n_input, params.n_input});
      }
      char status[128];
      if (last.all_activity >= 0)
        std::snprintf(status, sizeof status, "last %zu: %.1f%% all-activity, %.1f%% proportion",
                      window, 100 * last.all_activity, 100 * last.proportion);
      else
        std::snprintf(status, sizeof status, "accuracy after the first %zu examples", window);
      bar.update(k + 1, status);
    }
    train_cpu_s = thread_cpu_s() - c0;
    if constexpr (!on_gpu) model->set_threads(1);  // checkpoints and copies: one thread
    train_s = now_s() - t0;
    bar.finish();
    auto& j = report["train"];
    j["examples"] = trained;
    j["presentations"] = presentations;
    j["capped_examples"] = capped;
    if (params.improvements.recruit_window > 0) j["recruited_neurons"] = model->recruited();
    j["seconds"] = train_s;
    j["seconds_per_example"] = train_s / double(trained);
    j["cpu_seconds_per_example"] = train_cpu_s / double(trained);
    j["input_spikes_per_example"] = double(input_spikes) / double(trained);
    j["exc_spikes_per_example"] = double(exc_spikes) / double(trained);
    std::printf(
        "training: %llu examples on %zu thread%s in %.1f s: %.3f ms per example (%.3f ms CPU), "
        "%.0f examples/s; %.3f presentations, %.0f input and %.1f excitatory spikes per "
        "example\n",
        (unsigned long long)trained, train_threads, train_threads == 1 ? "" : "s", train_s,
        1e3 * train_s / trained, 1e3 * train_cpu_s / trained,
        trained / train_s, double(presentations) / trained, double(input_spikes) / trained,
        double(exc_spikes) / trained);

    // ---- labelling: a frozen pass over the training set ---------------------------------------
    if (o.label_pass) {
      label_pass(std::min<std::size_t>(o.n_label ? o.n_label : n_train, n_train));
    } else {
      assignment = st::evaluation::assign_labels(last_window, last_window_labels);
      fit_readout(last_window, last_window_labels);
      std::printf(
          "labelling: from the training responses of the last %zu examples (--no-label-pass)\n",
          last_window_labels.size());
    }
    std::size_t unassigned = 0;
    for (int l : assignment.labels) unassigned += l < 0;
    report["label"]["unassigned_neurons"] = unassigned;
    if (!o.save.empty()) {
      std::function<void(st::checkpoint_writer&)> also;
#if defined(SPIKETORCH_MNIST_READOUT)
      if (readout)
        also = [&](st::checkpoint_writer& w) { spiketorch_examples::write_readout(w, *readout); };
#endif
      st::models::save_diehl_cook(o.save, *model, assignment, trained, also);
      std::printf("checkpoint written to %s\n", o.save.c_str());
    }
  }

  // ---- testing -------------------------------------------------------------------------------
  if (test) {
    const std::size_t n_test = test->labels.size();
    const double t2 = now_s();
    progress_bar tbar("testing", n_test, o.quiet);
    std::uint64_t test_input_spikes = 0, test_presentations = 0;
    // A test without an n-gram table (a checkpoint's labels) needs no firing order.
    const auto counts = respond(test->images, n_test, test_pass_ids, tbar, &test_input_spikes,
                                &test_presentations, ngrams.has_value());
    tbar.finish();
    const double test_s = now_s() - t2;
    std::vector<int> pa(n_test), pp(n_test), pc(n_test), pn(n_test), pl(n_test);
    std::uint64_t exc = 0, ngram_fallbacks = 0;
    for (std::size_t e = 0; e < n_test; ++e) {
      auto row = xt::view(counts, e, xt::all());
      pa[e] = st::evaluation::classify_all_activity(row, assignment);
      pp[e] = st::evaluation::classify_proportion(row, assignment);
      pc[e] = st::evaluation::classify_confidence(row, assignment);
      if (assignment.means.size() > 0) pl[e] = st::evaluation::classify_likelihood(row, assignment);
      if (ngrams) {
        pn[e] = ngrams->classify(orders[e]);
        if (pn[e] < 0) {
          pn[e] = pa[e];
          ++ngram_fallbacks;
        }
      }
      for (auto c : row) exc += c;
    }
    const std::span<const std::uint8_t> truth(test->labels.data(), n_test);
    std::optional<double> acc_readout;
    double readout_c = 0;
#if defined(SPIKETORCH_MNIST_READOUT)
    if (readout) {
      readout_c = readout->C;
      const auto x = spike_shares(counts);
      std::vector<int> pr(n_test);
      for (std::size_t e = 0; e < n_test; ++e) pr[e] = readout->predict(x, e);
      acc_readout = st::evaluation::accuracy(truth, pr);
    }
#endif
    const double acc_all = st::evaluation::accuracy(truth, pa);
    const double acc_prop = st::evaluation::accuracy(truth, pp);
    const double acc_conf = st::evaluation::accuracy(truth, pc);
    const auto confusion = st::evaluation::confusion_matrix(truth, pa);
    auto& j = report["test"];
    j["examples"] = n_test;
    j["seconds"] = test_s;
    j["seconds_per_example"] = test_s / double(n_test);
    j["presentations"] = test_presentations;
    j["input_spikes_per_example"] = double(test_input_spikes) / double(n_test);
    j["exc_spikes_per_example"] = double(exc) / double(n_test);
    j["accuracy_all_activity"] = acc_all;
    j["accuracy_proportion"] = acc_prop;
    j["accuracy_confidence"] = acc_conf;
    if (assignment.means.size() > 0)
      j["accuracy_likelihood"] = st::evaluation::accuracy(truth, pl);
    if (ngrams) {
      j["accuracy_ngram"] = st::evaluation::accuracy(truth, pn);
      j["ngram_n"] = o.ngram;
      j["ngram_fallbacks"] = ngram_fallbacks;
    }
    if (acc_readout) {
      j["accuracy_readout"] = *acc_readout;
      j["readout_c"] = readout_c;
      j["readout_seconds"] = readout_s;
    }
    j["confusion_all_activity"] = matrix_json(confusion);
    std::printf("testing: %zu examples (learning off, %s) in %.1f s: %.3f ms per example\n", n_test,
                eval_how, test_s, 1e3 * test_s / n_test);
    std::printf(
        "test accuracy: %.2f%% (all-activity), %.2f%% (proportion weighting) on %zu digits\n",
        100 * acc_all, 100 * acc_prop, n_test);
    std::printf("other votes: %.2f%% (confidence weighting)", 100 * acc_conf);
    if (assignment.means.size() > 0)
      std::printf(", %.2f%% (likelihood)", 100 * st::evaluation::accuracy(truth, pl));
    if (ngrams)
      std::printf(", %.2f%% (%zu-gram; %llu digits without a known %zu-gram took all-activity's "
                  "class)",
                  100 * st::evaluation::accuracy(truth, pn), o.ngram,
                  (unsigned long long)ngram_fallbacks, o.ngram);
    if (acc_readout)
      std::printf(", %.2f%% (linear readout, C = %g)", 100 * *acc_readout, readout_c);
    std::printf("\n");
    print_confusion(confusion);
    vis.test_done(confusion);
  }
  if (need_train || relabel) {
    std::printf("timing: setup %.1f s, training %.1f s, labelling %.1f s, testing %.1f s\n",
                setup_s, train_s, seconds_of(report, "label"), seconds_of(report, "test"));
  }
  if (!o.json.empty()) {
    st::write_text_atomically(o.json, report.dump(2) + "\n");
    std::printf("results written to %s\n", o.json.c_str());
  }
  return 0;
}

}  // namespace mnist_example
