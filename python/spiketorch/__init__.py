"""SpikeTorch: spiking neural networks as static C++ types, from Python."""

from ._spiketorch import __version__, load_mnist
from .models import DiehlCook2015

__all__ = ["__version__", "load_mnist", "DiehlCook2015"]
