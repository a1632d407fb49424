"""SpikeTorch: spiking neural networks as static C++ types, from Python.

- ``DiehlCook2015``: the compiled Diehl & Cook (2015) network (train, respond, assign_labels,
  predict, save/load of the C++ program's checkpoints); ``load_mnist`` reads the MNIST files.
- ``Network``, ``Input``, ``Population``, ``Projection``: networks described in Python, compiled
  as static C++ types on first use and cached (network.py).
- ``python -m spiketorch.eth``: the original eth.py's command line on the compiled model.
"""

from ._spiketorch import __version__, load_mnist
from .models import DiehlCook2015
from .network import CompileError, Input, Network, Population, Projection, policies

__all__ = ["__version__", "load_mnist", "DiehlCook2015", "Network", "Input", "Population",
           "Projection", "CompileError", "policies"]
