// The Diehl & Cook (2015) model (models/diehl_cook_2015.hpp) as the extension class
// _spiketorch.DiehlCook2015Core, which spiketorch.DiehlCook2015 (models.py) wraps: the Python side
// turns whatever the user passes into C-contiguous uint8 / uint32 arrays of checked shapes; this
// side runs the library's own functions on them, so that results are the C++ program's bit for
// bit.
//
// Long calls (train, respond) release the GIL and stop cleanly on Ctrl-C: the signal is only
// delivered to Python on the main thread, which looks for it (PyErr_CheckSignals, with the GIL
// taken back) every ~0.1 s; training then ends after its current example and respond_all's chunks
// after theirs, and KeyboardInterrupt is raised with the model as the completed examples left it.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl/filesystem.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <nlohmann/json.hpp>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <xtensor/xadapt.hpp>

#include "bindings.hpp"
#include "spiketorch/evaluation/labels.hpp"
#include "spiketorch/io/progress_bar.hpp"
#include "spiketorch/models/diehl_cook_2015.hpp"
#include "spiketorch/models/diehl_cook_checkpoint.hpp"
#include "spiketorch/models/diehl_cook_params_json.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace spiketorch_python {

namespace {

namespace st = spiketorch;
using model_t = st::models::diehl_cook_2015<>;
using params_t = st::models::diehl_cook_params;
using clock_type = std::chrono::steady_clock;
using u8_array = py::array_t<std::uint8_t, py::array::c_style>;
using u32_array = py::array_t<std::uint32_t, py::array::c_style>;

/// How often a long call looks for Ctrl-C.
constexpr auto signal_check_interval = std::chrono::milliseconds(100);

// ---- parameters: Python values -> JSON, the one serialiser's input ---------------------------

std::string type_name(py::handle v) { return py::str(py::type::of(v).attr("__name__")); }

/// A keyword argument (or a value inside a nested dict) as JSON for from_json, which names the
/// field in its errors. JSON has no NaN or infinity, so those are refused here, by field name.
nlohmann::json json_of(py::handle v, const std::string& path) {
  if (py::isinstance<py::bool_>(v)) return v.cast<bool>();
  if (py::isinstance<py::str>(v)) return v.cast<std::string>();
  if (py::isinstance<py::dict>(v)) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [key, value] : v.cast<py::dict>()) {
      if (!py::isinstance<py::str>(key))
        throw py::type_error("diehl_cook_params: '" + path + "' has the key " +
                             std::string(py::repr(key)) + ", expected parameter names (str)");
      const auto name = key.cast<std::string>();
      j[name] = json_of(value, path.empty() ? name : path + "." + name);
    }
    return j;
  }
  // A 0-d array is its element: numpy's __index__, tried below, refuses a float one.
  if (py::isinstance<py::array>(v) && v.attr("ndim").cast<int>() == 0)
    return json_of(v.attr("item")(), path);
  // Integers first (numpy integers too, through __index__).
  if (PyIndex_Check(v.ptr())) {
    const auto i = py::reinterpret_steal<py::int_>(PyNumber_Index(v.ptr()));
    if (!i) throw py::error_already_set();
    int overflow = 0;
    const long long s = PyLong_AsLongLongAndOverflow(i.ptr(), &overflow);
    if (overflow == 0) return s;
    if (overflow > 0) {
      const unsigned long long u = PyLong_AsUnsignedLongLong(i.ptr());
      if (!PyErr_Occurred()) return u;
      PyErr_Clear();
    }
    throw py::value_error("diehl_cook_params: '" + path + "' = " + std::string(py::repr(v)) +
                          " is out of range");
  }
  if (PyFloat_Check(v.ptr()) || py::hasattr(v, "__float__")) {
    const double d = PyFloat_AsDouble(v.ptr());
    if (d == -1.0 && PyErr_Occurred()) throw py::error_already_set();
    if (!std::isfinite(d))
      throw py::value_error("diehl_cook_params: '" + path + "' must be a finite number, got " +
                            std::string(py::repr(v)));
    return d;
  }
  throw py::type_error("diehl_cook_params: '" + path +
                       "' must be a number, a string or a dict, got " + type_name(v));
}

params_t params_of(const py::dict& given) {
  // from_json throws spiketorch::invalid_argument (-> ValueError) naming the field.
  return json_of(given, "").get<params_t>();
}

py::object python_of(const nlohmann::ordered_json& j) {
  return py::module_::import("json").attr("loads")(j.dump());
}

// ---- the model -------------------------------------------------------------------------------

/// One network with what the Python class adds to it: the label assignment and the number of
/// examples trained, as a checkpoint holds them.
struct diehl_cook {
  explicit diehl_cook(const params_t& p) : model(p) {
    assignment.labels.assign(p.n_neurons, -1);
    assignment.proportions = xt::zeros<double>({p.n_neurons, assignment.n_classes});
  }
  diehl_cook(model_t&& m, st::models::loaded_diehl_cook&& info)
      : model(std::move(m)),
        assignment(std::move(info.assignment)),
        labelled(true),
        examples_trained(static_cast<std::uint64_t>(info.examples_trained)) {}

  const params_t& params() const { return model.params(); }

  model_t model;
  st::evaluation::label_assignment assignment;
  bool labelled = false;  // assign_labels was called or the model was loaded
  std::uint64_t examples_trained = 0;
  std::atomic<bool> busy{false};
};

/// One call at a time per model: the GIL is released while it runs, so a second Python thread
/// could otherwise train the same network concurrently.
class exclusive {
 public:
  exclusive(diehl_cook& m, const char* what) : m_(m) {
    if (m_.busy.exchange(true))
      throw std::runtime_error(std::string("DiehlCook2015.") + what +
                               ": the model is busy with another call (from another thread)");
  }
  ~exclusive() { m_.busy = false; }
  exclusive(const exclusive&) = delete;
  exclusive& operator=(const exclusive&) = delete;

 private:
  diehl_cook& m_;
};

/// Whether Ctrl-C (or another signal handler's exception) is pending; takes the GIL to ask.
bool interrupted_now() {
  py::gil_scoped_acquire gil;
  return PyErr_CheckSignals() != 0;
}

std::size_t example_count(const py::array& images, std::size_t pixels, const char* who) {
  if (images.ndim() != 2 || static_cast<std::size_t>(images.shape(1)) != pixels)
    throw py::value_error(std::string("DiehlCook2015.") + who + ": images must be [n, " +
                          std::to_string(pixels) + "]");
  return static_cast<std::size_t>(images.shape(0));
}

u32_array train(diehl_cook& m, const u8_array& images, bool progress) {
  exclusive lock(m, "train");
  const std::size_t pixels = m.params().n_input, n_neurons = m.params().n_neurons;
  const std::size_t n = example_count(images, pixels, "train");
  u32_array counts({n, n_neurons});
  const std::uint8_t* src = images.data();
  std::uint32_t* dst = counts.mutable_data();
  bool interrupted = false;
  {
    py::gil_scoped_release release;
    st::progress_bar bar("training", n, !progress);
    auto next_check = clock_type::now() + signal_check_interval;
    for (std::size_t e = 0; e < n; ++e) {
      const auto r = m.model.train({src + e * pixels, pixels});
      std::copy(r.counts.begin(), r.counts.end(), dst + e * n_neurons);
      ++m.examples_trained;
      bar.update(e + 1);
      if (e + 1 < n && clock_type::now() >= next_check) {
        if (interrupted_now()) {
          interrupted = true;
          break;
        }
        next_check = clock_type::now() + signal_check_interval;
      }
    }
    if (!interrupted) bar.finish();
  }
  if (interrupted) throw py::error_already_set();
  return counts;
}

u32_array respond(diehl_cook& m, const u8_array& images, std::size_t threads, bool progress,
                  std::uint64_t first_id) {
  exclusive lock(m, "respond");
  const std::size_t pixels = m.params().n_input, n_neurons = m.params().n_neurons;
  const std::size_t n = example_count(images, pixels, "respond");
  // respond_all wants [count, rows, columns]; one row of all the pixels is the same images.
  const auto adapted = xt::adapt(images.data(), n * pixels, xt::no_ownership(),
                                 std::array<std::size_t, 3>{n, 1, pixels});
  xt::xtensor<std::uint32_t, 2> counts;
  std::exception_ptr error;
  bool interrupted = false;
  {
    py::gil_scoped_release release;
    st::progress_bar bar("responding", n, !progress);
    std::atomic<bool> stop{false};
    std::mutex mutex;
    std::condition_variable finished_cv;
    bool finished = false;
    // respond_all does its first chunk on the thread that calls it; this thread stays free to
    // look for Ctrl-C, which Python only delivers to the main thread.
    std::thread worker([&] {
      try {
        counts = st::models::respond_all(
            m.model, adapted, 0, n, threads, first_id,
            [&](std::uint64_t done) { bar.update(done); }, nullptr, nullptr, &stop);
      } catch (...) {
        error = std::current_exception();
      }
      std::lock_guard guard(mutex);
      finished = true;
      finished_cv.notify_one();
    });
    for (;;) {
      std::unique_lock wait(mutex);
      if (finished_cv.wait_for(wait, signal_check_interval, [&] { return finished; })) break;
      wait.unlock();
      if (!interrupted && interrupted_now()) {
        interrupted = true;
        stop = true;
      }
    }
    worker.join();
    if (!interrupted && !error) bar.finish();
  }
  if (interrupted) throw py::error_already_set();
  if (error) std::rethrow_exception(error);
  u32_array out({n, n_neurons});
  std::copy_n(counts.data(), counts.size(), out.mutable_data());
  return out;
}

py::array_t<std::int32_t> labels_array(const diehl_cook& m) {
  py::array_t<std::int32_t> out(m.assignment.labels.size());
  std::copy(m.assignment.labels.begin(), m.assignment.labels.end(), out.mutable_data());
  return out;
}

py::array_t<std::int32_t> assign_labels(diehl_cook& m, const u32_array& counts,
                                        const u8_array& labels) {
  // save reads the assignment without the GIL.
  exclusive lock(m, "assign_labels");
  const std::size_t n_neurons = m.params().n_neurons;
  if (counts.ndim() != 2 || static_cast<std::size_t>(counts.shape(1)) != n_neurons)
    throw py::value_error("DiehlCook2015.assign_labels: counts must be [n, " +
                          std::to_string(n_neurons) + "]");
  const std::size_t n = static_cast<std::size_t>(counts.shape(0));
  if (labels.ndim() != 1)
    throw py::value_error("DiehlCook2015.assign_labels: labels must be one-dimensional");
  const auto c = xt::adapt(counts.data(), n * n_neurons, xt::no_ownership(),
                           std::array<std::size_t, 2>{n, n_neurons});
  m.assignment = st::evaluation::assign_labels(
      c, std::span<const std::uint8_t>(labels.data(), static_cast<std::size_t>(labels.shape(0))));
  m.labelled = true;
  return labels_array(m);
}

py::array_t<std::int64_t> predict(const diehl_cook& m, const u32_array& counts,
                                  const std::string& method) {
  const bool all = method == "all";
  if (!all && method != "proportion")
    throw py::value_error(
        "DiehlCook2015.predict: method must be \"all\" or \"proportion\", got \"" + method + "\"");
  if (!m.labelled)
    throw py::value_error(
        "DiehlCook2015.predict: the neurons have no labels yet: call assign_labels(counts, "
        "labels) first (or load a checkpoint)");
  const std::size_t n_neurons = m.params().n_neurons;
  if (counts.ndim() != 2 || static_cast<std::size_t>(counts.shape(1)) != n_neurons)
    throw py::value_error("DiehlCook2015.predict: counts must be [n, " + std::to_string(n_neurons) +
                          "]");
  const std::size_t n = static_cast<std::size_t>(counts.shape(0));
  py::array_t<std::int64_t> out(n);
  std::int64_t* dst = out.mutable_data();
  for (std::size_t e = 0; e < n; ++e) {
    const std::span<const std::uint32_t> row(counts.data() + e * n_neurons, n_neurons);
    dst[e] = all ? st::evaluation::classify_all_activity(row, m.assignment)
                 : st::evaluation::classify_proportion(row, m.assignment);
  }
  return out;
}

void save(diehl_cook& m, const std::filesystem::path& directory) {
  exclusive lock(m, "save");
  py::gil_scoped_release release;
  st::models::save_diehl_cook(directory, m.model, m.assignment, m.examples_trained);
}

std::unique_ptr<diehl_cook> load(const std::filesystem::path& directory) {
  try {
    py::gil_scoped_release release;
    // Exact conductance decay whatever the checkpoint was trained with, as the C++ program's
    // --mode test evaluates every checkpoint (examples/mnist/program.hpp).
    auto [model, info] = st::models::load_diehl_cook(directory, [](params_t& p) {
      p.exc_synapses.scheme = p.inh_synapses.scheme = st::synapses::decay_scheme::exact;
    });
    return std::make_unique<diehl_cook>(std::move(model), std::move(info));
  } catch (const st::invalid_argument& e) {
    // The library's checks of the arrays against the manifest: the checkpoint is what is wrong
    // (OSError, as for a damaged manifest), not an argument of the call.
    PyErr_SetString(PyExc_OSError, e.what());
    throw py::error_already_set();
  } catch (...) {
    rethrow_for_path(directory);
  }
}

/// A writable numpy view of `data` that keeps `owner` (the Python object of the model) alive.
template <class T>
py::array_t<T> view(std::span<T> data, std::vector<py::ssize_t> shape, py::handle owner) {
  return py::array_t<T>(std::move(shape), data.data(), owner);  // C-contiguous strides
}

}  // namespace

void bind_diehl_cook(py::module_& m) {
  py::class_<diehl_cook>(m, "DiehlCook2015Core",
                         "The compiled Diehl & Cook (2015) network behind "
                         "spiketorch.DiehlCook2015 (use that class).")
      .def(py::init([](const py::dict& params) {
             return std::make_unique<diehl_cook>(params_of(params));
           }),
           "params"_a, "A new network; params: diehl_cook_params by their JSON names.")
      .def_static("load", &load, "directory"_a)
      .def("train", &train, "images"_a, "progress"_a = true)
      .def("respond", &respond, "images"_a, "threads"_a = 1, "progress"_a = true, "first_id"_a = 0)
      .def("assign_labels", &assign_labels, "counts"_a, "labels"_a)
      .def("predict", &predict, "counts"_a, "method"_a = "all")
      .def("save", &save, "directory"_a)
      .def_property_readonly(
          "weights",
          [](py::object self) {
            auto& d = self.cast<diehl_cook&>();
            return view(d.model.input_weights(),
                        {py::ssize_t(d.params().n_input), py::ssize_t(d.params().n_neurons)}, self);
          })
      .def_property_readonly("theta",
                             [](py::object self) {
                               auto& d = self.cast<diehl_cook&>();
                               return view(d.model.theta(), {py::ssize_t(d.params().n_neurons)},
                                           self);
                             })
      .def_property_readonly("assignments", &labels_array)
      .def_property_readonly("proportions",
                             [](const diehl_cook& d) {
                               const auto& p = d.assignment.proportions;
                               py::array_t<double> out({p.shape(0), p.shape(1)});
                               std::copy_n(p.data(), p.size(), out.mutable_data());
                               return out;
                             })
      .def_property_readonly("labelled", [](const diehl_cook& d) { return d.labelled; })
      .def_property_readonly("params",
                             [](const diehl_cook& d) {
                               nlohmann::ordered_json j = d.params();
                               return python_of(j);
                             })
      .def_property_readonly("n_input", [](const diehl_cook& d) { return d.params().n_input; })
      .def_property_readonly("n_neurons", [](const diehl_cook& d) { return d.params().n_neurons; })
      .def_property_readonly("examples_trained",
                             [](const diehl_cook& d) { return d.examples_trained; });
}

}  // namespace spiketorch_python
