"""spiketorch.DiehlCook2015 against the C++ program (spiketorch_mnist), bit for bit: the same
checkpoint files after training, the same labels and test accuracy; checkpoints both ways; the
zero-copy views; errors; Ctrl-C."""
import gc
import json
import pathlib
import signal
import subprocess
import sys
import textwrap
import threading
import time
import weakref

import numpy as np
import pytest

import spiketorch
from spiketorch import DiehlCook2015

ARRAYS = ("weights", "theta", "assignments", "proportions")
TEST_IDS = 1 << 23  # the C++ program's first test example id (examples/mnist/program.hpp)


@pytest.fixture(scope="module")
def train_set(mnist_dir):
    return spiketorch.load_mnist(mnist_dir, "train", n=300)


@pytest.fixture(scope="module")
def test_set(mnist_dir):
    return spiketorch.load_mnist(mnist_dir, "test", n=200)


def run_program(program, mnist_dir, *args):
    r = subprocess.run([str(program), "--data", str(mnist_dir), "--quiet", *map(str, args)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"{program} {' '.join(map(str, args))}:\n{r.stdout}\n{r.stderr}"
    return r.stdout


def manifest(directory):
    return json.loads((pathlib.Path(directory) / "manifest.json").read_text())["parameters"]


def assert_same_checkpoint(a, b):
    for name in ARRAYS:
        fa, fb = pathlib.Path(a) / f"{name}.npy", pathlib.Path(b) / f"{name}.npy"
        assert fa.read_bytes() == fb.read_bytes(), f"{name}.npy differs"
    ma, mb = manifest(a), manifest(b)
    assert ma["params"] == mb["params"]
    assert ma["examples_trained"] == mb["examples_trained"]


@pytest.fixture(scope="module")
def cpp_checkpoint(mnist_program, mnist_dir, tmp_path_factory):
    """The C++ program's checkpoint after 300 training examples, labels from their responses."""
    d = tmp_path_factory.mktemp("cpp") / "ckpt"
    run_program(mnist_program, mnist_dir, "--n_neurons", 100, "--seed", 0, "--threads", 1,
                "--n_train", 300, "--n_test", 0, "--no-label-pass", "--save", d)
    return d


def test_training_gives_the_cpp_checkpoint(cpp_checkpoint, train_set, tmp_path):
    images, labels = train_set
    m = DiehlCook2015(n_neurons=100, seed=0)
    counts = m.train(images[:300], progress=False)
    assert counts.dtype == np.uint32 and counts.shape == (300, 100)
    assert m.examples_trained == 300
    m.assign_labels(counts, labels[:300])
    m.save(tmp_path / "py")
    assert_same_checkpoint(cpp_checkpoint, tmp_path / "py")


def test_labelling_and_test_pass_match_the_cpp_program(mnist_program, mnist_dir, train_set,
                                                       test_set, tmp_path):
    n_train, n_test = 120, 200
    report = tmp_path / "report.json"
    run_program(mnist_program, mnist_dir, "--n_neurons", 40, "--seed", 3, "--threads", 2,
                "--n_train", n_train, "--n_test", n_test, "--save", tmp_path / "cpp",
                "--json", report)
    images, labels = train_set
    m = DiehlCook2015(n_neurons=40, seed=3)
    m.train(images[:n_train], progress=False)
    # The program labels from a frozen pass over the training images, ids from 0.
    m.assign_labels(m.respond(images[:n_train], threads=2, progress=False), labels[:n_train])
    m.save(tmp_path / "py")
    assert_same_checkpoint(tmp_path / "cpp", tmp_path / "py")
    test_images, test_labels = test_set
    counts = m.respond(test_images, threads=3, progress=False, first_id=TEST_IDS)
    expected = json.loads(report.read_text())["test"]
    for method, key in (("all", "accuracy_all_activity"), ("proportion", "accuracy_proportion")):
        predicted = m.predict(counts, method=method)
        assert predicted.dtype == np.int64 and predicted.shape == (n_test,)
        assert np.mean(predicted == test_labels) == expected[key]
    # Responses depend on the ids, not on the number of threads.
    np.testing.assert_array_equal(
        counts, m.respond(test_images, threads=1, progress=False, first_id=TEST_IDS))


def test_load_of_a_cpp_checkpoint(cpp_checkpoint, mnist_program, mnist_dir, test_set, tmp_path):
    m = DiehlCook2015.load(cpp_checkpoint)
    for name in ("weights", "theta", "assignments", "proportions"):
        np.testing.assert_array_equal(getattr(m, name), np.load(cpp_checkpoint / f"{name}.npy"))
    assert m.weights.dtype == np.float32 and m.weights.shape == (784, 100)
    assert m.theta.dtype == np.float32 and m.assignments.dtype == np.int32
    assert m.examples_trained == 300 and m.n_neurons == 100
    assert m.params == manifest(cpp_checkpoint)["params"]
    # Its test accuracy is the C++ program's on the same checkpoint.
    report = tmp_path / "test.json"
    run_program(mnist_program, mnist_dir, "--mode", "test", "--load", cpp_checkpoint,
                "--threads", 2, "--n_test", 100, "--json", report)
    images, labels = test_set
    counts = m.respond(images[:100], threads=2, progress=False, first_id=TEST_IDS)
    expected = json.loads(report.read_text())["test"]
    assert np.mean(m.predict(counts) == labels[:100]) == expected["accuracy_all_activity"]


def test_save_load_round_trip(train_set, tmp_path):
    images, labels = train_set
    m = DiehlCook2015(n_neurons=20, seed=5, time_ms=200.0, exc={"theta_plus_mv": 0.1})
    m.assign_labels(m.train(images[:30], progress=False), labels[:30])
    m.save(tmp_path / "a")
    back = DiehlCook2015.load(tmp_path / "a")
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(back, name), getattr(m, name))
    assert back.params == m.params and back.params["exc"]["theta_plus_mv"] == 0.1
    assert back.examples_trained == 30
    np.testing.assert_array_equal(back.respond(images[30:40], progress=False),
                                  m.respond(images[30:40], progress=False))
    back.save(tmp_path / "b")
    assert_same_checkpoint(tmp_path / "a", tmp_path / "b")
    # Training goes on from a checkpoint (which holds no membrane state or input-spike position,
    # so not the very spikes the model in memory would produce).
    back.train(images[40:45], progress=False)
    assert back.examples_trained == 35


def test_weights_and_theta_are_views(train_set):
    images, _ = train_set
    m = DiehlCook2015(n_neurons=10, seed=1)
    before = m.respond(images[:20], progress=False)
    w = m.weights
    assert np.shares_memory(w, m.weights) and w.flags.writeable
    w *= 3
    np.testing.assert_array_equal(m.weights, w)
    after = m.respond(images[:20], progress=False)
    assert after.sum() > before.sum()
    theta = m.theta
    theta += 100.0  # thresholds far above reach: (almost) nothing fires
    assert np.shares_memory(theta, m.theta)
    assert m.respond(images[:20], progress=False).sum() < after.sum()


def test_a_view_keeps_the_model_alive(train_set):
    m = DiehlCook2015(n_neurons=10, seed=1)
    core = weakref.ref(m._core)
    w = m.weights
    expected = w.copy()
    del m
    gc.collect()
    assert core() is not None
    np.testing.assert_array_equal(w, expected)
    w[0, 0] = 0.5  # still the network's memory, writable
    del w
    gc.collect()
    assert core() is None


def test_image_forms(train_set):
    images, _ = train_set

    class FakeTensor:  # what torch.Tensor offers: detach().cpu().numpy()
        def __init__(self, a):
            self.a = a

        def detach(self):
            return self

        def cpu(self):
            return self

        def numpy(self):
            return self.a

    a, b, c = (DiehlCook2015(n_neurons=10, seed=2) for _ in range(3))
    ca = a.train(images[:6], progress=False)
    cb = b.train(FakeTensor(images[:6].reshape(6, 784).astype(np.int64)), progress=False)
    cc = np.concatenate([c.train(images[i].reshape(784).tolist(), progress=False)
                         for i in range(6)])
    np.testing.assert_array_equal(ca, cb)
    np.testing.assert_array_equal(ca, cc)
    np.testing.assert_array_equal(a.weights, c.weights)
    assert c.examples_trained == 6


def test_progress_bar_on_stderr(train_set, capfd):
    images, _ = train_set
    m = DiehlCook2015(n_neurons=10, seed=2)
    m.train(images[:3])
    m.respond(images[:3], progress=False)
    err = capfd.readouterr().err
    assert "training" in err and "3/3" in err and "responding" not in err


def test_bad_parameters():
    with pytest.raises(ValueError, match="unknown parameter 'bogus'"):
        DiehlCook2015(bogus=1.0)
    with pytest.raises(ValueError, match="'exc.tau_theta_mss'"):
        DiehlCook2015(exc={"tau_theta_mss": 1e7})
    with pytest.raises(ValueError, match="'time_ms' must be a finite number"):
        DiehlCook2015(time_ms=float("nan"))
    with pytest.raises(ValueError, match="'stdp.nu_post' must be a finite number"):
        DiehlCook2015(stdp={"nu_post": float("inf")})
    with pytest.raises(ValueError, match="n_neurons must be at least 2, got 0"):
        DiehlCook2015(n_neurons=0)
    with pytest.raises(ValueError, match="'n_neurons' must be an integer"):
        DiehlCook2015(n_neurons=-5)
    with pytest.raises(ValueError, match="exc is out of range"):
        DiehlCook2015(exc={"tau_m_ms": -1.0})
    with pytest.raises(ValueError, match="'exc_synapses.scheme' must be"):
        DiehlCook2015(exc_synapses={"scheme": "rk4"})
    with pytest.raises(TypeError, match="'norm' must be a number"):
        DiehlCook2015(norm=[78.0])
    # Accepted: numpy scalars, enums by name.
    m = DiehlCook2015(n_neurons=np.int64(4), norm=np.float32(70.0),
                      exc_synapses={"scheme": "forward_euler"})
    assert m.params["norm"] == 70.0 and m.params["exc_synapses"]["scheme"] == "forward_euler"
    # 0-d arrays as their element (numpy's __index__ refuses a float one).
    m = DiehlCook2015(n_neurons=np.array(4), time_ms=np.array(300.0))
    assert m.n_neurons == 4 and m.params["time_ms"] == 300.0


def test_bad_arguments(train_set, tmp_path):
    images, labels = train_set
    m = DiehlCook2015(n_neurons=10, seed=0)
    with pytest.raises(ValueError,
                       match=r"images must have the shape \[n, 28, 28\].*\(3, 27, 28\)"):
        m.train(np.zeros((3, 27, 28), np.uint8))
    with pytest.raises(ValueError, match="images must have the shape"):
        m.respond(np.zeros((28, 28), np.uint8))
    with pytest.raises(TypeError, match="images must be pixel intensities.*float32"):
        m.train(np.zeros((2, 784), np.float32))
    with pytest.raises(ValueError, match="images must be in 0..255"):
        m.train(np.full((1, 784), 300, np.int32))
    with pytest.raises(ValueError, match="assign_labels"):
        m.predict(np.zeros((2, 10), np.uint32))
    counts = m.train(images[:5], progress=False)
    with pytest.raises(ValueError, match=r"labels must have the shape \[5\]"):
        m.assign_labels(counts, labels[:4])
    with pytest.raises(ValueError, match="labels must be in 0..9"):
        m.assign_labels(counts, [1, 2, 3, 4, 10])
    with pytest.raises(ValueError, match=r"counts must have the shape \[n, 10\]"):
        m.assign_labels(counts[:, :9], labels[:5])
    m.assign_labels(counts, labels[:5])
    with pytest.raises(ValueError, match="'bogus'"):
        m.predict(counts, method="bogus")
    with pytest.raises(ValueError, match="threads"):
        m.respond(images[:2], threads=0)
    assert m.examples_trained == 5  # nothing above trained
    with pytest.raises(FileNotFoundError, match="nowhere"):
        DiehlCook2015.load(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(OSError, match="not a checkpoint"):
        DiehlCook2015.load(tmp_path / "empty")
    (tmp_path / "file").write_text("")
    with pytest.raises(OSError, match="'.*file' is not a directory"):
        DiehlCook2015.load(tmp_path / "file")
    # Arrays that do not match the manifest: OSError naming the file, as for a damaged manifest.
    m.save(tmp_path / "ten")
    text = (tmp_path / "ten" / "manifest.json").read_text()
    (tmp_path / "ten" / "manifest.json").write_text(
        text.replace('"n_neurons": 10', '"n_neurons": 12'))
    with pytest.raises(OSError, match=r"weights.npy: shape \(784, 10\), expected \(784, 12\)"):
        DiehlCook2015.load(tmp_path / "ten")
    # What load would refuse is not saved (values written through the views).
    m.theta[3] = np.nan
    with pytest.raises(ValueError, match="theta nan of neuron 3 is not a finite value >= 0"):
        m.save(tmp_path / "nan")
    m.theta[3] = 0.0
    m.weights[5, 2] = -1.0
    with pytest.raises(ValueError, match="weight -1 of input 5 to neuron 2"):
        m.save(tmp_path / "nan")
    assert not (tmp_path / "nan").exists()


def test_long_calls_release_the_gil(train_set):
    """Another Python thread runs while the model trains; a second call on the same model is
    refused meanwhile rather than racing it."""
    images, _ = train_set
    m = DiehlCook2015(n_neurons=100, seed=0)
    work = np.tile(images, (4, 1, 1))  # 1200 examples: ~1 s
    done = threading.Event()
    trainer = threading.Thread(target=lambda: (m.train(work, progress=False), done.set()))
    ticks, busy, busy_labelling = 0, None, None
    trainer.start()
    while not done.is_set() and ticks < 10_000:
        time.sleep(0.005)  # wakes up only if the training thread lets go of the GIL
        ticks += 1
        if busy is None:
            try:
                m.respond(images[:1], progress=False)
            except RuntimeError as e:
                busy = str(e)
        if busy_labelling is None:  # (save reads the labels without the GIL)
            try:
                m.assign_labels(np.zeros((1, 100), np.uint32), [0])
            except RuntimeError as e:
                busy_labelling = str(e)
    trainer.join()
    assert m.examples_trained == len(work)
    assert ticks >= 20, ticks
    assert busy is not None and "busy" in busy
    assert busy_labelling is not None and "busy" in busy_labelling


CHILD = textwrap.dedent("""
    import sys, time
    import numpy as np
    import spiketorch
    images, _ = spiketorch.load_mnist(sys.argv[1], "train", n=500)
    work = np.tile(images, (int(sys.argv[3]), 1, 1))
    m = spiketorch.DiehlCook2015(n_neurons=100, seed=0)
    print("ready", flush=True)
    t = time.monotonic()
    try:
        if sys.argv[2] == "train":
            m.train(work, progress=False)
        else:
            m.respond(work, threads=2, progress=False)
    except KeyboardInterrupt:
        print("interrupted", m.examples_trained, len(work), flush=True)
        m.train(images[:2], progress=False)  # the model is still usable
        print("after", m.examples_trained, flush=True)
        sys.exit(0)
    print("finished", time.monotonic() - t, flush=True)
    sys.exit(3)
""")


@pytest.mark.parametrize("call", ["train", "respond"])
def test_ctrl_c_stops_between_examples(mnist_dir, tmp_path, call):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    # 100 000 examples: over a minute uninterrupted at ~1 ms each.
    p = subprocess.Popen([sys.executable, str(script), str(mnist_dir), call, "200"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        time.sleep(1.0)
        sent = time.monotonic()
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
        stopped_after = time.monotonic() - sent
    finally:
        p.kill()
    assert p.returncode == 0, f"exit {p.returncode}\n{out}\n{err}"
    lines = out.split("\n")
    _, done, total = lines[0].split()
    done, total = int(done), int(total)
    assert stopped_after < 5.0
    if call == "train":
        assert 1 <= done < total
        assert lines[1] == f"after {done + 2}"
    else:
        assert done == 0 and lines[1] == "after 2"
