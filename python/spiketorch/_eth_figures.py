"""Figures of `python -m spiketorch.eth --plot`: live matplotlib windows refreshed every update
interval, and/or PNG files with the data behind them (.npy), as the C++ program's --plot DIR
(examples/mnist/visualisation.hpp):

  weights.png / weights.npy          input-to-excitatory weights [784, N] as 28x28 tiles
  theta.png / theta.npy              adaptive thresholds [N] (mV above the initial offset)
  assignments.png / assignments.npy  neuron labels [N] (-1 = never fired)
  accuracy.png / accuracy.npy        [windows, 3]: examples seen, all-activity, proportion (%)
  input.png / input.npy              the latest training image [28, 28]
  counts.png / counts.npy            spike counts of the latest training example [N]
  confusion.png / confusion.npy      [true, predicted] after testing

matplotlib is imported only here, and only with --plot, so the rest of the program runs without
it."""
from __future__ import annotations

import math
import os
import sys
from typing import Optional

import numpy as np


def _can_show(backend: str) -> bool:
    """Whether a matplotlib backend shows figures: a GUI toolkit's, or a third-party one named
    "module://..." (terminal image protocols, notebooks), which draws wherever it draws."""
    from matplotlib import rcsetup

    return (backend.lower().startswith("module://")
            or backend.lower() in {b.lower() for b in rcsetup.interactive_bk})


def display_available() -> bool:
    """Whether windows can be shown: no MPLBACKEND asking for files only (Agg), and a display
    for a GUI toolkit."""
    backend = os.environ.get("MPLBACKEND", "")
    if backend and not _can_show(backend):
        return False
    if backend.lower().startswith("module://"):
        return True
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def weight_grid(weights: np.ndarray, rows: int = 28, cols: int = 28) -> np.ndarray:
    """The receptive fields, column n of `weights` [rows * cols, N] read row-major as neuron n's
    tile, laid out in a square grid (unused tiles NaN, drawn blank)."""
    n = weights.shape[1]
    side = math.ceil(math.sqrt(n))
    tiles = np.full((side * side, rows, cols), np.nan, dtype=np.float32)
    tiles[:n] = np.asarray(weights, dtype=np.float32).T.reshape(n, rows, cols)
    return tiles.reshape(side, side, rows, cols).transpose(0, 2, 1, 3).reshape(side * rows,
                                                                              side * cols)


class Figures:
    """The figures of one run. `live`: show windows (see display_available; where matplotlib
    finds no GUI after all, the figures go to `directory`, else `fallback_directory`);
    `directory`: where PNG and .npy files go (None: nowhere)."""

    def __init__(self, live: bool, directory: Optional[str], fallback_directory: str = "plots",
                 log=print):
        import matplotlib

        self.live = live
        self.directory = directory
        if not live:
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        if live:
            if not _can_show(matplotlib.get_backend()):
                self.live = False
                self.directory = directory or fallback_directory
                log(f"--plot: matplotlib's backend {matplotlib.get_backend()} cannot show "
                    f"windows: figures are saved to {self.directory} instead")
        self.plt = plt
        if self.directory is not None:
            os.makedirs(self.directory, exist_ok=True)
        self._figs = {}
        self._seen, self._acc_all, self._acc_prop = [], [], []

    # -- drawing ----------------------------------------------------------------------------
    def _axes(self, name: str, size=(6, 4.5)):
        fig = self._figs.get(name)
        if fig is None:
            fig = self._figs[name] = self.plt.figure(name, figsize=size)
        fig.clf()
        return fig, fig.add_subplot(1, 1, 1)

    def _publish(self, name: str, fig, data: np.ndarray) -> None:
        fig.tight_layout()
        if self.directory is not None:
            # Through a temporary name, so that a viewer never reads half a file.
            path = os.path.join(self.directory, name)
            fig.savefig(path + ".tmp.png", dpi=100)
            os.replace(path + ".tmp.png", path + ".png")
            np.save(path + ".npy", data)
        if self.live:
            fig.canvas.draw_idle()

    def _refresh(self) -> None:
        # Not pyplot's interactive mode, which redraws on every change of every artist: each
        # figure is drawn once per update (draw_idle in _publish), shown, and the GUI's event
        # loop runs briefly so that the windows paint and respond between training windows.
        if self.live:
            self.plt.show(block=False)
            self.plt.pause(0.001)

    def network_state(self, model, when: str) -> None:
        """Weights, thresholds and labels of the network as it is now."""
        weights = np.array(model.weights, copy=True)
        fig, ax = self._axes("weights", (7, 7))
        lo, hi = min(0.0, float(np.nanmin(weights))), float(np.nanmax(weights))
        im = ax.imshow(weight_grid(weights), cmap="hot_r", vmin=lo, vmax=hi if hi > lo else lo + 1,
                       interpolation="nearest")
        ax.set_title(f"input to excitatory weights {when}")
        ax.set_xticks([])
        ax.set_yticks([])
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
        self._publish("weights", fig, weights)

        theta = np.array(model.theta, copy=True)
        fig, ax = self._axes("theta")
        ax.bar(np.arange(theta.size), theta, width=1.0, color="tab:blue")
        ax.set(title="adaptive thresholds (theta)", xlabel="excitatory neuron",
               ylabel="theta (mV)")
        self._publish("theta", fig, theta)

        labels = np.array(model.assignments, dtype=np.int32, copy=True)
        fig, ax = self._axes("assignments")
        side = math.ceil(math.sqrt(labels.size))
        grid = np.full(side * side, np.nan)
        grid[:labels.size] = np.where(labels < 0, np.nan, labels)
        cmap = self.plt.get_cmap("tab10").copy()
        cmap.set_bad("lightgrey")
        im = ax.imshow(grid.reshape(side, side), cmap=cmap, vmin=-0.5, vmax=9.5,
                       interpolation="nearest")
        if side <= 20:
            for k, label in enumerate(labels):
                ax.text(k % side, k // side, "-" if label < 0 else str(label), ha="center",
                        va="center", fontsize=8)
        counts = np.bincount(labels[labels >= 0], minlength=10)
        ax.set_title(f"neuron label assignments {when}\n"
                     + " ".join(f"{d}:{c}" for d, c in enumerate(counts))
                     + f" unassigned:{int((labels < 0).sum())}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        fig.colorbar(im, ax=ax, ticks=range(10), fraction=0.046, pad=0.04)
        self._publish("assignments", fig, labels)

    def training_update(self, model, seen: int, all_activity: Optional[float],
                        proportion: Optional[float], image: np.ndarray,
                        counts: np.ndarray) -> None:
        """After a training window: the network, the accuracy so far (None before the first
        score), the latest image and its spike counts."""
        self.network_state(model, f"after {seen} examples")
        if all_activity is not None:
            self._seen.append(seen)
            self._acc_all.append(100 * all_activity)
            self._acc_prop.append(100 * proportion)
            fig, ax = self._axes("accuracy")
            ax.plot(self._seen, self._acc_all, "o-", label="all-activity")
            ax.plot(self._seen, self._acc_prop, "s-", label="proportion weighting")
            ax.set(title="training accuracy (previous update interval)", xlabel="examples seen",
                   ylabel="accuracy (%)", ylim=(0, 100))
            ax.legend(loc="lower right")
            ax.grid(alpha=0.3)
            self._publish("accuracy", fig,
                          np.column_stack([self._seen, self._acc_all, self._acc_prop]))

        fig, ax = self._axes("input", (4, 4))
        ax.imshow(image, cmap="gray_r", vmin=0, vmax=255, interpolation="nearest")
        ax.set_title("latest input digit")
        ax.set_xticks([])
        ax.set_yticks([])
        self._publish("input", fig, np.asarray(image, dtype=np.float32))

        fig, ax = self._axes("counts")
        ax.bar(np.arange(counts.size), counts, width=1.0, color="tab:red")
        ax.set(title=f"spikes of each excitatory neuron, latest example "
               f"({int(counts.sum())} in all)", xlabel="excitatory neuron", ylabel="spikes")
        self._publish("counts", fig, np.asarray(counts))
        self._refresh()

    def test_done(self, confusion: np.ndarray) -> None:
        fig, ax = self._axes("confusion", (6, 5))
        im = ax.imshow(confusion, cmap="Blues", interpolation="nearest")
        for (r, c), v in np.ndenumerate(confusion):
            ax.text(c, r, str(v), ha="center", va="center", fontsize=7,
                    color="white" if v > confusion.max() / 2 else "black")
        ax.set(title="test confusion matrix (all-activity)", xlabel="predicted digit",
               ylabel="true digit", xticks=range(10), yticks=range(10))
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
        self._publish("confusion", fig, confusion)
        self._refresh()

    def keep_open(self, log=print) -> None:
        """At the end of an interactive run, the windows stay until the user closes them (a
        script with no terminal on stdin ends at once, as without --plot)."""
        if not self.live or not sys.stdin.isatty():
            return
        log("--plot: close the figure windows (or press Ctrl-C) to exit")
        try:
            self.plt.show()
        except KeyboardInterrupt:
            pass
