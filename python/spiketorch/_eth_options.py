"""Command line of `python -m spiketorch.eth`: the options of the original eth.py and of the C++
program spiketorch_mnist (examples/mnist/command_line.hpp), with the same names, defaults,
meanings and checks, so that one command line runs either."""
from __future__ import annotations

import argparse
import math
import os
import re
from typing import Optional, Sequence

PROG = "python -m spiketorch.eth"

#: Defaults as the original eth.py (and examples/mnist/options.hpp).
DEFAULTS = {
    "mode": "train",
    "n_neurons": 100,
    "epochs": 1,
    "n_train": 60000,
    "n_label": 0,
    "n_test": 10000,
    "dt": 0.5,
    "time": 350.0,
    "rest": 150.0,
    "intensity": 2.0,
    "seed": 0,
    "update_interval": 1000,
    "threads": max(1, os.cpu_count() or 1),
    "synapse_decay": "exact",
    "device": "cpu",
}

#: More threads than any machine of ours has cores only multiplies copies of the network.
MAX_THREADS = 4096

#: Options that a checkpoint brings itself: refused with --mode test rather than ignored.
TRAINING_ONLY = ("n_neurons", "epochs", "n_train", "no_label_pass", "dt", "time", "rest",
                 "intensity", "seed", "update_interval", "save")

#: The model's parameter fields (their JSON names) set by an option, for the model's messages.
OPTION_OF_FIELD = {"n_neurons": "--n_neurons", "dt_ms": "--dt", "time_ms": "--time",
                   "rest_ms": "--rest", "intensity": "--intensity"}

DESCRIPTION = """\
Diehl & Cook (2015) unsupervised STDP network on MNIST, the seed's eth.py on SpikeTorch's
compiled model (the same options, defaults and results as the C++ program spiketorch_mnist).

Trains the network without labels, labels each excitatory neuron from its responses to the
training set with learning frozen, then classifies the test digits."""

EPILOG = """\
examples:
  python -m spiketorch.eth --n_neurons 100 --mode train --plot
  python -m spiketorch.eth --n_neurons 400 --epochs 3 --save runs/n400
  python -m spiketorch.eth --mode test --load runs/n400"""


class CommandLineError(Exception):
    """A bad command line: main prints the message and exits with status 2."""


def _count(text: str) -> int:
    # Plain decimal only: "-1" is no count, and "0x10" or "1e3" would be a guess.
    if not re.fullmatch(r"[0-9]+", text):
        raise argparse.ArgumentTypeError(f"needs a non-negative integer, got '{text}'")
    return int(text)


def _number(text: str) -> float:
    # float() accepts "nan" and "inf"; no setting here means anything then.
    try:
        x = float(text)
    except ValueError:
        x = math.nan
    if not math.isfinite(x):
        raise argparse.ArgumentTypeError(f"needs a number, got '{text}'")
    return x


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # the C++ program's wording and status
        self.print_usage()
        self.exit(2, f"error: {message}\nRun {PROG} --help for the options.\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser; every option defaults to None so that the checks can tell what was given."""
    p = _Parser(prog=PROG, description=DESCRIPTION, epilog=EPILOG,
                formatter_class=argparse.RawDescriptionHelpFormatter)

    def default(name):
        return f" (default: {DEFAULTS[name]})"

    def count(name, help_text, metavar="N"):
        p.add_argument("--" + name, type=_count, metavar=metavar,
                       help=help_text + (default(name) if name in DEFAULTS else ""))

    def number(name, unit, help_text):
        p.add_argument("--" + name, type=_number, metavar=unit, help=help_text + default(name))

    p.add_argument("--mode", choices=["train", "test"],
                   help="train (then label and test), or test a checkpoint given by --load"
                   + default("mode"))
    count("n_neurons", "excitatory (and inhibitory) neurons, >= 2; their synapses, about "
          "4 N (N + 980) bytes per copy (one per thread when evaluating), must fit in memory")
    count("epochs", "passes over the training examples; --epochs x --n_train at most 26843545 "
          "(training presentations are numbered below 2^31)")
    count("n_train", "training examples used, from the start of the set (max 60000)")
    count("n_label", "training examples in the frozen labelling pass (0: as --n_train); with "
          "--mode test: label the checkpoint's neurons anew from the first N training examples "
          "instead of using its labels")
    p.add_argument("--no-label-pass", dest="no_label_pass", action="store_true", default=None,
                   help="label neurons from the training responses of the last update interval")
    count("n_test", "test examples (max 10000; 0: skip testing)")
    number("dt", "MS", "simulation time step in ms, 10/255..10 (10 ms of input delay must fit in "
           "255 steps); below 1 with --synapse_decay euler")
    number("time", "MS", "presentation time per example in ms: 1 to 10^5 whole steps of --dt")
    number("rest", "MS", "input-free rest after each presentation in ms: 0 to 10^5 whole steps "
           "of --dt")
    number("intensity", "I", "input rate = pixel / 8 * I Hz; +1 per retry when < 5 spikes; > 0 "
           "and at most one spike per step, I <= 8000 / (255 dt), i.e. 62.7 at dt = 0.5 ms")
    count("seed", "seed of every random stream (weights, delays, input spikes)")
    count("update_interval", "examples per online accuracy window during training (and per "
          "refresh of the figures)")
    p.add_argument("--data", metavar="DIR",
                   help="MNIST folder (IDX files, raw or .gz); without it data/mnist, else "
                   "../shared/data/mnist")
    p.add_argument("--save", metavar="DIR",
                   help="write a checkpoint directory after training (weights, theta, labels; "
                   "the C++ program's format)")
    p.add_argument("--load", metavar="DIR", help="checkpoint to evaluate with --mode test")
    p.add_argument("--threads", type=_count, metavar="T",
                   help="CPU threads for labelling and testing, 1..4096 (training is sequential; "
                   "the results do not depend on T) (default: all cores)")
    p.add_argument("--plot", nargs="?", const="", metavar="DIR",
                   help="show live figures (weights, thresholds, labels, accuracy, the latest "
                   "example), refreshed every --update_interval; with DIR also save them (PNG) "
                   "and their data (.npy) there, as the C++ program's --plot DIR. Without a "
                   "display they are only saved (to DIR, else to plots)")
    p.add_argument("--plot_dir", "--plot-dir", dest="plot_dir", metavar="DIR",
                   help="save the figures (PNG) and their data (.npy) to DIR (created if "
                   "needed) without showing them, unless --plot is given too")
    p.add_argument("--json", metavar="FILE",
                   help="write parameters, timings and accuracies as JSON (into an existing "
                   "writable directory; checked before the run starts)")
    p.add_argument("--synapse_decay", choices=["exact", "euler"],
                   help="conductance decay per step: exp(-dt/tau), or Brian's forward Euler "
                   "1 - dt/tau as the original code integrated it; training only"
                   + default("synapse_decay"))
    p.add_argument("--device", choices=["cpu"],
                   help="backend; the Python package runs on the CPU (the C++ program has "
                   "--device cuda)" + default("device"))
    p.add_argument("--quiet", action="store_true", default=None, help="no progress output")
    return p


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise CommandLineError(message)


def parse_options(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """The options with their defaults filled in and `given` (the names set on the command line).
    argparse exits (status 0 for --help, 2 for a malformed option); the checks between options
    raise CommandLineError."""
    o = build_parser().parse_args(argv)
    o.given = {name for name, value in vars(o).items() if value is not None}
    for name, value in DEFAULTS.items():
        if getattr(o, name) is None:
            setattr(o, name, value)
    o.label_pass = not o.no_label_pass
    o.quiet = bool(o.quiet)

    _check(o.mode != "test" or o.load is not None,
           "--mode test needs --load DIR (a checkpoint from --save)")
    _check(o.mode != "train" or o.epochs >= 1, "--epochs must be at least 1")
    _check(o.mode != "train" or 1 <= o.n_train <= 60000, "--n_train must be in 1..60000")
    _check(o.n_test <= 10000, "--n_test must be at most 10000")
    _check(o.n_label <= 60000, "--n_label must be at most 60000")
    _check(o.update_interval >= 1, "--update_interval must be at least 1")
    _check(o.threads >= 1, "--threads must be at least 1")
    _check(o.threads <= MAX_THREADS, f"--threads must be at most {MAX_THREADS}, got {o.threads}")
    _check(o.mode == "train" or o.synapse_decay == "exact",
           "--synapse_decay applies to training (a checkpoint is evaluated with exact decay)")
    # An option the mode would ignore is refused rather than silently dropped.
    if o.mode == "test":
        for name in TRAINING_ONLY:
            flag = "--no-label-pass" if name == "no_label_pass" else "--" + name
            _check(name not in o.given, f"{flag} does not apply to --mode test (the checkpoint "
                   "brings its own network and protocol)")
    else:
        _check(o.load is None, "--load applies to --mode test only (training starts from a new "
               "network; to evaluate a checkpoint use --mode test)")
    for name in ("data", "save", "load", "plot_dir", "json"):
        value = getattr(o, name)
        _check(value is None or value != "",
               f"--{name} needs a path, got an empty one")
    return o


def option_names(message: str) -> str:
    """A model's message with its parameter fields named by the options that set them."""
    message = re.sub(r"^diehl_cook:\s*", "", message)
    return re.sub(r"\b(" + "|".join(OPTION_OF_FIELD) + r")\b",
                  lambda m: OPTION_OF_FIELD[m.group(1)], message)
