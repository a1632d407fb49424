"""The seed's script on SpikeTorch's compiled Diehl & Cook (2015) model:

    python -m spiketorch.eth --n_neurons 100 --mode train --plot
    python -m spiketorch.eth --n_neurons 400 --epochs 3 --save runs/n400
    python -m spiketorch.eth --mode test --load runs/n400

The protocol is the C++ program's (examples/mnist/program.hpp), so that the same options and seed
give the same accuracies and the same checkpoint: training in windows of --update_interval
examples, each scored under the labels of the one before; a frozen labelling pass over the
training set (example ids from 0); a frozen test pass (ids from 2^23); the accuracies by
all-activity and proportion weighting and the confusion matrix; the checkpoint and the --json
report. `python -m spiketorch.eth --help` lists the options."""
from __future__ import annotations

import importlib.util
import json
import math
import os
import sys
import time
from typing import Optional, Sequence

import numpy as np

from ._eth_options import CommandLineError, PROG, option_names, parse_options

#: Example ids of the frozen passes (they address the input spikes), as program.hpp's.
LABEL_PASS_IDS = 0
TEST_PASS_IDS = 1 << 23
#: Where --plot saves its figures when there is no display to show them and no DIR was given.
DEFAULT_PLOT_DIR = "plots"


class RunError(Exception):
    """A run that cannot go on (missing data, unwritable output): exit status 1."""


def _log(o, message: str) -> None:
    if not o.quiet:
        print(message, file=sys.stderr, flush=True)


# -- checks before any work ----------------------------------------------------------------------
def _within(path: str, directory: str) -> bool:
    p, d = os.path.realpath(path), os.path.realpath(directory)
    return p == d or p.startswith(d.rstrip(os.sep) + os.sep)


def _nearest_existing(path: str) -> str:
    p = os.path.abspath(path)
    while not os.path.lexists(p) and os.path.dirname(p) != p:
        p = os.path.dirname(p)
    return p


def _can_create_in(directory: str) -> bool:
    return os.access(directory, os.W_OK | os.X_OK)


def check_checkpoint_target(directory: str) -> None:
    """As the C++ check_checkpoint_target: nothing there, an empty directory, or a checkpoint to
    replace; its nearest existing parent writable."""
    base = directory.rstrip(os.sep) or directory
    name = os.path.basename(base)
    if name in ("", ".", ".."):
        raise RunError(f"--save: cannot use '{directory}': name the checkpoint's own directory "
                       f"(e.g. '{os.path.normpath(os.path.join(base, 'checkpoint'))}')")
    if os.path.exists(base):
        if not os.path.isdir(base):
            raise RunError(f"--save: cannot replace '{directory}': it exists and is not a "
                           "directory")
        if os.listdir(base) and not os.path.isfile(os.path.join(base, "manifest.json")):
            raise RunError(f"--save: refusing to replace '{directory}': it is a non-empty "
                           "directory without manifest.json, not a checkpoint")
    parent = _nearest_existing(os.path.dirname(os.path.abspath(base)))
    if not os.path.isdir(parent):
        raise RunError(f"--save: cannot write '{directory}': '{parent}' is not a directory")
    if not _can_create_in(parent):
        raise RunError(f"--save: cannot write '{directory}': directory '{parent}' is not writable")


def check_output_paths(o, plot_dir: Optional[str]) -> None:
    """As the C++ check_output_paths: --json FILE goes into an existing writable directory, the
    figures' directory can be created, and neither lies in the --save directory."""
    if o.save is not None:
        for name, path in (("--json", o.json), ("--plot", plot_dir)):
            if path is not None and _within(path, o.save):
                raise RunError(f"{name} {path} lies in the --save directory {o.save}, which the "
                               "checkpoint replaces as a whole; write it elsewhere")
    if o.json is not None:
        if o.json.endswith(os.sep) or os.path.isdir(o.json):
            raise RunError(f"--json {o.json} is a directory; expected the name of a file to "
                           "write the report to")
        parent = os.path.dirname(o.json) or "."
        if not os.path.isdir(parent):
            raise RunError(f"--json {o.json}: {parent} "
                           + ("is not a directory" if os.path.exists(parent) else
                              "does not exist")
                           + " (the report is written into an existing directory)")
        if not _can_create_in(parent):
            raise RunError(f"--json {o.json}: cannot create files in {parent} (read-only or no "
                           "permission)")
    if plot_dir is not None:
        if os.path.exists(plot_dir):
            if not os.path.isdir(plot_dir):
                raise RunError(f"--plot {plot_dir} exists and is not a directory; expected a "
                               "directory for the figures")
            base = plot_dir
        else:
            base = _nearest_existing(plot_dir)
            if not os.path.isdir(base):
                raise RunError(f"--plot {plot_dir}: cannot be created, {base} is not a directory")
        if not _can_create_in(base):
            raise RunError(f"--plot {plot_dir}: cannot create files in {base} (read-only or no "
                           "permission)")


def resolve_data_dir(given: Optional[str]) -> str:
    """--data if given, else data/mnist, else ../shared/data/mnist."""
    if given is not None:
        if not os.path.isdir(given):
            why = (" (a symbolic link that leads nowhere: dangling or a loop)"
                   if os.path.islink(given) else "")
            raise RunError(f"--data {given} is not a directory{why} (fetch MNIST with "
                           "data/get_mnist.sh)")
        return given
    for candidate in ("data/mnist", "../shared/data/mnist"):
        if os.path.isdir(candidate):
            return candidate
    raise RunError("no MNIST data found in data/mnist or ../shared/data/mnist: run "
                   "data/get_mnist.sh (or pass --data DIR)")


def _physical_memory_bytes() -> float:
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return math.inf


def check_training(o, params: dict) -> None:
    """The limits of a training run that depend on the model's parameters (command_line.hpp's
    check_training)."""
    n_in, n = float(params["n_input"]), float(params["n_neurons"])
    # float32 weights and 8-bit delays per input synapse, float32 inhibition and theta.
    synapse_bytes = n_in * n * 5 + n * (n - 1) * 4 + n * 4
    copies, gib, memory = o.threads + 1, 1024.0 ** 3, _physical_memory_bytes()
    if synapse_bytes * copies > memory:
        raise CommandLineError(
            f"--n_neurons {o.n_neurons} needs {synapse_bytes / gib:.3g} GiB per copy of the "
            f"network, and --threads {o.threads} evaluate with {copies} copies: more than the "
            f"{memory / gib:.3g} GiB of memory of this machine (lower --threads or --n_neurons)")
    runs_per_example = 2 * int(params["max_presentations"])
    max_examples = (1 << 31) // runs_per_example
    if o.epochs > max_examples // o.n_train:
        raise CommandLineError(
            f"--epochs {o.epochs} x --n_train {o.n_train} must be at most {max_examples} "
            f"training examples ({runs_per_example} numbered presentations and rests each, at "
            f"most, below 2^31), so --epochs at most {max_examples // o.n_train}")


# -- the run -------------------------------------------------------------------------------------
def _accuracy(truth: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.mean(np.asarray(predicted) == np.asarray(truth, dtype=np.int64)))


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray, n_classes: int = 10) -> np.ndarray:
    """[true, predicted] counts."""
    m = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(m, (np.asarray(truth, dtype=np.int64), np.asarray(predicted, dtype=np.int64)), 1)
    return m


def format_confusion(m: np.ndarray) -> str:
    lines = ["confusion matrix (rows: true digit, columns: predicted, all-activity)",
             "      " + "".join(f"{c:6d}" for c in range(m.shape[1]))]
    lines += [f"  {r} : " + "".join(f"{v:6d}" for v in row) for r, row in enumerate(m)]
    return "\n".join(lines)


def _new_model(st, o):
    params = dict(dt_ms=o.dt, time_ms=o.time, rest_ms=o.rest, intensity=o.intensity)
    if o.synapse_decay == "euler":
        params["exc_synapses"] = {"scheme": "forward_euler"}
        params["inh_synapses"] = {"scheme": "forward_euler"}
    try:
        return st.DiehlCook2015(n_neurons=o.n_neurons, seed=o.seed, **params)
    except (ValueError, TypeError) as e:
        raise CommandLineError(option_names(str(e))) from e


def _label_pass(model, o, images, labels, report) -> None:
    t = time.perf_counter()
    counts = model.respond(images, threads=o.threads, progress=not o.quiet,
                           first_id=LABEL_PASS_IDS)
    model.assign_labels(counts, labels)
    seconds = time.perf_counter() - t
    n = len(labels)
    report["label"] = {"examples": n, "seconds": seconds, "seconds_per_example": seconds / n}
    print(f"labelling: {n} training examples (learning off, {o.threads} threads) in "
          f"{seconds:.1f} s: {1e3 * seconds / n:.3f} ms per example", flush=True)


def _train(model, o, images, labels, figures, report):
    """Training in windows of --update_interval examples (the last one possibly shorter), each
    scored under the labels of the window before, as program.hpp does example by example."""
    n_train = len(labels)
    total = n_train * o.epochs
    window = max(1, min(o.update_interval, total))
    last_counts = last_labels = None
    scores = []
    t0, c0 = time.perf_counter(), time.thread_time()
    for start in range(0, total, window):
        index = np.arange(start, min(start + window, total)) % n_train
        counts = model.train(images[index], progress=False)
        if len(index) < window:
            continue  # a partial last window is trained but neither scored nor labelled from
        truth = labels[index]
        score = None
        if last_counts is not None:  # labels from the previous window are in place
            score = (_accuracy(truth, model.predict(counts, method="all")),
                     _accuracy(truth, model.predict(counts, method="proportion")))
            scores.append([start + window, *score])
        model.assign_labels(counts, truth)
        last_counts, last_labels = counts, truth
        seen = start + window
        if score is None:
            _log(o, f"training: {seen} / {total} examples ({time.perf_counter() - t0:.1f} s); "
                 f"accuracy after the first {window} examples")
        else:
            _log(o, f"training: {seen} / {total} examples ({time.perf_counter() - t0:.1f} s); "
                 f"last {window}: {100 * score[0]:.1f}% all-activity, {100 * score[1]:.1f}% "
                 "proportion")
        if figures is not None:
            figures.training_update(model, seen, *(score or (None, None)),
                                    images[index[-1]], counts[-1])
    seconds, cpu = time.perf_counter() - t0, time.thread_time() - c0
    report["train"] = {"examples": total, "seconds": seconds,
                       "seconds_per_example": seconds / total,
                       "cpu_seconds_per_example": cpu / total, "window_accuracy": scores}
    print(f"training: {total} examples in {seconds:.1f} s: {1e3 * seconds / total:.3f} ms per "
          f"example ({1e3 * cpu / total:.3f} ms CPU), {total / seconds:.0f} examples/s",
          flush=True)
    return last_counts, last_labels


def _plot_settings(o):
    """(live, directory) of the figures: --plot shows them, where there is a display, and saves
    them with DIR; --plot_dir saves them. Without a display --plot saves them only."""
    live = o.plot is not None
    directory = o.plot_dir if o.plot_dir is not None else (o.plot or None)
    if not live and directory is None:
        return False, None
    if importlib.util.find_spec("matplotlib") is None:
        raise RunError("--plot needs matplotlib, which is not installed (Debian: "
                       "python3-matplotlib; else pip install matplotlib)")
    from ._eth_figures import display_available

    if live and not display_available():
        live = False
        directory = directory or DEFAULT_PLOT_DIR
        print("--plot: no display (no $DISPLAY, or MPLBACKEND=Agg): using matplotlib's Agg "
              f"backend, figures are saved to {directory} instead of shown", file=sys.stderr,
              flush=True)
    return live, directory


def run(o) -> int:
    """The whole program once the options are parsed: returns the exit status."""
    import spiketorch as st

    t_setup = time.perf_counter()
    need_train = o.mode == "train"
    relabel = o.mode == "test" and o.n_label > 0
    if need_train:
        model = _new_model(st, o)
        check_training(o, model.params)
    live, plot_dir = _plot_settings(o)
    if o.save is not None:
        check_checkpoint_target(o.save)
    check_output_paths(o, plot_dir)
    data = resolve_data_dir(o.data)
    if o.mode == "test":
        model = st.DiehlCook2015.load(o.load)
        _log(o, f"loaded checkpoint {o.load} ({model.n_neurons} neurons, "
             f"{model.examples_trained} training examples)")
    train_images = train_labels = test_images = test_labels = None
    if need_train or relabel:
        train_images, train_labels = st.load_mnist(data, "train",
                                                   n=o.n_train if need_train else o.n_label)
    if o.n_test > 0:
        test_images, test_labels = st.load_mnist(data, "test", n=o.n_test)
    _log(o, f"data: {data} ({0 if train_labels is None else len(train_labels)} training, "
         f"{0 if test_labels is None else len(test_labels)} test images loaded)")
    setup_s = time.perf_counter() - t_setup

    report = {"params": model.params, "setup_seconds": setup_s, "threads": o.threads,
              "device": "cpu"}
    figures = None
    if live or plot_dir is not None:
        from ._eth_figures import Figures

        figures = Figures(live, plot_dir, DEFAULT_PLOT_DIR,
                          log=lambda m: print(m, file=sys.stderr, flush=True))
    if relabel:
        _label_pass(model, o, train_images, train_labels, report)
    if o.mode == "test" and figures is not None:
        figures.network_state(model, "(loaded checkpoint)")

    if need_train:
        last_counts, last_labels = _train(model, o, train_images, train_labels, figures, report)
        if o.label_pass:
            n_label = min(o.n_label or len(train_labels), len(train_labels))
            _label_pass(model, o, train_images[:n_label], train_labels[:n_label], report)
        else:
            model.assign_labels(last_counts, last_labels)
            print(f"labelling: from the training responses of the last {len(last_labels)} "
                  "examples (--no-label-pass)", flush=True)
        report.setdefault("label", {})["unassigned_neurons"] = int(
            np.sum(np.asarray(model.assignments) < 0))
        if o.save is not None:
            model.save(o.save)
            print(f"checkpoint written to {o.save}", flush=True)

    if test_labels is not None:
        n_test = len(test_labels)
        t = time.perf_counter()
        counts = model.respond(test_images, threads=o.threads, progress=not o.quiet,
                               first_id=TEST_PASS_IDS)
        seconds = time.perf_counter() - t
        predicted_all = model.predict(counts, method="all")
        predicted_prop = model.predict(counts, method="proportion")
        acc_all = _accuracy(test_labels, predicted_all)
        acc_prop = _accuracy(test_labels, predicted_prop)
        confusion = confusion_matrix(test_labels, predicted_all)
        report["test"] = {
            "examples": n_test, "seconds": seconds, "seconds_per_example": seconds / n_test,
            "exc_spikes_per_example": float(np.asarray(counts, dtype=np.float64).sum()) / n_test,
            "accuracy_all_activity": acc_all, "accuracy_proportion": acc_prop,
            "confusion_all_activity": confusion.tolist()}
        print(f"testing: {n_test} examples (learning off, {o.threads} threads) in {seconds:.1f} s: "
              f"{1e3 * seconds / n_test:.3f} ms per example")
        print(f"test accuracy: {100 * acc_all:.2f}% (all-activity), {100 * acc_prop:.2f}% "
              f"(proportion weighting) on {n_test} digits")
        print(format_confusion(confusion), flush=True)
        if figures is not None:
            figures.test_done(confusion)
    if need_train or relabel:
        print(f"timing: setup {setup_s:.1f} s, training "
              f"{report.get('train', {}).get('seconds', 0):.1f} s, labelling "
              f"{report.get('label', {}).get('seconds', 0):.1f} s, testing "
              f"{report.get('test', {}).get('seconds', 0):.1f} s")
    if o.json is not None:
        tmp = o.json + ".tmp"
        with open(tmp, "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
        os.replace(tmp, o.json)
        print(f"results written to {o.json}")
    if figures is not None:
        if figures.directory is not None:
            print(f"figures written to {figures.directory}", flush=True)
        figures.keep_open(log=lambda m: print(m, file=sys.stderr, flush=True))
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    """`python -m spiketorch.eth`: returns the exit status (0 after --help, 2 for a bad command
    line, 1 when the run fails, 130 when interrupted)."""
    try:
        o = parse_options(argv)
    except SystemExit as e:  # argparse: --help or a malformed option
        return e.code if isinstance(e.code, int) else 2
    except CommandLineError as e:
        print(f"error: {e}\nRun {PROG} --help for the options.", file=sys.stderr)
        return 2
    try:
        return run(o)
    except CommandLineError as e:
        print(f"error: {e}\nRun {PROG} --help for the options.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except (RunError, OSError, ValueError, RuntimeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
