// spiketorch.load_mnist: the library's MNIST reader (datasets/idx.hpp) with numpy arrays out.
#include <pybind11/numpy.h>
#include <pybind11/stl/filesystem.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "bindings.hpp"
#include "spiketorch/datasets/idx.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace spiketorch_python {

namespace {

py::tuple load_mnist(const std::filesystem::path& directory, const std::string& split,
                     const py::object& n) {
  std::size_t limit = 0;  // the library's "all of them"
  if (!n.is_none()) {
    // Any integer, numpy's too (through __index__); one beyond the split's size means all.
    if (!PyIndex_Check(n.ptr()) || py::isinstance<py::bool_>(n))
      throw py::type_error("load_mnist: n must be an int or None, got " +
                           std::string(py::str(py::type::of(n).attr("__name__"))));
    const auto index = py::reinterpret_steal<py::int_>(PyNumber_Index(n.ptr()));
    if (!index) throw py::error_already_set();
    int overflow = 0;
    const long long count = PyLong_AsLongLongAndOverflow(index.ptr(), &overflow);
    if (overflow < 0 || (overflow == 0 && count < 1))
      throw py::value_error("load_mnist: n must be a positive number of examples or None, got " +
                            std::string(py::str(index.ptr())));
    limit =
        overflow > 0 ? std::numeric_limits<std::size_t>::max() : static_cast<std::size_t>(count);
  }
  spiketorch::mnist_split s;
  try {
    py::gil_scoped_release release;  // decompressing the training set takes a while
    s = spiketorch::load_mnist(directory, split, limit);
  } catch (...) {
    rethrow_for_path(directory);
  }
  const std::size_t count = s.labels.size(), rows = s.images.shape(1), cols = s.images.shape(2);
  py::array_t<std::uint8_t> images({count, rows, cols});
  py::array_t<std::uint8_t> labels(count);
  std::copy_n(s.images.data(), s.images.size(), images.mutable_data());
  std::copy_n(s.labels.data(), count, labels.mutable_data());
  return py::make_tuple(images, labels);
}

}  // namespace

void bind_datasets(py::module_& m) {
  m.def("load_mnist", &load_mnist, "directory"_a, "split"_a = "train", "n"_a = py::none(),
        R"(Reads an MNIST split from `directory` (the standard file names, raw or .gz).

split: "train" (60000 examples) or "test" (10000); n: keep only the first n (None: all).
Returns (images, labels): uint8 arrays [n, 28, 28] with values 0..255 and [n] with 0..9.
Raises FileNotFoundError when the directory does not exist, OSError for missing or damaged
files and ValueError for a bad split or n.)");
}

}  // namespace spiketorch_python
