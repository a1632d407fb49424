// The binding functions of the extension module _spiketorch (module.cpp calls each once), one per
// part of the library, and what they share: how the library's exceptions reach Python.
#pragma once

#include <pybind11/pybind11.h>

#include <filesystem>

namespace spiketorch_python {

/// Registers the translation of the library's exceptions: invalid_argument (and
/// models::invalid_parameter) -> ValueError, io_error -> OSError, each with the library's message.
void register_errors();

/// spiketorch.load_mnist (datasets.cpp).
void bind_datasets(pybind11::module_& m);

/// The Diehl & Cook (2015) model as the class behind spiketorch.DiehlCook2015 (diehl_cook.cpp).
void bind_diehl_cook(pybind11::module_& m);

/// Rethrows the current exception (call it inside a catch block, with the GIL held); an io_error
/// about `path` while `path` does not exist becomes FileNotFoundError, so that a Python caller
/// can tell a missing file or directory from a damaged one.
[[noreturn]] void rethrow_for_path(const std::filesystem::path& path);

}  // namespace spiketorch_python
