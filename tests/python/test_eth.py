"""`python -m spiketorch.eth` (python/spiketorch/eth.py), run as a subprocess of the installed
package: its command line, and its results against the C++ program spiketorch_mnist with the
same options (same accuracies, same checkpoint, and each one's checkpoint read by the other)."""
import json
import os
import re
import signal
import subprocess
import sys

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# A run of a few seconds: 20 neurons, 200 training and 200 test digits, 4 accuracy windows.
SMALL = ["--n_neurons", "20", "--n_train", "200", "--n_test", "200", "--update_interval", "50",
         "--seed", "3", "--threads", "2"]
CHECKPOINT_FILES = ("weights.npy", "theta.npy", "assignments.npy", "proportions.npy")


def eth(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "spiketorch.eth", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300)


def cpp(program, *args):
    return subprocess.run([str(program), *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def ok(r):
    assert r.returncode == 0, f"exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    return r


def accuracy_line(stdout):
    m = re.search(r"^test accuracy: .*$", stdout, re.M)
    assert m, stdout
    return m.group(0)


def last_window_line(stderr):
    """The accuracy of the last training window under the labels of the one before, as both
    programs print it on stderr."""
    found = re.findall(r"last \d+: [0-9.]+% all-activity, [0-9.]+% proportion", stderr)
    assert found, stderr
    return found[-1]


def report(path):
    with open(path) as f:
        return json.load(f)


def assert_same_checkpoint(a, b):
    for name in CHECKPOINT_FILES:
        x, y = np.load(os.path.join(a, name)), np.load(os.path.join(b, name))
        assert x.dtype == y.dtype and x.shape == y.shape, name
        assert np.array_equal(x, y), f"{name} differs between {a} and {b}"


@pytest.fixture(scope="module")
def cpp_run(mnist_dir, mnist_program, tmp_path_factory):
    """The C++ program's small run: its --json report, stdout and checkpoint."""
    d = tmp_path_factory.mktemp("cpp")
    r = ok(cpp(mnist_program, *SMALL, "--data", mnist_dir, "--save", d / "ck", "--json",
               d / "report.json"))
    return {"report": report(d / "report.json"), "stdout": r.stdout, "stderr": r.stderr,
            "checkpoint": d / "ck"}


# -- command line ----------------------------------------------------------------------------
def test_help_lists_the_options():
    r = ok(eth("--help"))
    for option in ("--n_neurons", "--mode", "--plot", "--plot_dir", "--n_train", "--n_test",
                   "--n_label", "--no-label-pass", "--epochs", "--seed", "--update_interval",
                   "--data", "--save", "--load", "--threads", "--dt", "--time", "--rest",
                   "--intensity", "--json", "--synapse_decay", "--quiet", "--help"):
        assert option in r.stdout, option
    assert r.stderr == ""


def test_example_script_runs_the_module():
    script = os.path.join(REPO, "examples", "python", "eth.py")
    r = subprocess.run([sys.executable, script, "--help"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert "--n_neurons" in r.stdout


@pytest.mark.parametrize("args, option", [
    (["--n_neurons", "-1"], "--n_neurons"),
    (["--n_train", "ten"], "--n_train"),
    (["--dt", "nan"], "--dt"),
    (["--mode", "validate"], "--mode"),
    (["--threads", "0"], "--threads"),
    (["--n_test", "10001"], "--n_test"),
    (["--n_train", "0"], "--n_train"),
    (["--update_interval", "0"], "--update_interval"),
    (["--mode", "test"], "--load"),
    (["--mode", "test", "--load", "ck", "--seed", "1"], "--seed"),
    (["--load", "ck"], "--load"),
    (["--save", ""], "--save"),
    (["--no-such-option"], "--no-such-option"),
    # Checked by the model's own parameter validation, reported under the option's name.
    (["--dt", "20"], "--dt"),
    (["--time", "0.3"], "--time"),
    (["--intensity", "100"], "--intensity"),
    (["--n_neurons", "1"], "--n_neurons"),
    (["--epochs", "1000000"], "--epochs"),
])
def test_bad_options_exit_2_naming_the_option(args, option, tmp_path):
    # No data anywhere near: a bad command line is refused before the data are looked for.
    r = eth(*args, cwd=tmp_path)
    assert r.returncode == 2, (args, r.returncode, r.stdout, r.stderr)
    error = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and option in error[0], r.stderr
    assert "Traceback" not in r.stderr


def test_missing_data_dir_is_a_clear_error(tmp_path):
    missing = tmp_path / "no_mnist_here"
    r = eth("--n_neurons", "20", "--n_train", "10", "--data", missing)
    assert r.returncode == 1, r.stderr
    assert f"--data {missing} is not a directory" in r.stderr
    assert "Traceback" not in r.stderr
    r = eth("--n_neurons", "20", "--n_train", "10", cwd=tmp_path)  # nothing to fall back to
    assert r.returncode == 1 and "no MNIST data found" in r.stderr, r.stderr


@pytest.mark.parametrize("args, message", [
    (["--save", "notes"], "--save: refusing to replace 'notes': it is a non-empty directory "
                          "without manifest.json"),
    (["--plot_dir", "notes/keep.txt"], "--plot notes/keep.txt exists and is not a directory"),
    (["--plot", "notes/keep.txt"], "--plot notes/keep.txt exists and is not a directory"),
    (["--json", "notes"], "--json notes is a directory"),
    (["--json", "missing/report.json"], "missing does not exist"),
    (["--save", "ck", "--plot_dir", "ck/figures"], "lies in the --save directory ck"),
])
def test_unusable_output_paths_fail_before_training(args, message, mnist_dir, tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("not a checkpoint")
    r = eth(*SMALL, "--data", mnist_dir, *args, cwd=tmp_path,
            env=dict(os.environ, MPLBACKEND="Agg"))
    assert r.returncode == 1 and message in r.stderr, r.stderr
    assert "training:" not in r.stdout + r.stderr
    assert (tmp_path / "notes" / "keep.txt").read_text() == "not a checkpoint"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes"]


# -- results against the C++ program ----------------------------------------------------------
def test_same_accuracies_and_checkpoint_as_the_cpp_program(cpp_run, mnist_dir, tmp_path):
    r = ok(eth(*SMALL, "--data", mnist_dir, "--save", tmp_path / "ck", "--json",
               tmp_path / "report.json"))
    ours, theirs = report(tmp_path / "report.json"), cpp_run["report"]
    for key in ("accuracy_all_activity", "accuracy_proportion", "confusion_all_activity"):
        assert ours["test"][key] == theirs["test"][key], key
    assert accuracy_line(r.stdout) == accuracy_line(cpp_run["stdout"])
    assert ours["label"]["unassigned_neurons"] == theirs["label"]["unassigned_neurons"]
    assert ours["params"] == theirs["params"]
    assert_same_checkpoint(tmp_path / "ck", cpp_run["checkpoint"])
    # Three windows scored (the first has no labels yet); the last one as the C++ program's.
    assert last_window_line(r.stderr) == last_window_line(cpp_run["stderr"])
    windows = ours["train"]["window_accuracy"]
    assert [w[0] for w in windows] == [100, 150, 200]
    assert last_window_line(r.stderr) == (f"last 50: {100 * windows[-1][1]:.1f}% all-activity, "
                                          f"{100 * windows[-1][2]:.1f}% proportion")


def test_epochs_partial_window_and_no_label_pass_as_the_cpp_program(mnist_program, mnist_dir,
                                                                    tmp_path):
    # 2 x 70 examples in windows of 30: four full windows and a partial one (trained, unscored);
    # the labels come from the last full window.
    args = ["--n_neurons", "12", "--n_train", "70", "--epochs", "2", "--update_interval", "30",
            "--no-label-pass", "--n_test", "100", "--seed", "5", "--threads", "1", "--quiet",
            "--data", mnist_dir]
    c = ok(cpp(mnist_program, *args, "--save", tmp_path / "cpp"))
    r = ok(eth(*args, "--save", tmp_path / "py"))
    assert accuracy_line(r.stdout) == accuracy_line(c.stdout)
    assert_same_checkpoint(tmp_path / "py", tmp_path / "cpp")


def test_mode_test_on_the_cpp_checkpoint(cpp_run, mnist_dir, tmp_path):
    r = ok(eth("--mode", "test", "--load", cpp_run["checkpoint"], "--n_test", "200", "--data",
               mnist_dir, "--threads", "3", "--json", tmp_path / "report.json"))
    ours, theirs = report(tmp_path / "report.json"), cpp_run["report"]
    # The test pass starts from the rested state with its own example ids: a loaded checkpoint
    # classifies exactly as the network that was just trained.
    for key in ("accuracy_all_activity", "accuracy_proportion", "confusion_all_activity"):
        assert ours["test"][key] == theirs["test"][key], key
    assert accuracy_line(r.stdout) == accuracy_line(cpp_run["stdout"])
    assert "training:" not in r.stdout


def test_mode_test_relabel_as_the_cpp_program(cpp_run, mnist_program, mnist_dir):
    args = ["--mode", "test", "--load", cpp_run["checkpoint"], "--n_label", "100", "--n_test",
            "150", "--data", mnist_dir, "--threads", "2", "--quiet"]
    c, r = ok(cpp(mnist_program, *args)), ok(eth(*args))
    assert accuracy_line(r.stdout) == accuracy_line(c.stdout)
    assert "labelling: 100 training examples" in r.stdout


# -- figures -----------------------------------------------------------------------------------
FIGURES = ("weights", "theta", "assignments", "accuracy", "input", "counts", "confusion")


@pytest.mark.parametrize("plot_args, env_change, directory, message", [
    (["--plot"], {"MPLBACKEND": "Agg", "DISPLAY": None}, "plots", "Agg backend"),
    (["--plot_dir", "figs"], {"MPLBACKEND": "Agg"}, "figs", None),
    # A display that matplotlib cannot open: it falls back to Agg itself, and so do we.
    (["--plot", "figs"], {"MPLBACKEND": None, "DISPLAY": ":4999"}, "figs", "cannot show windows"),
])
def test_plot_without_a_display_saves_the_figures(plot_args, env_change, directory, message,
                                                  mnist_dir, tmp_path):
    env = dict(os.environ)
    for key, value in env_change.items():
        env.pop(key, None)
        if value is not None:
            env[key] = value
    r = ok(eth("--n_neurons", "16", "--n_train", "100", "--update_interval", "50", "--n_test",
               "50", "--seed", "1", "--data", mnist_dir, "--save", "ck", *plot_args,
               cwd=tmp_path, env=env))
    out = tmp_path / directory
    for name in FIGURES:
        with open(out / f"{name}.png", "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n", name
    if message is not None:
        assert message in r.stderr and directory in r.stderr, r.stderr
    # The data behind the figures: the last window ends with training, so its weights are the
    # checkpoint's.
    assert np.array_equal(np.load(out / "weights.npy"), np.load(tmp_path / "ck" / "weights.npy"))
    assert np.load(out / "accuracy.npy").shape == (1, 3)  # the second of two windows scored
    assert np.load(out / "confusion.npy").sum() == 50


def test_ctrl_c_stops_training_cleanly(mnist_dir):
    # SIGINT as the terminal sends it (a shell's background job would ignore it).
    p = subprocess.Popen([sys.executable, "-m", "spiketorch.eth", "--n_neurons", "20", "--n_train",
                          "20000", "--update_interval", "100", "--data", str(mnist_dir)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        for line in p.stderr:  # training is under way once the first window is reported
            if line.startswith("training: 100 / 20000"):
                break
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    finally:
        p.kill()
    assert p.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert "test accuracy" not in out


def test_plot_live_draws_every_figure(mnist_dir, tmp_path):
    # A stand-in GUI backend (eth_live_backend.py) logs what is shown and redrawn.
    log = tmp_path / "backend.log"
    env = dict(os.environ, MPLBACKEND="module://eth_live_backend", ETH_LIVE_BACKEND_LOG=str(log),
               PYTHONPATH=os.path.dirname(os.path.abspath(__file__)))
    r = ok(subprocess.run([sys.executable, "-m", "spiketorch.eth", "--n_neurons", "16",
                           "--n_train", "100", "--update_interval", "50", "--n_test", "50",
                           "--data", str(mnist_dir), "--plot", "--quiet"], cwd=tmp_path, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300))
    events = log.read_text().splitlines()
    for name in FIGURES:
        # Once per update: two training windows (the first one unscored), or the test.
        drawn = events.count(f"draw {name}")
        assert drawn == {"accuracy": 1, "confusion": 1}.get(name, 2), (name, events)
        assert f"show {name}" in events, name
    assert "mainloop" not in events  # no terminal on stdin: the run ends without waiting
    assert list(tmp_path.iterdir()) == [log], "live figures alone write no files"
    assert "figures written" not in r.stdout


def test_plot_live_keeps_the_windows_open_on_a_terminal(mnist_dir, tmp_path):
    log = tmp_path / "backend.log"
    env = dict(os.environ, MPLBACKEND="module://eth_live_backend", ETH_LIVE_BACKEND_LOG=str(log),
               PYTHONPATH=os.path.dirname(os.path.abspath(__file__)))
    leader, terminal = os.openpty()  # stdin a terminal: an interactive run
    try:
        r = ok(subprocess.run([sys.executable, "-m", "spiketorch.eth", "--n_neurons", "8",
                               "--n_train", "20", "--update_interval", "20", "--n_test", "0",
                               "--data", str(mnist_dir), "--plot", "--quiet"], cwd=tmp_path,
                              env=env, stdin=terminal, capture_output=True, text=True,
                              timeout=300))
    finally:
        os.close(leader)
        os.close(terminal)
    # The stand-in's event loop returns at once, as a GUI's does when its windows are closed.
    assert log.read_text().splitlines()[-1] == "mainloop"
    assert "close the figure windows" in r.stderr
