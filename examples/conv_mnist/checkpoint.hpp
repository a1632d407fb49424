// Checkpoints of the convolutional example (io/checkpoint.hpp directories): the architecture as
// parameters, the two layers' kernels as [kernel, kernel, in channels, maps] arrays (the storage
// order of topology::conv2d), the images each layer learned from, and the readout when trained.
// A checkpoint builds its own network; one of another model, or whose arrays do not match its
// architecture, is refused with the name of what differs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <xtensor/xadapt.hpp>

#include "../common/linear_readout.hpp"
#include "spiketorch/io/checkpoint.hpp"
#include "spiketorch/models/kheradpisheh_2018.hpp"

namespace conv_mnist {

using spiketorch_examples::linear_readout;

inline constexpr const char* model_name = "kheradpisheh_2018";

namespace detail {
// The parameters a checkpoint records: what decides the shapes and the responses.
template <class Visit>
void visit_architecture(spiketorch::models::kheradpisheh_params& p, Visit&& visit) {
  visit("time_steps", p.time_steps);
  visit("dog_size", p.dog.size);
  visit("dog_padding", p.dog.padding);
  visit("normalization_radius", p.normalization_radius);
  for (auto [prefix, l] : {std::pair{"conv1_", &p.conv1}, std::pair{"conv2_", &p.conv2}}) {
    const std::string s = prefix;
    visit(s + "maps", l->maps);
    visit(s + "kernel", l->kernel);
    visit(s + "padding", l->padding);
    visit(s + "winners", l->winners);
    visit(s + "inhibition_radius", l->inhibition_radius);
  }
  for (auto [prefix, q] : {std::pair{"pool1_", &p.pool1}, std::pair{"pool2_", &p.pool2}}) {
    const std::string s = prefix;
    visit(s + "kernel", q->kernel);
    visit(s + "stride", q->stride);
    visit(s + "padding", q->padding);
  }
}
template <class Visit>
void visit_thresholds(spiketorch::models::kheradpisheh_params& p, Visit&& visit) {
  visit("dog_threshold", p.dog.threshold);
  visit("conv1_threshold", p.conv1.threshold);
  visit("conv2_threshold", p.conv2.threshold);
}
}  // namespace detail

template <class Model>
void save_checkpoint(const std::filesystem::path& dir, Model& model,
                     const std::optional<linear_readout>& readout) {
  spiketorch::checkpoint_writer w(dir);
  auto p = model.params();
  w.set("model", std::string(model_name));
  w.set("seed", p.seed);
  detail::visit_architecture(
      p, [&](const std::string& key, std::size_t v) { w.set(key, std::uint64_t(v)); });
  detail::visit_thresholds(p, [&](const std::string& key, auto v) { w.set(key, double(v)); });
  w.set("images_learned1", std::uint64_t(model.images_learned(1)));
  w.set("images_learned2", std::uint64_t(model.images_learned(2)));
  for (int layer : {1, 2}) {
    const auto& l = layer == 1 ? p.conv1 : p.conv2;
    const auto& s = model.shapes();
    const std::size_t in = layer == 1 ? s.x.channels : s.p1.channels;
    const auto k = model.kernels(layer);
    w.add_array(layer == 1 ? "conv1" : "conv2",
                xt::adapt(k.data(), k.size(), xt::no_ownership(),
                          std::vector<std::size_t>{l.kernel, l.kernel, in, l.maps}));
  }
  if (readout) spiketorch_examples::write_readout(w, *readout);
  w.commit();
}

/// What a checkpoint holds, read and checked.
struct loaded_checkpoint {
  spiketorch::models::kheradpisheh_params params;
  std::vector<float> conv1, conv2;
  std::size_t images_learned1 = 0, images_learned2 = 0;
  std::optional<linear_readout> readout;
};

inline loaded_checkpoint load_checkpoint(const std::filesystem::path& dir) {
  using spiketorch::io_error;
  using spiketorch::detail::concat;
  const spiketorch::checkpoint_reader r(dir);
  const std::string model = r.get_string("model", "");
  if (model != model_name)
    throw io_error(concat("checkpoint '", dir.string(), "' holds ",
                          model.empty() ? std::string("no model name") : "a " + model + " model",
                          ", not the convolutional network (", model_name,
                          "): it is another architecture"));
  loaded_checkpoint c;
  auto& p = c.params;
  p.seed = std::uint64_t(r.get_int("seed"));
  detail::visit_architecture(p, [&](const std::string& key, std::size_t& v) {
    const std::int64_t x = r.get_int(key);
    if (x < 0) throw io_error(concat("checkpoint '", dir.string(), "': ", key, " is ", x));
    v = std::size_t(x);
  });
  detail::visit_thresholds(p, [&](const std::string& key, auto& v) {
    v = static_cast<std::remove_reference_t<decltype(v)>>(r.get_double(key));
  });
  try {
    p.validate();
  } catch (const std::exception& e) {
    throw io_error(concat("checkpoint '", dir.string(), "': ", e.what()));
  }
  c.images_learned1 = std::size_t(r.get_int("images_learned1"));
  c.images_learned2 = std::size_t(r.get_int("images_learned2"));
  const auto s = p.layer_shapes();
  for (int layer : {1, 2}) {
    const char* name = layer == 1 ? "conv1" : "conv2";
    const auto& l = layer == 1 ? p.conv1 : p.conv2;
    const std::size_t in = layer == 1 ? s.x.channels : s.p1.channels;
    const std::vector<std::size_t> want{l.kernel, l.kernel, in, l.maps};
    if (r.array_shape(name) != want)
      throw io_error(concat("checkpoint '", dir.string(), "': array ", name, " has shape ",
                            spiketorch::detail::shape_string(r.array_shape(name)),
                            ", its architecture needs ", spiketorch::detail::shape_string(want)));
    const auto a = r.array<float>(name);
    (layer == 1 ? c.conv1 : c.conv2).assign(a.begin(), a.end());
  }
  c.readout = spiketorch_examples::read_readout(r, s.p2.size());
  return c;
}

}  // namespace conv_mnist
