// libFuzzer target: the Diehl & Cook parameter set read from JSON
// (models/diehl_cook_params_json.hpp, from_json with validation), through both JSON types that have
// a from_json. A refusal is a spiketorch::error; anything else fails the run. Accepted parameters
// must survive a round trip through their written form unchanged.
#include <spiketorch/models/diehl_cook_params_json.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>

#include "fuzz_input_file.hpp"

namespace {

template <class Json>
void read_params(const std::uint8_t* data, std::size_t size) {
  const Json j = Json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return;
  try {
    const auto p = j.template get<spiketorch::models::diehl_cook_params>();
    const Json written = p;
    const auto again =
        Json::parse(written.dump()).template get<spiketorch::models::diehl_cook_params>();
    spiketorch::fuzz::check(Json(again) == written,
                            "accepted parameters changed in a write/read round trip");
  } catch (const spiketorch::error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  read_params<nlohmann::json>(data, size);
  read_params<nlohmann::ordered_json>(data, size);
  return 0;
}
