// Checkpoints of a trained Diehl & Cook network: a directory with weights [n_input, N], theta [N],
// assignments [N] (int32, -1 = unassigned), proportions [N, 10] and the class means [N, 10] of
// the likelihood vote (absent from older checkpoints) as .npy, plus the manifest
// with the parameters needed to rebuild the network (io/checkpoint.hpp: format and atomicity).
// The parameters are the object "params", every field of diehl_cook_params as
// models/diehl_cook_params_json.hpp writes it. Checkpoints of format version 1 (and those of
// benchmarks/peers/brian2_diehl_cook.py) hold only seven of them as flat parameters; the others
// read as their defaults.
#pragma once

#include "spiketorch/config.hpp"

#include <cmath>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <string>
#include <xtensor/xadapt.hpp>

#include "spiketorch/distributed/collectives.hpp"
#include "spiketorch/evaluation/labels.hpp"
#include "spiketorch/io/checkpoint.hpp"
#include "spiketorch/models/diehl_cook_2015.hpp"
#include "spiketorch/models/diehl_cook_params_json.hpp"

namespace spiketorch::models {

namespace detail {
template <class Weights, class Theta>
void write_diehl_cook(const std::filesystem::path& dir, const diehl_cook_params& p,
                      const Weights& weights, const Theta& theta,
                      const evaluation::label_assignment& assignment,
                      std::uint64_t examples_trained,
                      const std::function<void(checkpoint_writer&)>& also) {
  checkpoint_writer w(dir);
  w.set("model", std::string("diehl_cook_2015"));
  w.set("params", p);
  w.set("examples_trained", examples_trained);
  w.add_array("weights", xt::adapt(weights.data(), weights.size(), xt::no_ownership(),
                                   std::vector<std::size_t>{p.n_input, p.n_neurons}));
  w.add_array("theta", xt::adapt(theta.data(), theta.size(), xt::no_ownership(),
                                 std::vector<std::size_t>{p.n_neurons}));
  xt::xtensor<std::int32_t, 1> labels = xt::zeros<std::int32_t>({p.n_neurons});
  for (std::size_t n = 0; n < p.n_neurons; ++n) labels(n) = assignment.labels[n];
  w.add_array("assignments", labels);
  w.add_array("proportions", assignment.proportions);
  // The likelihood vote's class means; an assignment built otherwise may have none.
  if (assignment.means.size() > 0) w.add_array("means", assignment.means);
  if (also) also(w);
  w.commit();
}
}  // namespace detail

/// Writes a checkpoint of the model. A model stepped by several MPI ranks holds the same state
/// on each after every run (distributed/gather_state.hpp), so the checkpoint is the one a
/// single process writes and loads on any number of ranks. Then every rank calls this: each
/// checks the model, the leading rank writes, and all return once it is written, or all throw
/// if it could not be (no rank is left waiting for one that failed). `also` may add parameters
/// and arrays of the program's own (the MNIST program's linear readout) before the checkpoint
/// is published, so that they appear with the rest or not at all.
template <class Model>
void save_diehl_cook(const std::filesystem::path& dir, Model& model,
                     const evaluation::label_assignment& assignment,
                     std::uint64_t examples_trained,
                     const std::function<void(checkpoint_writer&)>& also = nullptr) {
  const auto& p = model.params();
  require(assignment.labels.size() == p.n_neurons, "save_diehl_cook: ", assignment.labels.size(),
          " assignments for ", p.n_neurons, " neurons");
  // What load_diehl_cook refuses is refused here too, before anything is written: values written
  // through the Python views could otherwise make a checkpoint that cannot be read back.
  const std::vector<real> weights = model.gather_input_weights();
  for (std::size_t k = 0; k < weights.size(); ++k)
    require(std::isfinite(weights[k]) && weights[k] >= 0, "save_diehl_cook: weight ", weights[k],
            " of input ", k / p.n_neurons, " to neuron ", k % p.n_neurons,
            " is not a finite value >= 0");
  const auto theta = model.theta();
  for (std::size_t j = 0; j < theta.size(); ++j)
    require(std::isfinite(theta[j]) && theta[j] >= 0, "save_diehl_cook: theta ", theta[j],
            " of neuron ", j, " is not a finite value >= 0");
  const rank_group& ranks = model.net().ranks();
  std::exception_ptr failed;
  if (ranks.leads()) {
    try {
      detail::write_diehl_cook(dir, p, weights, theta, assignment, examples_trained, also);
    } catch (...) {
      failed = std::current_exception();
    }
  }
  if (sum_over_ranks(ranks, failed ? 1 : 0) > 0) {
    if (failed) std::rethrow_exception(failed);
    throw io_error(spiketorch::detail::concat("checkpoint ", dir.string(),
                                              ": rank 0 could not write it"));
  }
}

struct loaded_diehl_cook {
  diehl_cook_params params;
  evaluation::label_assignment assignment;
  std::int64_t examples_trained = 0;
};

/// The parameters a checkpoint was written with, validated (diehl_cook_params::validate): a value
/// out of range is an io_error naming the checkpoint and the field, before any array is read or
/// any memory is allocated for the network.
inline diehl_cook_params diehl_cook_checkpoint_params(const checkpoint_reader& r) {
  // from_json validates; the reader names the checkpoint and 'params' in its errors.
  if (r.has("params")) return r.get<diehl_cook_params>("params");
  diehl_cook_params p;
  p.n_neurons = static_cast<std::size_t>(r.get_int("n_neurons"));
  p.n_input = static_cast<std::size_t>(r.get_int("n_input"));
  p.dt_ms = r.get_double("dt_ms");
  p.time_ms = r.get_double("time_ms");
  p.rest_ms = r.get_double("rest_ms");
  p.intensity = r.get_double("intensity");
  p.seed = static_cast<std::uint64_t>(r.get_int("seed"));
  try {
    p.validate();
  } catch (const invalid_parameter& e) {
    throw io_error(spiketorch::detail::concat("checkpoint '", r.directory().string(),
                                              "': parameter '", e.field, "': ", e.what()));
  }
  return p;
}

/// Reads a checkpoint and restores weights and theta into a freshly built model. `adjust` may
/// change the stored parameters before the model is built, for settings that only affect how the
/// network runs (the MNIST program evaluates every checkpoint with exact conductance decay).
template <class Backend = backend::default_backend>
std::pair<diehl_cook_2015<Backend>, loaded_diehl_cook> load_diehl_cook(
    const std::filesystem::path& dir,
    const std::function<void(diehl_cook_params&)>& adjust = nullptr, const rank_group& ranks = {}) {
  checkpoint_reader r(dir);
  require(r.get_string("model", "") == "diehl_cook_2015", "checkpoint ", dir.string(),
          " is not a Diehl & Cook 2015 network (model = '", r.get_string("model", ""), "')");
  loaded_diehl_cook info;
  auto& p = info.params;
  p = diehl_cook_checkpoint_params(r);
  if (adjust) adjust(p);
  info.examples_trained = r.get_int("examples_trained", 0);
  require(info.examples_trained >= 0, "checkpoint ", dir.string(), ": examples_trained = ",
          info.examples_trained, ", expected a count >= 0");
  diehl_cook_2015<Backend> model(p, ranks);
  const auto w = r.array<float>("weights");
  const auto theta = r.array<float>("theta");
  // A transposed matrix has the right size; non-finite or negative values would evaluate
  // silently (conductance synapses add non-negative weights).
  const auto weights_file = (dir / "weights.npy").string();
  require(w.dimension() == 2 && w.shape()[0] == p.n_input && w.shape()[1] == p.n_neurons,
          "checkpoint ", weights_file, ": shape ",
          spiketorch::detail::shape_string({w.shape().begin(), w.shape().end()}), ", expected (",
          p.n_input, ", ", p.n_neurons, ") (n_input, n_neurons of the manifest)");
  for (std::size_t k = 0; k < w.size(); ++k)
    require(std::isfinite(w.data()[k]) && w.data()[k] >= 0, "checkpoint ", weights_file,
            ": weight ", w.data()[k], " of input ", k / p.n_neurons, " to neuron ",
            k % p.n_neurons, " is not a finite value >= 0");
  const auto theta_file = (dir / "theta.npy").string();
  require(theta.dimension() == 1 && theta.size() == p.n_neurons, "checkpoint ", theta_file,
          ": shape ",
          spiketorch::detail::shape_string({theta.shape().begin(), theta.shape().end()}),
          ", expected (", p.n_neurons, ") (n_neurons of the manifest)");
  // Theta only grows from 0 (theta_plus per spike) and decays towards 0: a negative one would
  // make its neuron fire without input.
  for (std::size_t j = 0; j < theta.size(); ++j)
    require(std::isfinite(theta.data()[j]) && theta.data()[j] >= 0, "checkpoint ", theta_file,
            ": theta ", theta.data()[j], " of neuron ", j, " is not a finite value >= 0");
  model.net().template set_weights<"X", "Ae">({w.data(), w.size()});
  std::copy(theta.begin(), theta.end(), model.theta().begin());
  model.set_examples_trained(static_cast<std::uint64_t>(info.examples_trained));
  // The classifiers index their class scores with these labels and the proportions with
  // (neuron, label): a damaged file is refused here, by name, rather than read out of bounds.
  const std::size_t n_classes = info.assignment.n_classes;
  const auto labels = r.array<std::int32_t>("assignments");
  const auto labels_file = (dir / "assignments.npy").string();
  require(labels.dimension() == 1 && labels.size() == p.n_neurons, "checkpoint ", labels_file,
          ": ", labels.size(), " assignments for ", p.n_neurons, " neurons");
  for (std::size_t n = 0; n < labels.size(); ++n)
    require(labels(n) >= -1 && labels(n) < static_cast<std::int64_t>(n_classes), "checkpoint ",
            labels_file, ": neuron ", n, " has label ", labels(n), ", expected -1 (unassigned) or 0..",
            n_classes - 1);
  info.assignment.labels.assign(labels.begin(), labels.end());
  const auto proportions = r.array<double>("proportions");
  const auto proportions_file = (dir / "proportions.npy").string();
  const auto& shape = proportions.shape();
  require(shape.size() == 2 && shape[0] == p.n_neurons && shape[1] == n_classes, "checkpoint ",
          proportions_file, ": shape ",
          spiketorch::detail::shape_string(std::vector<std::size_t>(shape.begin(), shape.end())),
          ", expected (", p.n_neurons, ", ", n_classes, ") (neurons, classes)");
  for (std::size_t i = 0; i < proportions.size(); ++i)
    require(proportions.data()[i] >= 0 && proportions.data()[i] <= 1, "checkpoint ",
            proportions_file, ": value ", proportions.data()[i], " at neuron ", i / n_classes,
            ", class ", i % n_classes, " is not a fraction in [0, 1]");
  info.assignment.proportions = proportions;
  // Checkpoints written before the class means were kept have none: no likelihood vote.
  if (r.has_array("means")) {
    const auto means = r.array<double>("means");
    const auto means_file = (dir / "means.npy").string();
    require(means.dimension() == 2 && means.shape()[0] == p.n_neurons &&
                means.shape()[1] == n_classes,
            "checkpoint ", means_file, ": shape ",
            spiketorch::detail::shape_string({means.shape().begin(), means.shape().end()}),
            ", expected (", p.n_neurons, ", ", n_classes, ") (neurons, classes)");
    // Mean spike counts per example: a negative one would make the likelihood's log undefined.
    for (std::size_t i = 0; i < means.size(); ++i)
      require(std::isfinite(means.data()[i]) && means.data()[i] >= 0, "checkpoint ", means_file,
              ": value ", means.data()[i], " at neuron ", i / n_classes, ", class ",
              i % n_classes, " is not a finite count >= 0");
    info.assignment.means = means;
  }
  return {std::move(model), std::move(info)};
}

}  // namespace spiketorch::models
