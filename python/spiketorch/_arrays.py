"""What the classes accept as arrays: numpy arrays, anything np.asarray takes, and torch tensors
(or the like) on the CPU, without importing torch."""
from __future__ import annotations

from typing import Any

import numpy as np


def as_numpy(x: Any) -> np.ndarray:
    """x as a numpy array; torch tensors (and the like) through .numpy() on the CPU."""
    if not isinstance(x, np.ndarray) and hasattr(x, "numpy"):
        if hasattr(x, "detach"):  # a tensor that requires grad refuses .numpy()
            x = x.detach()
        if hasattr(x, "cpu"):
            x = x.cpu()
        x = x.numpy()
    return np.asarray(x)
