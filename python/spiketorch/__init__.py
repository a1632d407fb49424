"""SpikeTorch: spiking neural networks as static C++ types, from Python."""

from ._spiketorch import __version__

__all__ = ["__version__"]
