// Tests of the diehl_cook_params serialiser: every field round trips, absent fields keep their
// defaults, and bad files are refused with the field named; and the checkpoint manifest that it
// feeds (load_diehl_cook of version-2 and version-1 checkpoints).
#include "spiketorch/models/diehl_cook_params_json.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "spiketorch/models/diehl_cook_checkpoint.hpp"

using Catch::Matchers::Contains;
using spiketorch::models::diehl_cook_params;
namespace fs = std::filesystem;

namespace {

// Every field away from its default, so that a field that is not written or not read shows.
diehl_cook_params changed() {
  diehl_cook_params p;
  p.n_input = 100;
  p.n_neurons = 7;
  p.dt_ms = 0.25;
  p.time_ms = 300;
  p.rest_ms = 100;
  p.intensity = 3;
  p.intensity_step = 0.5;
  p.min_spikes = 4;
  p.max_presentations = 9;
  p.norm = 70;
  p.w_init_low = 0.01;
  p.w_init_high = 0.2;
  p.delay_min_ms = 1;
  p.delay_max_ms = 4;
  p.w_exc_inh = 9.5;
  p.w_inh_exc = 16;
  p.exc = {.tau_m_ms = 90,
           .v_rest_mv = -64,
           .v_reset_mv = -66,
           .v_thresh_mv = -51,
           .refractory_ms = 4,
           .v_init_mv = -104,
           .theta_plus_mv = 0.04,
           .tau_theta_ms = 1e6,
           .theta_offset_mv = 19,
           .theta_init_mv = 21};
  p.inh = {.tau_m_ms = 9,
           .v_rest_mv = -59,
           .v_reset_mv = -44,
           .v_thresh_mv = -39,
           .refractory_ms = 1,
           .v_init_mv = -99,
           .refractory = spiketorch::neurons::refractory_rule::since_spike};
  p.exc_synapses = {.tau_exc_ms = 1.5,
                    .tau_inh_ms = 2.5,
                    .e_exc_mv = 1,
                    .e_inh_mv = -99,
                    .scheme = spiketorch::synapses::decay_scheme::forward_euler};
  p.inh_synapses = {.tau_exc_ms = 1.25,
                    .tau_inh_ms = 2.25,
                    .e_exc_mv = 2,
                    .e_inh_mv = -84,
                    .scheme = spiketorch::synapses::decay_scheme::forward_euler};
  p.stdp = {.nu_pre = 2e-4,
            .nu_post = 2e-2,
            .tau_pre_ms = 21,
            .tau_post1_ms = 22,
            .tau_post2_ms = 41,
            .w_min = 0.1,
            .w_max = 0.9};
  p.encoder.sampler = spiketorch::encoding::poisson::method::per_step_bernoulli;
  p.seed = 18446744073709551615ull;
  p.improvements = {.inhibition_start = 0.25,
                    .inhibition_ramp_examples = 12345,
                    .homeostasis_mv = 0.03,
                    .theta_floor_mv = -2.5,
                    .recruit_window = 777,
                    .eval_repeats = 3};
  return p;
}

diehl_cook_params from(const std::string& text) {
  return nlohmann::json::parse(text).get<diehl_cook_params>();
}

}  // namespace

TEST_CASE("diehl_cook_params: every field round trips", "[params_json]") {
  const nlohmann::json j = changed();
  CHECK(j.at("exc").at("tau_theta_ms") == 1e6);
  CHECK(j.at("exc_synapses").at("scheme") == "forward_euler");
  CHECK(j.at("inh").at("refractory") == "since_spike");
  CHECK(j.at("encoder").at("sampler") == "per_step_bernoulli");
  CHECK(j.at("seed") == 18446744073709551615ull);
  CHECK(j.at("improvements").at("inhibition_ramp_examples") == 12345);
  CHECK(j.at("improvements").at("eval_repeats") == 3);
  // Through text, and with ordered_json (the checkpoint's type) too.
  CHECK(nlohmann::json(nlohmann::json::parse(j.dump()).get<diehl_cook_params>()) == j);
  const nlohmann::ordered_json o = changed();
  CHECK(nlohmann::json::parse(o.dump()) == j);
  CHECK(nlohmann::json(o.get<diehl_cook_params>()) == j);
  // The defaults differ from `changed()` in every field.
  const nlohmann::json defaults = diehl_cook_params{};
  for (const auto& [key, value] : j.items()) {
    INFO(key);
    CHECK(defaults.at(key) != value);
  }
}

TEST_CASE("diehl_cook_params: absent fields keep their defaults", "[params_json]") {
  const auto p = from(R"({"n_neurons": 400, "exc": {"theta_plus_mv": 0.1}})");
  CHECK(p.n_neurons == 400);
  CHECK(p.exc.theta_plus_mv == 0.1);
  CHECK(p.exc.tau_theta_ms == diehl_cook_params{}.exc.tau_theta_ms);
  CHECK(nlohmann::json(from("{}")) == nlohmann::json(diehl_cook_params{}));
}

TEST_CASE("diehl_cook_params: bad values are refused with the field named", "[params_json]") {
  using spiketorch::invalid_argument;
  REQUIRE_THROWS_AS(from(R"({"n_neuron": 4})"), invalid_argument);
  REQUIRE_THROWS_WITH(from(R"({"n_neuron": 4})"), Contains("unknown parameter 'n_neuron'"));
  REQUIRE_THROWS_WITH(from(R"({"exc": {"tau": 4}})"), Contains("unknown parameter 'exc.tau'"));
  REQUIRE_THROWS_WITH(from(R"({"exc": 4})"), Contains("'exc' must be an object"));
  REQUIRE_THROWS_WITH(from(R"({"dt_ms": "0.5"})"),
                      Contains("'dt_ms' must be a finite number") && Contains("\"0.5\""));
  REQUIRE_THROWS_WITH(from(R"({"n_neurons": -3})"),
                      Contains("'n_neurons' must be an integer in 0..") && Contains("-3"));
  REQUIRE_THROWS_WITH(from(R"({"n_neurons": 2.5})"), Contains("'n_neurons' must be an integer"));
  REQUIRE_THROWS_WITH(from(R"({"min_spikes": 4294967296})"),
                      Contains("'min_spikes'") && Contains("4294967295"));
  REQUIRE_THROWS_WITH(
      from(R"({"inh_synapses": {"scheme": "euler"}})"),
      Contains("'inh_synapses.scheme' must be \"exact\" or \"forward_euler\", got \"euler\""));
  REQUIRE_THROWS_WITH(from(R"({"encoder": {"sampler": 1}})"), Contains("'encoder.sampler'"));
  REQUIRE_THROWS_WITH(from("[1]"), Contains("(top level)") && Contains("an object"));
  // Values each of the right type but not a valid model: diehl_cook_params::validate's message.
  REQUIRE_THROWS_WITH(from(R"({"dt_ms": 0.3})"), Contains("whole multiple of dt_ms"));
}

TEST_CASE("Diehl & Cook checkpoints hold every parameter; version-1 ones still load",
          "[params_json]") {
  static std::atomic<int> counter{0};
  const fs::path dir = fs::temp_directory_path() /
                       ("spiketorch-dc-params-" + std::to_string(std::random_device{}()) + "-" +
                        std::to_string(counter++));
  diehl_cook_params p;
  p.n_input = 16;
  p.n_neurons = 3;
  p.exc.theta_plus_mv = 0.07;
  p.exc_synapses.scheme = spiketorch::synapses::decay_scheme::forward_euler;
  spiketorch::models::diehl_cook_2015<> model(p);
  spiketorch::evaluation::label_assignment assignment;
  assignment.labels = {1, -1, 7};
  assignment.proportions = xt::zeros<double>({std::size_t{3}, std::size_t{10}});
  spiketorch::models::save_diehl_cook(dir, model, assignment, 12);

  {
    auto [loaded, info] = spiketorch::models::load_diehl_cook(dir);
    CHECK(nlohmann::json(info.params) == nlohmann::json(p));
    CHECK(info.examples_trained == 12);
    CHECK(info.assignment.labels == assignment.labels);
    auto [exact, exact_info] = spiketorch::models::load_diehl_cook(dir, [](diehl_cook_params& q) {
      q.exc_synapses.scheme = spiketorch::synapses::decay_scheme::exact;
    });
    CHECK(exact_info.params.exc_synapses.scheme == spiketorch::synapses::decay_scheme::exact);
    CHECK(exact_info.params.exc.theta_plus_mv == 0.07);
  }

  // What version 1 wrote (and benchmarks/peers/brian2_diehl_cook.py writes): seven flat values.
  auto manifest = nlohmann::ordered_json::parse(std::ifstream(dir / "manifest.json"));
  manifest["format_version"] = 1;
  manifest["parameters"] = {
      {"model", "diehl_cook_2015"}, {"n_neurons", 3},   {"n_input", 16},    {"dt_ms", 0.5},
      {"time_ms", 350.0},           {"rest_ms", 150.0}, {"intensity", 2.0}, {"seed", 0},
      {"examples_trained", 5}};
  std::ofstream(dir / "manifest.json") << manifest.dump(2);
  {
    auto [loaded, info] = spiketorch::models::load_diehl_cook(dir);
    CHECK(info.params.n_neurons == 3);
    CHECK(info.params.n_input == 16);
    CHECK(info.params.exc.theta_plus_mv == diehl_cook_params{}.exc.theta_plus_mv);
    CHECK(info.examples_trained == 5);
  }

  // A bad field in a version-2 checkpoint names the checkpoint and the field.
  manifest["format_version"] = 2;
  manifest["parameters"] = {{"model", "diehl_cook_2015"}, {"params", {{"n_neurons", "3"}}}};
  std::ofstream(dir / "manifest.json") << manifest.dump(2);
  REQUIRE_THROWS_AS(spiketorch::models::load_diehl_cook(dir), spiketorch::io_error);
  REQUIRE_THROWS_WITH(spiketorch::models::load_diehl_cook(dir),
                      Contains(dir.string()) && Contains("'params'") && Contains("'n_neurons'"));
  fs::remove_all(dir);
}
