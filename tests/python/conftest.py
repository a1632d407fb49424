"""Shared fixtures of the Python package's tests (run by ./test.sh against the installed package:
scripts/install_python.sh, then `python -m pytest tests/python`)."""
import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def _first_existing(*candidates):
    for c in candidates:
        if c and pathlib.Path(c).exists():
            return pathlib.Path(c)
    return None


@pytest.fixture(scope="session")
def mnist_dir():
    """The MNIST files (data/mnist, else ../shared/data/mnist, else $SPIKETORCH_MNIST_DIR)."""
    d = _first_existing(os.environ.get("SPIKETORCH_MNIST_DIR"), REPO / "data" / "mnist",
                        REPO.parent / "shared" / "data" / "mnist")
    if d is None or not any(d.glob("train-images-idx3-ubyte*")):
        pytest.skip("MNIST not found (data/get_mnist.sh fetches it)")
    return d


@pytest.fixture(scope="session")
def mnist_program():
    """The C++ MNIST program ($SPIKETORCH_MNIST_PROGRAM, else build-test/ or build/), for
    comparisons with the Python package."""
    p = _first_existing(os.environ.get("SPIKETORCH_MNIST_PROGRAM"),
                        REPO / "build-test" / "examples" / "mnist" / "spiketorch_mnist",
                        REPO / "build" / "examples" / "mnist" / "spiketorch_mnist")
    if p is None:
        pytest.skip("the C++ program spiketorch_mnist is not built (set SPIKETORCH_MNIST_PROGRAM)")
    return p


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A fresh compile cache for described networks."""
    d = tmp_path / "cache"
    monkeypatch.setenv("SPIKETORCH_CACHE_DIR", str(d))
    return d
