// The ranges of diehl_cook_params (models/diehl_cook_params.hpp), checked in one place for the
// model, checkpoints and the MNIST command line: durations of one to 10^5 steps (a 10^12-step
// presentation hung, a zero-step one retried every example), input rates within one spike per
// step on every retry, and networks that fit in memory (std::bad_alloc before). Needs no data.
#include "spiketorch/models/diehl_cook_params.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>

#include "spiketorch/models/diehl_cook_2015.hpp"
#include "spiketorch/models/diehl_cook_checkpoint.hpp"
#include "spiketorch/models/diehl_cook_params_json.hpp"

using Catch::Matchers::Contains;
using spiketorch::models::diehl_cook_params;
using spiketorch::models::invalid_parameter;
namespace fs = std::filesystem;

namespace {

// The field the first failed check names, or "" when `p` is valid.
std::string refused_field(const diehl_cook_params& p) {
  try {
    p.validate();
  } catch (const invalid_parameter& e) {
    return e.field;
  }
  return "";
}

template <class Change>
diehl_cook_params with(Change&& change) {
  diehl_cook_params p;
  change(p);
  return p;
}

}  // namespace

TEST_CASE("diehl_cook_params: the defaults are valid", "[params]") {
  CHECK(refused_field(diehl_cook_params{}) == "");
}

TEST_CASE("diehl_cook_params: a presentation is 1 to 10^5 steps, a rest 0 to 10^5", "[params]") {
  CHECK(refused_field(with([](auto& p) { p.time_ms = 1e12; })) == "time_ms");
  CHECK(refused_field(with([](auto& p) { p.time_ms = 1e300; })) == "time_ms");
  // 2e-7 steps rounded to zero: every presentation was empty and retried 40 times.
  CHECK(refused_field(with([](auto& p) { p.time_ms = 1e-7; })) == "time_ms");
  CHECK(refused_field(with([](auto& p) { p.time_ms = 0.5; })) == "");
  CHECK(refused_field(with([](auto& p) { p.time_ms = 50000; })) == "");
  CHECK(refused_field(with([](auto& p) { p.time_ms = 50000.5; })) == "time_ms");
  CHECK(refused_field(with([](auto& p) { p.rest_ms = 1e300; })) == "rest_ms");
  CHECK(refused_field(with([](auto& p) { p.rest_ms = 0; })) == "");
  CHECK_THROWS_WITH(with([](auto& p) { p.time_ms = 1e12; }).validate(),
                    Contains("diehl_cook: time_ms must be 1 to 100000 steps of dt_ms") &&
                        Contains("[0.5, 50000] ms, got 1e+12"));
  CHECK_THROWS_AS(spiketorch::models::diehl_cook_2015<>(with([](auto& p) { p.rest_ms = 1e300; })),
                  invalid_parameter);
}

TEST_CASE("diehl_cook_params: dt in [0.001, 10] ms, with delays of at most 255 steps", "[params]") {
  CHECK(refused_field(with([](auto& p) { p.dt_ms = 20; })) == "dt_ms");
  CHECK(refused_field(with([](auto& p) {
          p.dt_ms = 1e-4;
          p.time_ms = p.rest_ms = 1e-4;
          p.delay_max_ms = 0;
        })) == "dt_ms");
  // 10 ms of delay in 0.025 ms steps is 400 steps.
  CHECK(refused_field(with([](auto& p) { p.dt_ms = 0.025; })) == "dt_ms");
  CHECK(refused_field(with([](auto& p) { p.dt_ms = 0.05; })) == "");
  CHECK(refused_field(with([](auto& p) {
          p.dt_ms = 1;
          p.exc_synapses.scheme = spiketorch::synapses::decay_scheme::forward_euler;
        })) == "dt_ms");
}

TEST_CASE("diehl_cook_params: every retry's input rate is at most one spike per step", "[params]") {
  // 255 / 8 * I <= 2000 Hz at dt = 0.5 ms: I <= 62.745; 1000 Hz at dt = 1 ms: I <= 31.373.
  CHECK(refused_field(with([](auto& p) { p.intensity = 1e300; })) == "intensity");
  CHECK(refused_field(with([](auto& p) { p.intensity = 62.75; })) == "intensity");
  CHECK(refused_field(with([](auto& p) { p.intensity = 62.74; })) == "");
  CHECK(refused_field(with([](auto& p) { p.intensity = 2, p.dt_ms = 1; })) == "");
  CHECK(refused_field(with([](auto& p) { p.intensity = 31.37, p.dt_ms = 1; })) == "");
  CHECK(refused_field(with([](auto& p) { p.intensity = 31.38, p.dt_ms = 1; })) == "intensity");
  CHECK(refused_field(with([](auto& p) { p.intensity_step = 62.74; })) == "");
  CHECK(refused_field(with([](auto& p) { p.intensity_step = 62.75; })) == "intensity_step");
  CHECK(refused_field(with([](auto& p) { p.intensity_step = 1e300; })) == "intensity_step");
  CHECK_THROWS_WITH(with([](auto& p) { p.intensity = 80; }).validate(),
                    Contains("must be at most 62.7451") && Contains("saturate"));
}

TEST_CASE("diehl_cook: retries past one spike per step saturate, earlier rates are unchanged",
          "[params]") {
  // dt = 1 ms, the default intensity 2 and its +1 per retry: from the 30th retry on the
  // brightest pixel would ask for more than 1000 Hz, which the encoder cannot draw.
  const auto p = with([](auto& q) {
    q.dt_ms = 1;
    q.n_neurons = 2;
  });
  spiketorch::models::diehl_cook_2015<> model(p);
  std::vector<std::uint8_t> image(p.n_input, 0);
  image[0] = 255, image[1] = 128, image[2] = 8;
  std::vector<float> rates(p.n_input);
  model.rates_of(image, 2.0, rates);
  CHECK(rates[0] == 255.f * 0.25f);
  CHECK(rates[1] == 128.f * 0.25f);
  model.rates_of(image, 100.0, rates);
  CHECK(double(rates[0]) * p.dt_ms * 1e-3 <= 1.0);
  CHECK(rates[0] == Approx(1000.0).epsilon(1e-6));  // one spike per step
  CHECK(rates[1] == Approx(1000.0).epsilon(1e-6));  // 1600 Hz asked
  CHECK(rates[2] == 100.f);                          // 8 / 8 * 100 Hz, below the limit
  CHECK(rates[3] == 0.f);
}

TEST_CASE("diehl_cook_params: the network must fit in memory", "[params]") {
  const auto huge = with([](auto& p) { p.n_neurons = std::size_t(1) << 40; });
  CHECK(refused_field(huge) == "n_neurons");
  CHECK_THROWS_WITH(huge.validate(), Contains("n_neurons = 1099511627776") && Contains("GiB") &&
                                         Contains("memory of this machine"));
  CHECK_THROWS_AS(spiketorch::models::diehl_cook_2015<>(huge), invalid_parameter);
  CHECK(refused_field(with([](auto& p) { p.n_input = std::size_t(1) << 40; })) == "n_input");
  // No size overflows the estimate.
  CHECK(refused_field(with([](auto& p) { p.n_neurons = ~std::size_t(0); })) == "n_neurons");
  CHECK(with([](auto& p) { p.n_neurons = 100; }).synapse_bytes() ==
        784.0 * 100 * 5 + 100.0 * 99 * 4 + 100.0 * 4);
}

TEST_CASE("diehl_cook_params: weights are finite and >= 0, delays ordered", "[params]") {
  CHECK(refused_field(with([](auto& p) { p.w_inh_exc = -17; })) == "w_inh_exc");
  CHECK(refused_field(with([](auto& p) { p.w_exc_inh = INFINITY; })) == "w_exc_inh");
  CHECK(refused_field(with([](auto& p) { p.w_init_low = 0.5; })) == "w_init_low");
  CHECK(refused_field(with([](auto& p) { p.delay_min_ms = 11; })) == "delay_min_ms");
  CHECK(refused_field(with([](auto& p) { p.delay_min_ms = -1; })) == "delay_min_ms");
}

TEST_CASE("diehl_cook_params: member parameter sets are checked under their name", "[params]") {
  CHECK(refused_field(with([](auto& p) { p.exc.tau_m_ms = -1; })) == "exc");
  CHECK(refused_field(with([](auto& p) { p.stdp.w_max = std::nan(""); })) == "stdp");
  CHECK_THROWS_WITH(with([](auto& p) { p.inh_synapses.tau_inh_ms = 0; }).validate(),
                    Contains("inh_synapses") && Contains("tau_inh_ms"));
}

TEST_CASE("diehl_cook_params: messages name fields as the caller does", "[params]") {
  const auto option = [](std::string_view field) {
    return field == "time_ms" ? std::string("--time") : std::string(field);
  };
  CHECK_THROWS_WITH(with([](auto& p) { p.time_ms = 1e-7; }).validate(option),
                    Catch::Matchers::StartsWith("--time must be 1 to 100000 steps of dt_ms"));
}

TEST_CASE("a checkpoint's parameters out of range are refused naming the checkpoint and field",
          "[params][checkpoint]") {
  static std::atomic<int> counter{0};
  const fs::path dir = fs::temp_directory_path() /
                       ("spiketorch-dc-ranges-" + std::to_string(std::random_device{}()) + "-" +
                        std::to_string(counter++));
  diehl_cook_params p;
  p.n_input = 16;
  p.n_neurons = 3;
  spiketorch::models::diehl_cook_2015<> model(p);
  spiketorch::evaluation::label_assignment assignment;
  assignment.labels = {1, -1, 7};
  assignment.proportions = xt::zeros<double>({std::size_t{3}, std::size_t{10}});
  spiketorch::models::save_diehl_cook(dir, model, assignment, 1);
  const auto good = nlohmann::ordered_json::parse(std::ifstream(dir / "manifest.json"));

  const auto refused = [&](const nlohmann::ordered_json& manifest, const std::string& field) {
    std::ofstream(dir / "manifest.json") << manifest.dump(2);
    CHECK_THROWS_AS(spiketorch::models::load_diehl_cook(dir), spiketorch::io_error);
    CHECK_THROWS_WITH(spiketorch::models::load_diehl_cook(dir),
                      Contains(dir.string()) && Contains(field));
  };
  for (const auto& [field, value] :
       {std::pair{"time_ms", nlohmann::ordered_json(1e300)},
        std::pair{"rest_ms", nlohmann::ordered_json(1e300)},
        std::pair{"intensity", nlohmann::ordered_json(1e300)},
        std::pair{"n_neurons", nlohmann::ordered_json(std::uint64_t(1) << 40)}}) {
    auto manifest = good;
    manifest["parameters"]["params"][field] = value;
    refused(manifest, field);
  }
  // Format version 1: flat parameters.
  auto v1 = good;
  v1["format_version"] = 1;
  v1["parameters"] = {
      {"model", "diehl_cook_2015"}, {"n_neurons", 3},   {"n_input", 16},    {"dt_ms", 0.5},
      {"time_ms", 1e300},           {"rest_ms", 150.0}, {"intensity", 2.0}, {"seed", 0}};
  refused(v1, "time_ms");
  fs::remove_all(dir);
}
