// The library's exceptions as Python exceptions (bindings.hpp).
#include <system_error>

#include "bindings.hpp"
#include "spiketorch/core/errors.hpp"

namespace py = pybind11;

namespace spiketorch_python {

void register_errors() {
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const spiketorch::invalid_argument& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const spiketorch::io_error& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    }
  });
}

void rethrow_for_path(const std::filesystem::path& path) {
  try {
    throw;
  } catch (const spiketorch::io_error& e) {
    std::error_code ec;
    if (std::filesystem::symlink_status(path, ec).type() == std::filesystem::file_type::not_found) {
      PyErr_SetString(PyExc_FileNotFoundError, e.what());
      throw py::error_already_set();
    }
    throw;
  }
}

}  // namespace spiketorch_python
