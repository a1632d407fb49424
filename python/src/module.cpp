// The extension module spiketorch._spiketorch: one binding function per part of the library, each
// in its own file (python/src/*.cpp, declared in bindings.hpp).
#include <pybind11/pybind11.h>

#include "bindings.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_spiketorch, m) {
  m.doc() = "SpikeTorch's compiled models (the Python API is the package spiketorch)";
  m.attr("__version__") = SPIKETORCH_VERSION;
  spiketorch_python::register_errors();
  spiketorch_python::bind_datasets(m);
  spiketorch_python::bind_diehl_cook(m);
}
