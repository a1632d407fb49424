// nlohmann-json serialisation (to_json/from_json, found by ADL) of models::diehl_cook_params: the
// one description of the parameters, written into checkpoints (models/diehl_cook_checkpoint.hpp)
// and into the MNIST program's --json report, so the two cannot drift apart.
//
// Every field is written, nested parameter sets as objects and enums by name. Reading is strict
// about what is there (an unknown name, a wrong type or a value out of range is an error naming
// the field, e.g. "exc.tau_theta_ms") and lenient about what is not: absent fields keep their
// defaults, so files written before a field existed (or by other tools) still read.
#pragma once

#include "spiketorch/config.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "spiketorch/core/errors.hpp"
#include "spiketorch/core/member_count.hpp"
#include "spiketorch/models/diehl_cook_2015.hpp"

namespace spiketorch::models {

namespace detail::params_json {

// The field lists. Each names every member once; writing and reading both walk these lists.

/// The membrane fields that lif and adaptive_lif share (their params are separate structs).
template <class P, class F>
constexpr void membrane_fields(P& p, F&& f) {
  f("tau_m_ms", p.tau_m_ms);
  f("v_rest_mv", p.v_rest_mv);
  f("v_reset_mv", p.v_reset_mv);
  f("v_thresh_mv", p.v_thresh_mv);
  f("refractory_ms", p.refractory_ms);
  f("v_init_mv", p.v_init_mv);
}

template <class P, class F>
requires std::same_as<std::remove_const_t<P>, neurons::adaptive_lif::params>
constexpr void fields(P& p, F&& f) {
  membrane_fields(p, f);
  f("theta_plus_mv", p.theta_plus_mv);
  f("tau_theta_ms", p.tau_theta_ms);
  f("theta_offset_mv", p.theta_offset_mv);
  f("theta_init_mv", p.theta_init_mv);
}

template <class P, class F>
requires std::same_as<std::remove_const_t<P>, neurons::lif::params>
constexpr void fields(P& p, F&& f) {
  membrane_fields(p, f);
  f("refractory", p.refractory);
}

template <class P, class F>
requires std::same_as<std::remove_const_t<P>, synapses::exp_conductance::params>
constexpr void fields(P& p, F&& f) {
  f("tau_exc_ms", p.tau_exc_ms);
  f("tau_inh_ms", p.tau_inh_ms);
  f("e_exc_mv", p.e_exc_mv);
  f("e_inh_mv", p.e_inh_mv);
  f("scheme", p.scheme);
}

template <class P, class F>
requires std::same_as<std::remove_const_t<P>, learning::stdp_triplet::params>
constexpr void fields(P& p, F&& f) {
  f("nu_pre", p.nu_pre);
  f("nu_post", p.nu_post);
  f("tau_pre_ms", p.tau_pre_ms);
  f("tau_post1_ms", p.tau_post1_ms);
  f("tau_post2_ms", p.tau_post2_ms);
  f("w_min", p.w_min);
  f("w_max", p.w_max);
}

template <class P, class F>
requires std::same_as<std::remove_const_t<P>, encoding::poisson::params>
constexpr void fields(P& p, F&& f) { f("sampler", p.sampler); }

template <class P, class F>
requires std::same_as<std::remove_const_t<P>, diehl_cook_improvements>
constexpr void fields(P& p, F&& f) {
  f("inhibition_start", p.inhibition_start);
  f("inhibition_ramp_examples", p.inhibition_ramp_examples);
  f("homeostasis_mv", p.homeostasis_mv);
  f("theta_floor_mv", p.theta_floor_mv);
  f("recruit_window", p.recruit_window);
  f("eval_repeats", p.eval_repeats);
}

template <class P, class F>
requires std::same_as<std::remove_const_t<P>, diehl_cook_params>
constexpr void fields(P& p, F&& f) {
  f("n_input", p.n_input);
  f("n_neurons", p.n_neurons);
  f("dt_ms", p.dt_ms);
  f("time_ms", p.time_ms);
  f("rest_ms", p.rest_ms);
  f("intensity", p.intensity);
  f("intensity_step", p.intensity_step);
  f("min_spikes", p.min_spikes);
  f("max_presentations", p.max_presentations);
  f("norm", p.norm);
  f("w_init_low", p.w_init_low);
  f("w_init_high", p.w_init_high);
  f("delay_min_ms", p.delay_min_ms);
  f("delay_max_ms", p.delay_max_ms);
  f("w_exc_inh", p.w_exc_inh);
  f("w_inh_exc", p.w_inh_exc);
  f("exc", p.exc);
  f("inh", p.inh);
  f("exc_synapses", p.exc_synapses);
  f("inh_synapses", p.inh_synapses);
  f("stdp", p.stdp);
  f("encoder", p.encoder);
  f("seed", p.seed);
  f("improvements", p.improvements);
}

// Enum values by name, in the order of the enumerators.
inline constexpr std::array<std::string_view, 2> names(synapses::decay_scheme) {
  return {"exact", "forward_euler"};
}
inline constexpr std::array<std::string_view, 2> names(neurons::refractory_rule) {
  return {"clamp_steps_after_spike", "since_spike"};
}
inline constexpr std::array<std::string_view, 2> names(encoding::poisson::method) {
  return {"geometric_skip", "per_step_bernoulli"};
}

// A field added to a parameter struct but not to its list above fails to compile here instead of
// silently going missing from checkpoints.
using spiketorch::detail::member_count;
template <class T>
constexpr std::size_t listed_count() {
  std::size_t n = 0;
  T p{};
  fields(p, [&](const char*, auto&) { ++n; });
  return n;
}
template <class T>
constexpr bool all_listed = member_count<T>() == listed_count<T>();

static_assert(all_listed<neurons::adaptive_lif::params> && all_listed<neurons::lif::params> &&
                  all_listed<synapses::exp_conductance::params> &&
                  all_listed<learning::stdp_triplet::params> &&
                  all_listed<encoding::poisson::params> && all_listed<diehl_cook_params> &&
                  all_listed<diehl_cook_improvements>,
              "a parameter struct has a field that diehl_cook_params_json.hpp does not list: add "
              "it to the matching fields() so that checkpoints and reports record it");

// A named functor rather than a lambda: nvcc does not accept lambdas in a requires-expression.
struct ignore_field {
  template <class M>
  constexpr void operator()(const char*, M&) const {}
};

template <class T>
concept has_fields = requires(T& p) {
  fields(p, ignore_field{});
};

template <class T>
concept named_enum = std::is_enum_v<T> && requires(T e) {
  names(e);
};

template <class Json, class T>
void write(Json& j, const T& value) {
  if constexpr (has_fields<T>) {
    j = Json::object();
    fields(value, [&](const char* name, const auto& member) { write(j[name], member); });
  } else if constexpr (named_enum<T>) {
    j = std::string(names(value).at(static_cast<std::size_t>(value)));
  } else {
    // Anything else would reach to_json again (a struct without a field list): endless recursion.
    static_assert(std::is_arithmetic_v<T>, "a parameter type without fields() or names()");
    j = value;
  }
}

template <class Json>
[[noreturn]] void fail(const std::string& path, const Json& j, std::string_view wanted) {
  throw invalid_argument(spiketorch::detail::concat("diehl_cook_params: '", path, "' must be ",
                                                    wanted, ", got ", j.dump()));
}

template <class Json, class T>
void read(const Json& j, T& value, const std::string& path) {
  if constexpr (has_fields<T>) {
    if (!j.is_object()) fail(path.empty() ? "(top level)" : path, j, "an object");
    const std::string prefix = path.empty() ? "" : path + ".";
    // Not a structured binding: clang before 16 cannot capture one in the lambda below.
    for (const auto& item : j.items()) {
      const auto& key = item.key();
      bool known = false;
      fields(value, [&](const char* name, auto&) { known = known || key == name; });
      if (!known)
        throw invalid_argument(
            spiketorch::detail::concat("diehl_cook_params: unknown parameter '", prefix, key, "'"));
    }
    fields(value, [&](const char* name, auto& member) {
      if (const auto it = j.find(name); it != j.end()) read(*it, member, prefix + name);
    });
  } else if constexpr (named_enum<T>) {
    std::string listed;
    for (std::string_view n : names(value))
      listed += spiketorch::detail::concat(listed.empty() ? "" : " or ", "\"", n, "\"");
    if (j.is_string()) {
      const auto all = names(value);
      for (std::size_t i = 0; i < all.size(); ++i)
        if (j.template get_ref<const typename Json::string_t&>() == all[i]) {
          value = static_cast<T>(i);
          return;
        }
    }
    fail(path, j, listed);
  } else if constexpr (std::same_as<T, bool>) {
    if (!j.is_boolean()) fail(path, j, "true or false");
    value = j.template get<bool>();
  } else if constexpr (std::integral<T>) {
    const bool fits = j.is_number_unsigned() ? std::in_range<T>(j.template get<std::uint64_t>())
                                             : j.is_number_integer() &&
                                                   std::in_range<T>(j.template get<std::int64_t>());
    if (!fits)
      fail(path, j,
           spiketorch::detail::concat("an integer in ", std::numeric_limits<T>::min(), "..",
                                      std::numeric_limits<T>::max()));
    value = j.template get<T>();
  } else {
    static_assert(std::floating_point<T>);
    if (!j.is_number() || !std::isfinite(j.template get<double>()))
      fail(path, j, "a finite number");
    value = j.template get<T>();
  }
}

}  // namespace detail::params_json

inline void to_json(nlohmann::json& j, const diehl_cook_params& p) {
  detail::params_json::write(j, p);
}
inline void to_json(nlohmann::ordered_json& j, const diehl_cook_params& p) {
  detail::params_json::write(j, p);
}

/// Starts from the defaults and overrides the fields present; validates the result.
inline void from_json(const nlohmann::json& j, diehl_cook_params& p) {
  diehl_cook_params read{};
  detail::params_json::read(j, read, "");
  read.validate();
  p = read;
}
inline void from_json(const nlohmann::ordered_json& j, diehl_cook_params& p) {
  diehl_cook_params read{};
  detail::params_json::read(j, read, "");
  read.validate();
  p = read;
}

}  // namespace spiketorch::models
