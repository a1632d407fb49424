"""spiketorch.load_mnist against an independent reading of the IDX files in Python."""
import gzip
import pathlib
import struct

import numpy as np
import pytest

import spiketorch


def _read_idx(path: pathlib.Path) -> np.ndarray:
    """The IDX format (big-endian header: 0, 0, type 0x08 = uint8, rank; then the dims) by hand."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, rank = struct.unpack(">HBB", data[:4])
    assert zero == 0 and dtype == 0x08
    shape = struct.unpack(f">{rank}I", data[4:4 + 4 * rank])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * rank).reshape(shape)


def _file(directory: pathlib.Path, base: str) -> pathlib.Path:
    raw = directory / base
    return raw if raw.exists() else directory / (base + ".gz")


@pytest.mark.parametrize("split,prefix,n", [("train", "train", 500), ("test", "t10k", 300)])
def test_load_mnist_equals_the_files(mnist_dir, split, prefix, n):
    images, labels = spiketorch.load_mnist(mnist_dir, split, n=n)
    assert images.dtype == np.uint8 and labels.dtype == np.uint8
    assert images.shape == (n, 28, 28) and labels.shape == (n,)
    ref_images = _read_idx(_file(mnist_dir, f"{prefix}-images-idx3-ubyte"))
    ref_labels = _read_idx(_file(mnist_dir, f"{prefix}-labels-idx1-ubyte"))
    np.testing.assert_array_equal(images, ref_images[:n])
    np.testing.assert_array_equal(labels, ref_labels[:n])


def test_load_mnist_whole_test_split(mnist_dir):
    images, labels = spiketorch.load_mnist(str(mnist_dir), split="test")
    assert images.shape == (10000, 28, 28) and labels.shape == (10000,)
    assert set(np.unique(labels)) == set(range(10))
    # n: numpy integers too; beyond the split's size (even beyond 64 bits), all of it.
    assert spiketorch.load_mnist(mnist_dir, "test", n=np.int64(3))[1].shape == (3,)
    np.testing.assert_array_equal(spiketorch.load_mnist(mnist_dir, "test", n=2**70)[1], labels)


def test_load_mnist_errors(mnist_dir, tmp_path):
    with pytest.raises(ValueError, match="split"):
        spiketorch.load_mnist(mnist_dir, "validation")
    with pytest.raises(ValueError, match="n must be"):
        spiketorch.load_mnist(mnist_dir, "train", n=0)
    with pytest.raises(ValueError, match="n must be .*, got -18446744073709551616"):
        spiketorch.load_mnist(mnist_dir, "train", n=-2**64)
    with pytest.raises(TypeError, match="n must be"):
        spiketorch.load_mnist(mnist_dir, "train", n=2.5)
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError, match="nowhere"):
        spiketorch.load_mnist(missing)
    # A directory without the files: an OSError naming the file it looked for.
    with pytest.raises(OSError, match="train-images-idx3-ubyte"):
        spiketorch.load_mnist(tmp_path)
    labels = _file(mnist_dir, "train-labels-idx1-ubyte")
    (tmp_path / labels.name).write_bytes(labels.read_bytes())
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03garbage")
    with pytest.raises(OSError, match="train-images-idx3-ubyte"):
        spiketorch.load_mnist(tmp_path)
