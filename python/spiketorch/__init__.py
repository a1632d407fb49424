"""SpikeTorch: spiking neural networks as static C++ types, from Python."""

from ._spiketorch import __version__

__all__ = ["__version__"]

# Networks described in Python, compiled as static types on first use (network.py).
from .network import CompileError, Input, Network, Population, Projection, policies  # noqa: E402

__all__ += ["Network", "Input", "Population", "Projection", "CompileError", "policies"]
