"""The prebuilt models as numpy-friendly classes: DiehlCook2015.

The network and everything it computes is the C++ library's (the extension class
_spiketorch.DiehlCook2015Core); this module only turns what a user passes (numpy arrays, lists,
torch tensors on the CPU) into arrays of the checked dtype and shape, with errors that name the
argument.
"""
from __future__ import annotations

import os
from typing import Any, Union

import numpy as np

from ._arrays import as_numpy as _as_numpy
from ._spiketorch import DiehlCook2015Core

__all__ = ["DiehlCook2015"]

PathLike = Union[str, "os.PathLike[str]"]


def _integers(a: np.ndarray, name: str, high: int, dtype: type, expected: str) -> np.ndarray:
    """a (integer-valued, every value in 0..high) as C-contiguous `dtype`."""
    if a.dtype == dtype:
        return np.ascontiguousarray(a)
    if a.dtype == np.bool_ or not np.issubdtype(a.dtype, np.integer):
        raise TypeError(f"{name} must hold integers ({expected}), got dtype {a.dtype}")
    if a.size and (a.min() < 0 or a.max() > high):
        raise ValueError(f"{name} must be in 0..{high}, got values in {a.min()}..{a.max()}")
    return np.ascontiguousarray(a, dtype=dtype)


def _images(images: Any, n_input: int, name: str = "images") -> np.ndarray:
    """Images [n, rows, columns], [n, n_input] or one image [n_input] as uint8 [n, n_input]."""
    a = _as_numpy(images)
    side = int(round(n_input ** 0.5))
    square = f"[n, {side}, {side}], " if side * side == n_input else ""
    shapes = f"{square}[n, {n_input}] or [{n_input}]"
    if a.dtype != np.uint8 and np.issubdtype(a.dtype, np.floating):
        raise TypeError(f"{name} must be pixel intensities 0..255 as integers (uint8), got dtype "
                        f"{a.dtype} (scaled to [0, 1]? then pass "
                        f"(x * 255).round().astype(np.uint8))")
    if a.ndim == 1 and a.shape[0] == n_input:
        a = a.reshape(1, n_input)
    elif a.ndim == 2 and a.shape[1] == n_input:
        pass
    elif a.ndim == 3 and a.shape[1] * a.shape[2] == n_input:
        a = a.reshape(a.shape[0], n_input)
    else:
        raise ValueError(f"{name} must have the shape {shapes} (the network has {n_input} "
                         f"inputs), got {tuple(a.shape)}")
    return _integers(a, name, 255, np.uint8, "uint8 pixel intensities 0..255")


def _counts(counts: Any, n_neurons: int) -> np.ndarray:
    """Spike counts [n, n_neurons] as uint32."""
    a = _as_numpy(counts)
    if a.ndim != 2 or a.shape[1] != n_neurons:
        raise ValueError(f"counts must have the shape [n, {n_neurons}] (examples, neurons), got "
                         f"{tuple(a.shape)}")
    return _integers(a, "counts", 2**32 - 1, np.uint32, "spike counts")


class DiehlCook2015:
    """The network of Diehl & Cook (2015): 784 Poisson inputs, N adaptive excitatory neurons with
    triplet STDP and N inhibitory ones, compiled (spiketorch::models::diehl_cook_2015).

    params: any field of the C++ diehl_cook_params by its JSON name (as in a checkpoint's
    manifest), nested sets as dicts, e.g. ``DiehlCook2015(400, time_ms=250.0,
    exc={"tau_theta_ms": 1e7})``. An unknown name or a value out of range raises ValueError
    naming the field.

    Training (``train``) presents the images in order with learning on; ``respond`` gives the
    responses with learning frozen, each from the rested state (example e has the id
    first_id + e, which fixes its input spikes), so they do not depend on ``threads``.
    """

    def __init__(self, n_neurons: int = 100, seed: int = 0, **params: Any) -> None:
        self._core = DiehlCook2015Core(dict(params, n_neurons=n_neurons, seed=seed))

    @classmethod
    def _wrap(cls, core: DiehlCook2015Core) -> "DiehlCook2015":
        model = cls.__new__(cls)
        model._core = core
        return model

    # ---- running -----------------------------------------------------------------------------

    def train(self, images: Any, progress: bool = True) -> np.ndarray:
        """Trains on the images in order (one example each; uint8 [n, 28, 28], [n, 784] or one
        [784]). Returns the spike counts of each example's accepted presentation, uint32 [n, N].
        Ctrl-C stops after the current example (KeyboardInterrupt; examples_trained counts the
        examples completed)."""
        return self._core.train(_images(images, self._core.n_input), progress=bool(progress))

    def respond(self, images: Any, threads: int = 1, progress: bool = True,
                first_id: int = 0) -> np.ndarray:
        """Spike counts uint32 [n, N] of the frozen network (no learning, each example from the
        rested state), example e with the id first_id + e (the C++ program labels with ids from 0
        and tests with ids from 1 << 23). threads: copies of the network run in parallel; the
        result does not depend on it."""
        threads = _positive_int(threads, "threads", 4096)
        first_id = _positive_int(first_id, "first_id", 2**64 - 1, low=0)
        return self._core.respond(_images(images, self._core.n_input), threads=threads,
                                  progress=bool(progress), first_id=first_id)

    # ---- labels and prediction ---------------------------------------------------------------

    def assign_labels(self, counts: Any, labels: Any) -> np.ndarray:
        """Labels each neuron with the class of its highest mean count over `counts` [n, N] (the
        responses to examples of the classes `labels` [n], 0..9); a neuron that never fired is
        unassigned (-1). Stores the assignment in the model and returns it, int32 [N]."""
        c = _counts(counts, self._core.n_neurons)
        lab = _as_numpy(labels)
        if lab.ndim != 1 or lab.shape[0] != c.shape[0]:
            raise ValueError(f"labels must have the shape [{c.shape[0]}] (one per row of counts), "
                             f"got {tuple(lab.shape)}")
        lab = _integers(lab, "labels", 9, np.uint8, "classes 0..9")
        return self._core.assign_labels(c, lab)

    def predict(self, counts: Any, method: str = "all") -> np.ndarray:
        """The class of each row of `counts` [n, N], int64 [n], by the assignment:
        method "all" (all-activity: mean count of the neurons of each class) or "proportion"
        (proportion weighting)."""
        if method not in ("all", "proportion"):
            raise ValueError(f'method must be "all" or "proportion", got {method!r}')
        return self._core.predict(_counts(counts, self._core.n_neurons), method)

    # ---- checkpoints -------------------------------------------------------------------------

    def save(self, directory: PathLike) -> None:
        """Writes the checkpoint the C++ program's --save writes (weights, theta, assignments,
        proportions and the manifest with the parameters), atomically."""
        self._core.save(os.fspath(directory))

    @classmethod
    def load(cls, directory: PathLike) -> "DiehlCook2015":
        """The network of a checkpoint (the C++ program's or save()'s), run with exact
        conductance decay as the C++ program's --mode test does. FileNotFoundError when it does
        not exist, OSError when it is not a valid checkpoint. A checkpoint holds weights,
        thresholds and labels, not the membrane state or the position in the input spike
        streams: responses are the saved model's, further training starts afresh from them."""
        return cls._wrap(DiehlCook2015Core.load(os.fspath(directory)))

    # ---- state -------------------------------------------------------------------------------

    @property
    def weights(self) -> np.ndarray:
        """The input weights, float32 [n_input, N]: a writable view of the network's own (no
        copy), which keeps the network alive."""
        return self._core.weights

    @property
    def theta(self) -> np.ndarray:
        """The adaptive thresholds in mV, float32 [N]: a writable view of the network's own."""
        return self._core.theta

    @property
    def assignments(self) -> np.ndarray:
        """Each neuron's label, int32 [N] (-1: unassigned; all -1 before assign_labels)."""
        return self._core.assignments

    @property
    def proportions(self) -> np.ndarray:
        """Each neuron's class proportions, float64 [N, 10] (proportion weighting)."""
        return self._core.proportions

    @property
    def params(self) -> dict:
        """Every parameter, as the checkpoint's manifest records them (a copy)."""
        return self._core.params

    @property
    def n_neurons(self) -> int:
        return self._core.n_neurons

    @property
    def n_input(self) -> int:
        return self._core.n_input

    @property
    def examples_trained(self) -> int:
        """Training examples completed (the count a checkpoint records)."""
        return self._core.examples_trained

    def __repr__(self) -> str:
        return (f"DiehlCook2015(n_neurons={self.n_neurons}, seed={self.params['seed']}, "
                f"examples_trained={self.examples_trained})")


def _positive_int(value: Any, name: str, high: int, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be in {low}..{high}, got {value}")
    return int(value)
