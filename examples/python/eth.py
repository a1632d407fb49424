#!/usr/bin/env python3
"""The seed's examples/eth.py: Diehl & Cook (2015) on MNIST with SpikeTorch's compiled model.

    pip install .                      (or scripts/install_python.sh, then .venv/bin/python)
    python examples/python/eth.py --n_neurons 100 --mode train --plot
    python examples/python/eth.py --help

A thin wrapper of `python -m spiketorch.eth` (python/spiketorch/eth.py), which has the options,
the protocol and its documentation."""
import sys

try:
    from spiketorch.eth import main
except ImportError as e:
    sys.exit(f"error: the spiketorch package is not installed ({e}); install it with "
             "scripts/install_python.sh (or pip install .) and run this script with that Python")

if __name__ == "__main__":
    sys.exit(main())
