// The Python binding of one static network type, for the modules that spiketorch.Network
// generates and compiles (python/spiketorch/_codegen.py). A generated module includes the network
// header and the headers of its policies, lists the fields of each policy's params struct
// (`param_fields<T>`) and enumerators' names (`enum_names<E>`), then calls
// `bind_network<net_t>(m)`.
//
// Layers and projections are addressed by their declaration index, which the Python side
// resolves from names (with its own checks and messages); here an index selects the layer's
// static type once per call (`dispatch`), so the per-step loop is the library's own.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "spiketorch/core/errors.hpp"
#include "spiketorch/core/member_count.hpp"
#include "spiketorch/network/network.hpp"

namespace spiketorch::python_jit {

namespace py = pybind11;

/// Field list of a params struct: `visit(p, f)` calls f(name, member) for every member. Defined
/// by the generated module for each params type it uses; a type without one fails to compile.
template <class T>
struct param_fields;

/// Enumerator names in declaration order: `static constexpr std::array<std::string_view, N>
/// names`. Defined by the generated module.
template <class E>
struct enum_names;

// The generated module checks that its field list names every member.
using spiketorch::detail::member_count;
template <class T>
constexpr std::size_t listed_count() {
  std::size_t n = 0;
  T p{};
  param_fields<T>::visit(p, [&](const char*, auto&) { ++n; });
  return n;
}
template <class T>
constexpr bool all_listed = member_count<T>() == listed_count<T>();

// ---- params <-> dict ---------------------------------------------------------------------------

template <class T>
std::string field_list() {
  std::string out;
  T p{};
  param_fields<T>::visit(p, [&](const char* name, auto&) {
    out += out.empty() ? "" : ", ";
    out += name;
  });
  return out.empty() ? "(none)" : out;
}

template <class M>
void read_value(M& member, py::handle value, const std::string& what) {
  if constexpr (std::is_enum_v<M>) {
    const auto& names = enum_names<M>::names;
    const std::string s = py::isinstance<py::str>(value) ? value.cast<std::string>() : "";
    for (std::size_t i = 0; i < names.size(); ++i)
      if (s == names[i]) {
        member = static_cast<M>(i);
        return;
      }
    std::string listed;
    for (auto n : names) listed += detail::concat(listed.empty() ? "" : ", ", n);
    throw invalid_argument(detail::concat(what, " must be one of ", listed, ", got ",
                                          py::repr(value).cast<std::string>()));
  } else if constexpr (std::is_same_v<M, bool>) {
    if (!py::isinstance<py::bool_>(value))
      throw invalid_argument(detail::concat(what, " must be True or False, got ",
                                            py::repr(value).cast<std::string>()));
    member = value.cast<bool>();
  } else if constexpr (std::is_integral_v<M>) {
    // Counts (a connector's in-degree or total): whole and within the member's range; network.py
    // checks the same before the call.
    if (!py::isinstance<py::int_>(value) || py::isinstance<py::bool_>(value))
      throw invalid_argument(detail::concat(what, " must be a whole number, got ",
                                            py::repr(value).cast<std::string>()));
    try {
      member = value.cast<M>();
    } catch (const py::cast_error&) {
      throw invalid_argument(detail::concat(what, " must be in 0..",
                                            std::numeric_limits<M>::max(), ", got ",
                                            py::repr(value).cast<std::string>()));
    }
  } else {
    static_assert(std::is_floating_point_v<M>, "a params member of an unsupported type");
    const double x = value.cast<double>();
    require(std::isfinite(x), what, " must be finite, got ", x);
    member = static_cast<M>(x);
  }
}

/// Sets the fields named in `d` (others keep their values); unknown names are errors.
template <class T>
void update(T& p, const py::dict& d, std::string_view what) {
  for (auto item : d) {
    const std::string key = item.first.cast<std::string>();
    bool known = false;
    param_fields<T>::visit(p, [&](const char* name, auto& member) {
      if (key != name) return;
      known = true;
      read_value(member, item.second, detail::concat(what, ".", key));
    });
    require(known, what, " has no parameter '", key, "' (its parameters: ", field_list<T>(), ")");
  }
}

template <class T>
py::dict to_dict(const T& p) {
  py::dict d;
  param_fields<T>::visit(const_cast<T&>(p), [&](const char* name, auto& member) {
    using M = std::remove_cvref_t<decltype(member)>;
    if constexpr (std::is_enum_v<M>)
      d[name] = std::string(enum_names<M>::names[static_cast<std::size_t>(member)]);
    else
      d[name] = member;
  });
  return d;
}

// ---- the network -------------------------------------------------------------------------------

template <class Net>
struct net_traits;
template <class... L, class... P, class B>
struct net_traits<network<layers<L...>, projections<P...>, B>> {
  using layer_tuple = std::tuple<L...>;
  using projection_tuple = std::tuple<P...>;
};

template <class L, bool = L::is_input>
struct encoder_slot {
  struct params {};
};
template <class L>
struct encoder_slot<L, true> {
  using params = typename L::encoder_type::params;
};

template <class Net>
struct encoder_params_of;
template <class... L, class... P, class B>
struct encoder_params_of<network<layers<L...>, projections<P...>, B>> {
  using type = std::tuple<typename encoder_slot<L>::params...>;
};

/// The network and what it does not keep itself: the encoders' parameters (readable back) and
/// whether a run is in progress.
template <class Net>
struct bound_network {
  Net net;
  typename encoder_params_of<Net>::type encoder_params{};
  // run releases the GIL: without this, another Python thread could change or read the network
  // while it runs (replacing a recorder under the running step crashes the interpreter).
  std::atomic<bool> running{false};

  bound_network(double dt_ms, std::uint64_t seed, std::array<std::size_t, Net::n_layers> sizes)
      : net(network_config{dt_ms, seed}, sizes) {}
};

/// Refuses any call on a network that another thread is running.
template <class B>
void require_idle(const B& b, const char* what) {
  if (b.running.load())
    throw std::runtime_error(std::string("Network.") + what +
                             ": the network is running in another thread (one call at a time)");
}

/// Calls f(std::integral_constant<std::size_t, I>{}) for I == i.
template <std::size_t N, class F>
py::object dispatch(std::size_t i, const char* what, F&& f) {
  require(i < N, what, " index ", i, " out of range (", N, ")");
  py::object out = py::none();
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((i == I ? (void)(out = f(std::integral_constant<std::size_t, I>{})) : void()), ...);
  }
  (std::make_index_sequence<N>{});
  return out;
}

/// A read-write view of `n` values (or [rows, cols]) owned by the network object `owner`.
template <class T>
py::array view_of(T* data, std::vector<py::ssize_t> shape, py::handle owner) {
  return py::array_t<T>(std::move(shape), data, owner);  // C-contiguous strides
}

template <class Net>
void bind_network(py::module_& m) {
  using bound = bound_network<Net>;
  using layer_tuple = typename net_traits<Net>::layer_tuple;
  using projection_tuple = typename net_traits<Net>::projection_tuple;
  using farray = py::array_t<float, py::array::c_style | py::array::forcecast>;

  py::register_local_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const spiketorch::invalid_argument& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const spiketorch::error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });

  auto with_layer = [](std::size_t i, auto&& f) { return dispatch<Net::n_layers>(i, "layer", f); };
  auto with_projection = [](std::size_t j, auto&& f) {
    return dispatch<Net::n_projections>(j, "projection", f);
  };

  py::class_<bound>(m, "CompiledNetwork", py::module_local())
      .def(py::init([](double dt_ms, std::uint64_t seed, std::vector<std::size_t> sizes) {
             require(sizes.size() == Net::n_layers, "expected ", Net::n_layers,
                     " layer sizes, got ", sizes.size());
             std::array<std::size_t, Net::n_layers> s{};
             std::copy(sizes.begin(), sizes.end(), s.begin());
             return new bound(dt_ms, seed, s);
           }),
           py::arg("dt_ms"), py::arg("seed"), py::arg("sizes"))
      .def_property_readonly("dt_ms", [](const bound& b) { return b.net.dt_ms(); })
      .def_property_readonly("seed", [](const bound& b) { return b.net.seed(); })
      .def_property_readonly("steps_done", [](const bound& b) { return b.net.steps_done(); })
      .def_property(
          "presentation_index", [](const bound& b) { return b.net.presentation_index(); },
          [](bound& b, std::uint64_t i) {
            require_idle(b, "presentation_index");
            b.net.set_presentation_index(i);
          })
      .def_property(
          "learning", [](const bound& b) { return b.net.learning(); },
          [](bound& b, bool on) {
            require_idle(b, "learning");
            b.net.set_learning(on);
          })

      // ---- parameters
      .def("set_params",
           [=](bound& b, std::size_t i, py::dict neuron, py::dict synapse) {
             require_idle(b, "set_params");
             with_layer(i, [&](auto I) {
               using L = std::tuple_element_t<I, layer_tuple>;
               if constexpr (L::is_input) {
                 throw invalid_argument("set_params: an input layer has no neuron parameters");
               } else {
                 auto& pop = b.net.template layer<L::name>();
                 auto np = pop.neuron_params;
                 auto sp = pop.synapse_params;
                 update(np, neuron, detail::concat(L::name.view(), " neuron"));
                 update(sp, synapse, detail::concat(L::name.view(), " synapse"));
                 b.net.template set_params<L::name>(np, sp);
               }
               return py::none();
             });
           })
      .def("params",
           [=](bound& b, std::size_t i) {
             require_idle(b, "params");
             return with_layer(i, [&](auto I) -> py::object {
               using L = std::tuple_element_t<I, layer_tuple>;
               if constexpr (L::is_input) {
                 return to_dict(std::get<I>(b.encoder_params));
               } else {
                 auto& pop = b.net.template layer<L::name>();
                 return py::make_tuple(to_dict(pop.neuron_params), to_dict(pop.synapse_params));
               }
             });
           })
      .def("set_encoder_params",
           [=](bound& b, std::size_t i, py::dict values) {
             require_idle(b, "set_encoder_params");
             with_layer(i, [&](auto I) {
               using L = std::tuple_element_t<I, layer_tuple>;
               if constexpr (!L::is_input) {
                 throw invalid_argument("set_encoder_params: not an input layer");
               } else {
                 auto p = std::get<I>(b.encoder_params);
                 update(p, values, detail::concat(L::name.view(), " encoder"));
                 b.net.template set_encoder_params<L::name>(p);
                 std::get<I>(b.encoder_params) = p;
               }
               return py::none();
             });
           })
      .def("connect",
           [=](bound& b, std::size_t j, py::dict topology, double low, double high, py::dict rule,
               py::dict delays) {
             require_idle(b, "connect");
             with_projection(j, [&](auto J) {
               using P = std::tuple_element_t<J, projection_tuple>;
               const auto what = detail::concat(P::pre.view(), " -> ", P::post.view());
               connection_options<P> o{};
               update(o.topology, topology, what + " topology");
               o.weights = {low, high};
               update(o.rule, rule, what + " rule");
               update(o.delays, delays, what + " delays");
               b.net.template connect<P::pre, P::post>(o);
               return py::none();
             });
           })
      .def("connected",
           [=](bound& b, std::size_t j) {
             require_idle(b, "connected");
             return with_projection(
                 j, [&](auto J) { return py::bool_(b.net.template projection_at<J>().connected); });
           })

      // ---- running
      .def("set_input",
           [=](bound& b, std::size_t i, farray values) {
             require_idle(b, "set_input");
             with_layer(i, [&](auto I) {
               using L = std::tuple_element_t<I, layer_tuple>;
               if constexpr (!L::is_input)
                 throw invalid_argument("set_input: not an input layer");
               else
                 b.net.template set_input<L::name>(std::span<const float>(
                     values.data(), static_cast<std::size_t>(values.size())));
               return py::none();
             });
           })
      .def(
          "run",
          [](bound& b, double duration_ms) {
            require_idle(b, "run");
            b.running = true;
            struct finished {
              std::atomic<bool>& running;
              ~finished() { running = false; }
            } guard{b.running};
            py::gil_scoped_release release;
            b.net.run(duration_ms);
          },
          py::arg("duration_ms"))
      .def("reset_counts",
           [](bound& b) {
             require_idle(b, "reset_counts");
             b.net.reset_counts();
           })
      .def("reset_state",
           [](bound& b, std::vector<std::string> keep) {
             require_idle(b, "reset_state");
             std::vector<std::string_view> names(keep.begin(), keep.end());
             b.net.reset_state(names);
           })

      // ---- reading
      .def("spike_counts",
           [=](bound& b, std::size_t i) {
             require_idle(b, "spike_counts");
             return with_layer(i, [&](auto I) -> py::object {
               const auto c =
                   b.net.template spike_counts<std::tuple_element_t<I, layer_tuple>::name>();
               py::array_t<std::uint32_t> out(static_cast<py::ssize_t>(c.size()));
               std::copy(c.begin(), c.end(), out.mutable_data());
               return out;
             });
           })
      .def("total_spikes",
           [=](bound& b, std::size_t i) {
             require_idle(b, "total_spikes");
             return with_layer(i, [&](auto I) -> py::object {
               return py::int_(
                   b.net.template total_spikes<std::tuple_element_t<I, layer_tuple>::name>());
             });
           })
      .def("last_spikes",
           [=](bound& b, std::size_t i) {
             require_idle(b, "last_spikes");
             return with_layer(i, [&](auto I) -> py::object {
               const auto s =
                   b.net.template last_spikes<std::tuple_element_t<I, layer_tuple>::name>();
               py::array_t<std::uint32_t> out(static_cast<py::ssize_t>(s.size()));
               std::copy(s.begin(), s.end(), out.mutable_data());
               return out;
             });
           })
      .def("state",
           [=](py::object self, std::size_t i, std::string field) {
             auto& b = self.cast<bound&>();
             require_idle(b, "state");
             return with_layer(i, [&](auto I) -> py::object {
               using L = std::tuple_element_t<I, layer_tuple>;
               if constexpr (L::is_input) {
                 throw invalid_argument("state: an input layer has no state variables");
               } else {
                 auto s = b.net.template state<L::name>(field);
                 return view_of<real>(s.data(), {static_cast<py::ssize_t>(s.size())}, self);
               }
             });
           })
      .def("state_fields",
           [=](bound& b, std::size_t i) {
             require_idle(b, "state_fields");
             return with_layer(i, [&](auto I) -> py::object {
               using L = std::tuple_element_t<I, layer_tuple>;
               py::list out;
               if constexpr (!L::is_input) {
                 for (auto n : L::neuron_type::field_names) out.append(std::string(n));
                 for (auto n : L::synapse_type::field_names) out.append(std::string(n));
               }
               return out;
             });
           })
      .def("weights",
           [=](py::object self, std::size_t j) {
             auto& b = self.cast<bound&>();
             require_idle(b, "weights");
             return with_projection(j, [&](auto J) -> py::object {
               auto& proj = b.net.template projection_at<J>();
               require(proj.connected, "weights: connect the projection first");
               auto w = proj.topo.weights();
               using topo_t = typename std::tuple_element_t<J, projection_tuple>::topology_type;
               if constexpr (topo_t::contiguous_rows)
                 return view_of<real>(w.data(),
                                      {static_cast<py::ssize_t>(proj.topo.n_pre()),
                                       static_cast<py::ssize_t>(proj.topo.n_post())},
                                      self);
               else
                 return view_of<real>(w.data(), {static_cast<py::ssize_t>(w.size())}, self);
             });
           })
      .def("synapses",
           [=](bound& b, std::size_t j) {
             require_idle(b, "synapses");
             return with_projection(j, [&](auto J) -> py::object {
               auto& proj = b.net.template projection_at<J>();
               require(proj.connected, "synapses: connect the projection first");
               const auto n = static_cast<py::ssize_t>(proj.topo.n_synapses());
               py::array_t<std::uint32_t> pre(n), post(n);
               auto* pp = pre.mutable_data();
               auto* qq = post.mutable_data();
               proj.topo.for_each_synapse([&](index_t i, index_t jj, std::size_t k) {
                 pp[k] = static_cast<std::uint32_t>(i);
                 qq[k] = static_cast<std::uint32_t>(jj);
               });
               return py::make_tuple(pre, post);
             });
           })
      .def("set_weights",
           [=](bound& b, std::size_t j, farray values) {
             require_idle(b, "set_weights");
             with_projection(j, [&](auto J) {
               using P = std::tuple_element_t<J, projection_tuple>;
               b.net.template set_weights<P::pre, P::post>(
                   std::span<const real>(values.data(), static_cast<std::size_t>(values.size())));
               return py::none();
             });
           })
      .def("delays",
           [=](bound& b, std::size_t j) {
             require_idle(b, "delays");
             return with_projection(j, [&](auto J) -> py::object {
               const auto& d = b.net.template projection_at<J>().delay_steps;
               py::array_t<std::uint8_t> out(static_cast<py::ssize_t>(d.size()));
               std::copy(d.begin(), d.end(), out.mutable_data());
               return out;
             });
           })
      .def("normalize",
           [=](bound& b, std::size_t j, double target_sum) {
             require_idle(b, "normalize");
             with_projection(j, [&](auto J) {
               using P = std::tuple_element_t<J, projection_tuple>;
               require(b.net.template projection_at<J>().connected,
                       "normalize: connect the projection first");
               b.net.template normalize<P::pre, P::post>(target_sum);
               return py::none();
             });
           })

      // ---- recorders
      .def("record_spikes",
           [=](bound& b, std::size_t i, std::size_t window_steps) {
             require_idle(b, "record_spikes");
             with_layer(i, [&](auto I) {
               b.net.template record_spikes<std::tuple_element_t<I, layer_tuple>::name>(
                   window_steps);
               return py::none();
             });
           })
      .def(
          "spike_raster",
          [=](bound& b, std::size_t i) {
            require_idle(b, "spike_raster");
            return with_layer(i, [&](auto I) -> py::object {
              const auto& ring = b.net.template layer_at<I>().spikes.recorder.frames();
              py::array_t<std::uint8_t> out(std::vector<py::ssize_t>{
                  static_cast<py::ssize_t>(ring.frames()), static_cast<py::ssize_t>(ring.width())});
              ring.copy_frames(out.mutable_data());
              return out;
            });
          })
      .def("record_state",
           [=](bound& b, std::size_t i, std::string field, std::vector<index_t> neurons,
               std::size_t interval, std::size_t window) {
             require_idle(b, "record_state");
             with_layer(i, [&](auto I) {
               using L = std::tuple_element_t<I, layer_tuple>;
               if constexpr (L::is_input)
                 throw invalid_argument("record_state: an input layer has no state variables");
               else
                 b.net.template record_state<L::name>(field, std::move(neurons), interval, window);
               return py::none();
             });
           })
      .def("state_trace",
           [=](bound& b, std::size_t i) {
             require_idle(b, "state_trace");
             return with_layer(i, [&](auto I) -> py::object {
               using L = std::tuple_element_t<I, layer_tuple>;
               if constexpr (L::is_input) {
                 throw invalid_argument("state_trace: an input layer has no state variables");
               } else {
                 const auto& ring = b.net.template layer_at<I>().state_rec.frames();
                 py::array_t<real> out(
                     std::vector<py::ssize_t>{static_cast<py::ssize_t>(ring.frames()),
                                              static_cast<py::ssize_t>(ring.width())});
                 ring.copy_frames(out.mutable_data());
                 return out;
               }
             });
           })
      .def("clear_recordings", [=](bound& b, std::size_t i) {
        require_idle(b, "clear_recordings");
        with_layer(i, [&](auto I) {
          b.net.template clear_recordings<std::tuple_element_t<I, layer_tuple>::name>();
          return py::none();
        });
      });
}

}  // namespace spiketorch::python_jit
