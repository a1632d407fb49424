#!/usr/bin/env python3
"""Runs the MNIST program on a corpus of bad inputs and checks that each one is refused well.

    bad_input_corpus.py [options] path/to/spiketorch_mnist

Every case is a command line, a data folder, a checkpoint or an output path that a correct
program must refuse: exit status 1 or 2, "error:" on stderr with a message that names the option
or file at fault, no sanitizer report, no temporary files left behind and, for output paths, the
refusal before any training or evaluation (the work would otherwise be lost). The inputs are
generated here, in a temporary folder, from tiny IDX files and one tiny checkpoint that the
program itself writes first, so the corpus needs neither MNIST nor NumPy.

A case fails as a crash (a signal, 134, 139, any status but 0, 1 and 2), a hang (no exit within
--timeout seconds), a wrong exit 0, a sanitizer report, an unclear message (no "error:" or none of
the names expected), a stray temporary file or a late refusal. One line per failing case, then
the summary; exit status 1 when any case failed.
"""

import argparse
import concurrent.futures
import copy
import dataclasses
import gzip
import json
import os
import re
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# ------------------------------------------------------------------------------------------------
# Cases


@dataclasses.dataclass
class Case:
    """One run of the program. `expect`: substrings of which stderr must hold at least one."""

    name: str
    category: str
    expect: tuple
    dir: Path
    args: list = dataclasses.field(default_factory=list)
    output_path: bool = False  # refused before training, labelling or testing starts
    result: str = ""
    detail: str = ""


class Corpus:
    def __init__(self, root: Path):
        self.root = root
        self.cases: list[Case] = []
        self.names: set[str] = set()

    def case(self, category, name, expect, output_path=False):
        """A new case with an empty folder of its own (the program's working directory)."""
        full = f"{category}: {name}"
        if full in self.names:
            raise SystemExit(f"bad_input_corpus.py: case '{full}' defined twice")
        self.names.add(full)
        d = self.root / "cases" / f"{len(self.cases):03d}"
        d.mkdir(parents=True)
        c = Case(full, category, (expect,) if isinstance(expect, str) else tuple(expect), d,
                 output_path=output_path)
        self.cases.append(c)
        return c


# ------------------------------------------------------------------------------------------------
# Tiny IDX files and checkpoints

IMAGES, LABELS = "images", "labels"
FILES = {  # name -> (split, kind)
    "train-images-idx3-ubyte": ("train", IMAGES),
    "train-labels-idx1-ubyte": ("train", LABELS),
    "t10k-images-idx3-ubyte": ("test", IMAGES),
    "t10k-labels-idx1-ubyte": ("test", LABELS),
}
TRAIN_LABELS = [1, 7, 3, 9]
TEST_LABELS = [7, 2, 1]


def idx(dims, payload=b"", dtype=0x08, rank=None):
    rank = len(dims) if rank is None else rank
    return bytes([0, 0, dtype, rank]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def pixels(count, rows=28, cols=28, seed=0):
    # Bright enough to make the input layer spike within a few milliseconds.
    return bytes((i * 37 + seed * 101 + 11) % 256 for i in range(count * rows * cols))


def images_idx(count, rows=28, cols=28, seed=0):
    return idx([count, rows, cols], pixels(count, rows, cols, seed))


def labels_idx(labels):
    return idx([len(labels)], bytes(labels))


def good_files():
    return {
        "train-images-idx3-ubyte": images_idx(len(TRAIN_LABELS)),
        "train-labels-idx1-ubyte": labels_idx(TRAIN_LABELS),
        "t10k-images-idx3-ubyte": images_idx(len(TEST_LABELS), seed=1),
        "t10k-labels-idx1-ubyte": labels_idx(TEST_LABELS),
    }


def gz(data):
    return gzip.compress(data, mtime=0)


def touch(path: Path):
    path.write_text("not what was expected\n")
    return path


def write_data(folder: Path, files: dict):
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)


def npy(descr, shape, payload, fortran=False, header=None):
    """A version-1 .npy file; `header` replaces the dictionary text."""
    if header is None:
        dims = f"{shape[0]}," if len(shape) == 1 else ", ".join(map(str, shape))
        header = (f"{{'descr': '{descr}', 'fortran_order': {fortran}, "
                  f"'shape': ({dims}), }}")
    text = header.encode("latin-1")
    pad = 64 - (10 + len(text) + 1) % 64
    text += b" " * (pad % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + payload


def read_npy(path: Path):
    """(descr, shape, payload) of a version-1 .npy as the program writes it."""
    raw = path.read_bytes()
    n = struct.unpack("<H", raw[8:10])[0]
    header = raw[10:10 + n].decode("latin-1")
    descr = re.search(r"'descr': '([^']*)'", header).group(1)
    shape = tuple(int(x) for x in re.search(r"'shape': \(([^)]*)\)", header).group(1).split(",")
                  if x.strip())
    return descr, shape, raw[10 + n:]


def floats(values, fmt="f"):
    return struct.pack(f"<{len(values)}{fmt}", *values)


# ------------------------------------------------------------------------------------------------
# The cases


def fast_train(data):
    """Arguments of a tiny training run on `data` (each refusal must come before it ends)."""
    return ["--data", str(data), "--n_train", "2", "--n_test", "0", "--n_neurons", "3",
            "--time", "5", "--rest", "0", "--threads", "1", "--quiet"]


def fast_test(ckpt, data):
    return ["--mode", "test", "--load", str(ckpt), "--data", str(data), "--n_test", "2",
            "--threads", "1", "--quiet"]


def command_line_cases(corpus, data):
    base = fast_train(data)

    def add(name, extra, expect, args=None):
        corpus.case("option", name, expect).args = (base if args is None else args) + extra

    # Floating-point options: not numbers, not finite, out of range, too fine or too coarse. The
    # whole list once (they share one validator), a few of each kind for the other options.
    for opt in ("--dt", "--time", "--rest", "--intensity"):
        values = ("nan", "NaN", "-nan", "inf", "-inf", "+infinity", "1e309", "-1e309", "abc", "",
                  "1.5.5", "1,5", "2ms", "0x", "--", "1e", "-1", "-0.5", "-1e300")
        if opt != "--dt":
            values = ("nan", "inf", "-inf", "1e309", "abc", "", "1,5", "-1", "-1e300")
        for v in values:
            add(f"{opt} {v!r}", [f"{opt}={v}"], opt)
    for opt in ("--dt", "--time", "--intensity"):
        add(f"{opt} 0", [opt, "0"], opt)
        add(f"{opt} -0", [f"{opt}=-0"], opt)
    # Durations that make no presentation of at least one step, or one too long to ever end.
    add("--time 1e300", ["--time", "1e300"], "--time")
    add("--time 1e12", ["--time", "1e12"], "--time")
    add("--time 1e-7", ["--time", "1e-7"], "--time")
    add("--time 0.25 (less than one --dt step)", ["--time", "0.25"], "--time")
    add("--time 5.2 (not a whole number of steps)", ["--time", "5.2"], "--time")
    add("--dt 1e300", ["--dt", "1e300"], "--dt")
    add("--dt 1e-300", ["--dt", "1e-300"], "--dt")
    add("--dt 4e-320 (denormal)", ["--dt", "4e-320"], "--dt")
    add("--dt 10 with --time 5", ["--dt", "10"], ("--dt", "--time"))
    add("--rest 1e300", ["--rest", "1e300"], "--rest")
    add("--rest 1e15", ["--rest", "1e15"], "--rest")
    add("--rest 0.3 (not a whole number of steps)", ["--rest", "0.3"], "--rest")
    add("--intensity 1e300", ["--intensity", "1e300"], "--intensity")

    # Counts: not decimal non-negative integers, overflowing, zero where one is needed, huge.
    for opt in ("--n_neurons", "--epochs", "--n_train", "--n_label", "--n_test", "--seed",
                "--update_interval", "--threads"):
        values = ("-1", "1.5", "abc", "", "1e3", "0x10", "+5", "nan", "99999999999999999999",
                  "18446744073709551616", "5 5", "\u0663")  # the last: an Arabic-Indic digit 3
        if opt != "--n_neurons":
            values = ("-1", "1.5", "abc", "", "1e3", "18446744073709551616")
        for v in values:
            add(f"{opt} {v!r}", [f"{opt}={v}"], opt)
    for opt in ("--n_neurons", "--epochs", "--n_train", "--update_interval", "--threads"):
        add(f"{opt} 0", [opt, "0"], opt)
    add("--n_neurons 1", ["--n_neurons", "1"], "--n_neurons")
    add("--n_neurons 1e12", ["--n_neurons", "1000000000000"], "--n_neurons")
    add("--n_neurons 2^32", ["--n_neurons", "4294967296"], "--n_neurons")
    add("--n_neurons 2^62", ["--n_neurons", "4611686018427387904"], "--n_neurons")
    add("--n_neurons 2^64-1", ["--n_neurons", "18446744073709551615"], "--n_neurons")
    add("--n_train 60001", ["--n_train", "60001"], "--n_train")
    add("--n_test 10001", ["--n_test", "10001"], "--n_test")
    add("--n_label 60001", ["--n_label", "60001"], "--n_label")
    add("--threads 2^64-1", ["--threads", "18446744073709551615"], "--threads")
    add("--epochs 2^63 (x 2 examples wraps to 0)", ["--epochs", "9223372036854775808"], "--epochs")
    add("--epochs 922337203685477581 x --n_train 20",
        ["--epochs", "922337203685477581", "--n_train", "20"], ("--epochs", "--n_train"))
    add("--epochs 2^64-1", ["--epochs", "18446744073709551615"], "--epochs")

    # Names and choices.
    for v in ("learn", "", "TRAIN", "train ", "test,train"):
        add(f"--mode {v!r}", [f"--mode={v}"], "--mode")
    for v in ("gpu", "", "CPU", "cuda:0"):
        add(f"--device {v!r}", [f"--device={v}"], "--device")
    for v in ("rk4", "", "Euler", "forward_euler"):
        add(f"--synapse_decay {v!r}", [f"--synapse_decay={v}"], "--synapse_decay")
    for opt in ("--frobnicate", "--n-neurons", "--N_NEURONS", "--time_ms", "-n", "---time",
                "--quiet=maybe"):
        add(f"unknown {opt}", [opt], opt.split("=")[0])
    add("positional argument", ["extra"], "extra")
    add("positional number", ["100"], "100")
    for opt in ("--dt", "--n_neurons", "--data", "--mode", "--save", "--json"):
        add(f"{opt} without a value", [opt], opt)

    # Options the mode would ignore; empty paths.
    test = ["--mode", "test", "--load", "ckpt", "--data", str(data), "--quiet"]
    for extra in (["--n_neurons", "400"], ["--epochs", "2"], ["--n_train", "10"],
                  ["--no-label-pass"], ["--dt", "1"], ["--time", "300"], ["--rest", "100"],
                  ["--intensity", "3"], ["--seed", "3"], ["--update_interval", "5"],
                  ["--save", "out"], ["--synapse_decay", "euler"]):
        add(f"--mode test with {extra[0]}", extra, extra[0], test)
    add("--mode test without --load", [], "--load", ["--mode", "test", "--data", str(data)])
    add("--load in training", ["--load", "ckpt"], "--load")
    for opt in ("--data", "--save", "--plot", "--json"):
        add(f"{opt} ''", [opt, ""], opt)
    add("--load ''", [], "--load", ["--mode", "test", "--load", "", "--data", str(data)])


def data_cases(corpus, good):
    def add(name, files, expect, n_test=0, remove=(), extra=()):
        c = corpus.case("data", name, expect)
        d = c.dir / "data"
        content = good_files()
        for r in remove:
            del content[r]
        content.update(files)
        write_data(d, content)
        args = fast_train(d)
        args[args.index("--n_test") + 1] = str(n_test)
        c.args = args + list(extra)
        return c

    for name, (split, kind) in FILES.items():
        n_test = 3 if split == "test" else 0
        good_bytes = good_files()[name]
        count = len(TRAIN_LABELS) if split == "train" else len(TEST_LABELS)
        body = good_bytes[16:] if kind == IMAGES else good_bytes[8:]
        header = good_bytes[:16] if kind == IMAGES else good_bytes[:8]
        dims = [count, 28, 28] if kind == IMAGES else [count]

        def bad(what, content, expect=name, gz_name=False):
            add(f"{name}: {what}", {name + (".gz" if gz_name else ""): content}, expect, n_test,
                remove=(name,) if gz_name else ())

        # Magic number, data type and rank.
        bad("empty file", b"")
        bad("3 bytes", good_bytes[:3])
        bad("zip magic 'PK'", b"PK\x03\x04" + good_bytes[4:])
        bad("magic byte-swapped", good_bytes[3::-1] + good_bytes[4:])
        bad("magic of a text file", b"P5\n28 28\n255\n" + body)
        for code, type_name in ((0x09, "signed byte"), (0x0B, "int16"), (0x0C, "int32"),
                                (0x0D, "float32"), (0x0E, "float64")):
            if kind == IMAGES and split == "train" or code in (0x09, 0x0D):
                bad(f"dtype {type_name} (0x{code:02X})", idx(dims, body, dtype=code))
        if kind == IMAGES:
            bad("rank 1 (a label file)", idx([count * 784], body))
            bad("rank 2 (count, 784)", idx([count, 784], body))
            bad("rank 4 (count, 28, 28, 1)", idx([count, 28, 28, 1], body))
            bad("rank 0", bytes([0, 0, 8, 0]) + body)
            bad("zero rows", idx([count, 0, 28]))
            bad("20x20 images", images_idx(count, 20, 20))
            bad("32x32 images", images_idx(count, 32, 32))
            bad("28x27 images", images_idx(count, 28, 27))
            bad("1x1 images", images_idx(count, 1, 1))
            bad("dimensions that overflow 64 bits", idx([0xFFFFFFFF] * 3))
        else:
            bad("rank 2 (count, 1)", idx([count, 1], body))
            bad("rank 3 (an image file)", idx([count, 1, 1], body))
            bad(f"label 10 at index {count - 1}", labels_idx(([1] * (count - 1)) + [10]))
            bad("label 255 at index 0", labels_idx([255] + [1] * (count - 1)))
            if split == "train":
                bad("label 42 in the middle", labels_idx([1, 42] + [1] * (count - 2)))
        bad("zero count", idx([0] + dims[1:]))
        bad("count 2^32-1, data of the real count", idx([0xFFFFFFFF] + dims[1:], body))
        bad("header cut inside the sizes", header[:len(header) - 2])
        bad("truncated by 1 byte", good_bytes[:-1])
        bad("truncated to half", good_bytes[: len(good_bytes) // 2])
        bad("1 trailing byte", good_bytes + b"\x00")
        bad("4096 trailing bytes", good_bytes + bytes(4096))
        one = len(body) // count  # bytes per example
        bad("one more example than the other file", idx([count + 1] + dims[1:], body + body[:one]))
        bad("one example fewer than the other file",
            idx([count - 1] + dims[1:], body[: one * (count - 1)]))

        # The gzip layer.
        z = gz(good_bytes)
        bad("gz cut in half", z[: len(z) // 2], gz_name=True)
        bad("gz header only (10 bytes)", z[:10], gz_name=True)
        bad("gz magic only", z[:2], gz_name=True)
        flipped = bytearray(z)
        flipped[12] ^= 0xFF
        bad("gz with a corrupt deflate byte", bytes(flipped), gz_name=True)
        crc = bytearray(z)
        crc[-6] ^= 0xFF
        bad("gz with a wrong CRC-32", bytes(crc), gz_name=True)
        isize = bytearray(z)
        isize[-1] ^= 0x01
        bad("gz with a wrong length field", bytes(isize), gz_name=True)
        bad("gz with trailing garbage", z + b"garbage", gz_name=True)
        bad("gz with 512 trailing zero bytes", z + bytes(512), gz_name=True)
        bad("gz followed by the raw file", z + good_bytes, gz_name=True)
        bad("gz followed by half a gzip member", z + z[:12], gz_name=True)
        bad("gz of an empty file", gz(b""), gz_name=True)
        bad("gz of a file with a bad magic", gz(b"PK\x03\x04" + good_bytes[4:]), gz_name=True)
        bad("gz of a truncated file", gz(good_bytes[:-1]), gz_name=True)
        bad("gz of a file with trailing bytes", gz(good_bytes + b"\x00"), gz_name=True)
        # The raw file wins over a good .gz beside it: a bad one is refused, not skipped.
        bad("raw file bad, good .gz beside it", good_bytes[:-1])
        (corpus.cases[-1].dir / "data" / (name + ".gz")).write_bytes(z)

        # Something other than a file under the name.
        for what, make in (("a directory", lambda p: p.mkdir()),
                           ("a FIFO", lambda p: os.mkfifo(p)),
                           ("a symlink loop", lambda p: p.symlink_to(p.name)),
                           ("a dangling symlink", lambda p: p.symlink_to("nowhere"))):
            c = add(f"{name}: {what}", {}, name, n_test, remove=(name,))
            make(c.dir / "data" / name)
        c = add(f"{name}.gz: a directory", {}, name, n_test, remove=(name,))
        (c.dir / "data" / (name + ".gz")).mkdir()
        add(f"{name}: missing", {}, name, n_test, remove=(name,))

    # The folder itself.
    def folder(name, make, expect):
        c = corpus.case("data", f"--data {name}", expect)
        target = make(c.dir)
        c.args = fast_train(target)

    folder("missing", lambda d: d / "no-such-folder", "--data")
    folder("a regular file", lambda d: touch(d / "plain.txt"), "--data")
    folder("a FIFO", lambda d: os.mkfifo(d / "pipe") or d / "pipe", "--data")
    folder("a symlink loop", lambda d: (d / "loop").symlink_to("loop") or d / "loop", "--data")
    folder("a dangling symlink", lambda d: (d / "link").symlink_to("nowhere") or d / "link",
           "--data")
    folder("an empty folder", lambda d: (d / "empty").mkdir() or d / "empty",
           "train-images-idx3-ubyte")
    folder("files with the wrong names", lambda d: (
        write_data(d / "typo", {"train-images.idx3-ubyte": images_idx(4),
                                "train-labels.idx1-ubyte": labels_idx(TRAIN_LABELS)}),
        d / "typo")[1], "train-images-idx3-ubyte")
    folder("under a regular file", lambda d: touch(d / "plain.txt") / "sub", "--data")


def make_checkpoint(exe, root: Path, data: Path, timeout):
    ckpt = root / "checkpoint"
    r = subprocess.run([exe] + fast_train(data) + ["--save", str(ckpt)], capture_output=True,
                       text=True, timeout=timeout, cwd=root)
    if r.returncode != 0 or not (ckpt / "manifest.json").is_file():
        sys.exit(f"bad_input_corpus.py: cannot make the valid checkpoint the corpus mutates "
                 f"(exit {r.returncode}):\n{r.stdout}{r.stderr}")
    return ckpt


def checkpoint_cases(corpus, ckpt, data):
    base_manifest = json.loads((ckpt / "manifest.json").read_text())
    n = base_manifest["parameters"]["params"]["n_neurons"]
    n_input = base_manifest["parameters"]["params"]["n_input"]

    def add(name, mutate, expect, extra=(), data_dir=None):
        c = corpus.case("checkpoint", name, expect)
        target = c.dir / "ckpt"
        shutil.copytree(ckpt, target)
        mutate(target)
        c.args = fast_test(target, data_dir or data) + list(extra)
        return c

    def manifest(edit):
        def mutate(d):
            m = copy.deepcopy(base_manifest)
            edit(m)
            (d / "manifest.json").write_text(json.dumps(m, indent=2))
        return mutate

    def text(content):
        return lambda d: (d / "manifest.json").write_text(content)

    def params(key, value):
        def edit(m):
            target = m["parameters"]["params"]
            *path, last = key.split(".")
            for p in path:
                target = target[p]
            if value is DELETE:
                del target[last]
            else:
                target[last] = value
        return manifest(edit)

    def array_entry(name, key, value):
        def edit(m):
            entry = next(a for a in m["arrays"] if a["name"] == name)
            if value is DELETE:
                del entry[key]
            else:
                entry[key] = value
        return manifest(edit)

    def replace(name, content, shape=None, dtype=None):
        """Writes `name`.npy; `shape`/`dtype` also update the manifest to agree with it."""
        def mutate(d):
            (d / f"{name}.npy").write_bytes(content)
            if shape is not None or dtype is not None:
                m = json.loads((d / "manifest.json").read_text())
                entry = next(a for a in m["arrays"] if a["name"] == name)
                if shape is not None:
                    entry["shape"] = list(shape)
                if dtype is not None:
                    entry["dtype"] = dtype
                (d / "manifest.json").write_text(json.dumps(m, indent=2))
        return mutate

    DELETE = object()
    mf = "manifest.json"

    # manifest.json itself.
    add("manifest.json missing", lambda d: (d / mf).unlink(), mf)
    add("manifest.json empty", text(""), mf)
    add("manifest.json not JSON", text("weights: yes\n"), mf)
    add("manifest.json cut in half", text((ckpt / mf).read_text()[:400]), mf)
    add("manifest.json a JSON list", text("[]"), mf)
    add("manifest.json null", text("null"), mf)
    add("manifest.json an empty object", text("{}"), mf)
    add("manifest.json with a trailing comma", text((ckpt / mf).read_text().rstrip()[:-1] +
                                                   ",}"), mf)
    add("manifest.json with a duplicate key", text((ckpt / mf).read_text().replace(
        '"format_version": 2,', '"format_version": 2, "format_version": 1,')), mf)
    add("manifest.json with NaN", text((ckpt / mf).read_text().replace(
        '"intensity": 2.0', '"intensity": NaN')), mf)
    add("manifest.json invalid UTF-8", lambda d: (d / mf).write_bytes(
        (ckpt / mf).read_bytes().replace(b'"diehl_cook_2015"', b'"diehl_cook_\xff"')), mf)
    add("manifest.json a directory", lambda d: ((d / mf).unlink(), (d / mf).mkdir()), mf)
    add("manifest.json a FIFO", lambda d: ((d / mf).unlink(), os.mkfifo(d / mf)), mf)
    add("manifest.json a symlink loop", lambda d: ((d / mf).unlink(), (d / mf).symlink_to(mf)),
        mf)
    for key in ("format", "format_version", "parameters", "arrays"):
        add(f"manifest without {key}", manifest(lambda m, k=key: m.pop(k)), (key, mf))
    for value in ("other-format", 42):
        add(f"format {value!r}", manifest(lambda m, v=value: m.update(format=v)), ("format", mf))
    for value in ("2", 99, 0, -1, 2.5, None, 2 ** 64):
        add(f"format_version {value!r}", manifest(lambda m, v=value: m.update(format_version=v)),
            "format_version")
    add("parameters a list", manifest(lambda m: m.update(parameters=[])), "parameters")
    add("arrays an object", manifest(lambda m: m.update(arrays={})), "arrays")
    add("arrays empty", manifest(lambda m: m.update(arrays=[])), "weights")
    add("weights not listed", manifest(
        lambda m: m.update(arrays=[a for a in m["arrays"] if a["name"] != "weights"])), "weights")
    add("weights listed twice", manifest(lambda m: m["arrays"].append(m["arrays"][0])),
        "weights")
    for key in ("file", "dtype", "shape", "name"):
        add(f"weights entry without {key}", array_entry("weights", key, DELETE), (key, mf))
    for value, why in (("../manifest.json", "outside the checkpoint"),
                       ("/etc/passwd", "an absolute path"), ("theta.npy", "another array's file"),
                       ("missing.npy", "a missing file")):
        add(f"weights file {value!r} ({why})", array_entry("weights", "file", value),
            (value, "weights"))
    for value in ("float16", "complex64", 32, ""):
        add(f"weights dtype {value!r}", array_entry("weights", "dtype", value),
            ("dtype", "weights"))
    for value in ([n_input], [n_input, n, 1], [-1, n], "abc", [n, n_input], [2 ** 64, n]):
        add(f"weights shape {value!r} in the manifest only", array_entry("weights", "shape", value),
            "weights")

    # Parameters.
    add("model missing", manifest(lambda m: m["parameters"].pop("model")), "model")
    add("model 'other'", manifest(lambda m: m["parameters"].update(model="other")), "model")
    add("model 42", manifest(lambda m: m["parameters"].update(model=42)), "model")
    add("params missing", manifest(lambda m: m["parameters"].pop("params")),
        ("params", "n_neurons"))
    add("params a string", manifest(lambda m: m["parameters"].update(params="x")), "params")
    add("params a list", manifest(lambda m: m["parameters"].update(params=[1, 2])), "params")
    add("examples_trained a string",
        manifest(lambda m: m["parameters"].update(examples_trained="many")), "examples_trained")
    add("examples_trained -1", manifest(lambda m: m["parameters"].update(examples_trained=-1)),
        "examples_trained")
    for key, value in (
            ("n_neurons", DELETE), ("n_neurons", "3"), ("n_neurons", 3.5), ("n_neurons", -3),
            ("n_neurons", 0), ("n_neurons", 1), ("n_neurons", 2 ** 40), ("n_neurons", 2 ** 62),
            ("n_neurons", 2 ** 64), ("n_neurons", 1e12), ("n_neurons", True), ("n_neurons", None),
            ("n_neurons", n + 1), ("n_input", 0), ("n_input", 2 ** 40),
            ("time_ms", 1e300), ("time_ms", 1e12), ("time_ms", 1e-7), ("time_ms", 0),
            ("time_ms", -5), ("time_ms", "350"), ("time_ms", 5.2),
            ("dt_ms", 0), ("dt_ms", -0.5), ("dt_ms", 1e300), ("dt_ms", 1e-300),
            ("rest_ms", 1e300), ("rest_ms", 1e15), ("rest_ms", -1),
            ("intensity", 1e300), ("intensity", 0), ("intensity", -2),
            ("intensity_step", -1), ("intensity_step", 1e300), ("min_spikes", -1),
            ("max_presentations", 0), ("max_presentations", 2 ** 40), ("norm", -78),
            ("norm", 0), ("w_init_low", -1), ("delay_min_ms", -1), ("delay_max_ms", 1e300),
            ("w_exc_inh", -10.4), ("exc.tau_m_ms", 0), ("exc.tau_theta_ms", -1),
            ("exc.refractory_ms", -5), ("exc.v_thresh_mv", "high"), ("inh.tau_m_ms", -10),
            ("exc_synapses.tau_exc_ms", 0), ("exc_synapses.scheme", "rk4"),
            ("inh_synapses.scheme", 1), ("stdp.tau_pre_ms", 0), ("stdp.tau_post2_ms", -40),
            ("encoder.sampler", "bogus"), ("encoder", "geometric_skip"), ("exc", []),
            ("frobnicate", 1), ("exc.frobnicate", 1), ("seed", -1), ("seed", "x"),
            ("seed", 2 ** 64)):
        label = "deleted" if value is DELETE else repr(value)
        add(f"params.{key} {label}", params(key, value), key.split(".")[-1])
    # n_input disagreeing with weights.npy (and with the 28x28 images).
    for value in (n_input - 1, 400):
        add(f"params.n_input {value}", params("n_input", value), ("n_input", "weights.npy"))
    add("delay_max_ms < delay_min_ms", manifest(lambda m: m["parameters"]["params"].update(
        delay_min_ms=5.0, delay_max_ms=1.0)), "delay")
    add("w_init_low > w_init_high", manifest(lambda m: m["parameters"]["params"].update(
        w_init_low=0.5, w_init_high=0.1)), "w_init")
    add("stdp.w_min > stdp.w_max", manifest(lambda m: m["parameters"]["params"]["stdp"].update(
        w_min=1.0, w_max=0.0)), "w_m")

    # The arrays. Each replaced .npy is the program's own, changed in one respect.
    # The readout is there where the program was built with liblinear.
    optional = [name for name in ("readout", "readout_classes") if (ckpt / f"{name}.npy").is_file()]
    arrays = {name: read_npy(ckpt / f"{name}.npy")
              for name in ["weights", "theta", "assignments", "proportions", "means"] + optional}

    def with_value(name, index, value, fmt):
        descr, shape, payload = arrays[name]
        size = struct.calcsize("<" + fmt)
        values = list(struct.unpack(f"<{len(payload) // size}{fmt}", payload))
        values[index] = value
        return npy(descr, shape, struct.pack(f"<{len(values)}{fmt}", *values))

    for name in arrays:
        file = f"{name}.npy"
        raw = (ckpt / file).read_bytes()
        descr, shape, payload = arrays[name]
        add(f"{file} missing", lambda d, f=file: (d / f).unlink(), file)
        add(f"{file} empty", replace(name, b""), file)
        add(f"{file} header only", replace(name, raw[: len(raw) - len(payload)]), file)
        add(f"{file} cut in half", replace(name, raw[: len(raw) // 2]), file)
        add(f"{file} one byte short", replace(name, raw[:-1]), file)
        add(f"{file} one trailing byte", replace(name, raw + b"\x00"), file)
        add(f"{file} bad magic", replace(name, b"\x93NUMPX" + raw[6:]), file)
        add(f"{file} header length past the end", replace(
            name, raw[:8] + struct.pack("<H", 0xFFFF) + raw[10:]), file)
        add(f"{file} header not a dict", replace(name, npy(descr, shape, payload,
                                                           header="[1, 2, 3]")), file)
        add(f"{file} header without shape", replace(name, npy(
            descr, shape, payload, header=f"{{'descr': '{descr}', 'fortran_order': False, }}")),
            file)
        add(f"{file} negative shape", replace(name, npy(descr, shape, payload, header=(
            f"{{'descr': '{descr}', 'fortran_order': False, 'shape': (-1,), }}"))), file)
        add(f"{file} shape of 2^40 elements (manifest agreeing)",
            replace(name, npy(descr, (2 ** 40,) + shape[1:], payload),
                    shape=(2 ** 40,) + shape[1:]), file)
        add(f"{file} dtype complex64 (manifest unchanged)",
            replace(name, npy("<c8", shape, payload + payload)), file)
        add(f"{file} dtype bytes |S4 (manifest unchanged)", replace(name, npy("|S4", shape,
                                                                              payload)), file)
        add(f"{file} a directory", lambda d, f=file: ((d / f).unlink(), (d / f).mkdir()), file)
        add(f"{file} a FIFO", lambda d, f=file: ((d / f).unlink(), os.mkfifo(d / f)), file)
        add(f"{file} a symlink loop", lambda d, f=file: ((d / f).unlink(), (d / f).symlink_to(f)),
            file)

    # Weights: values, shape and type.
    w_descr, w_shape, w_payload = arrays["weights"]
    nan, inf = float("nan"), float("inf")
    for value in (nan, inf, -inf, -1.0, -1e30):
        add(f"weights.npy holds {value}", replace("weights", with_value("weights", 5, value, "f")),
            "weights.npy")
    transposed = npy(w_descr, (n, n_input), w_payload)
    add("weights.npy transposed, manifest agreeing", replace("weights", transposed,
                                                             shape=(n, n_input)), "weights.npy")
    add("weights.npy transposed, manifest unchanged", replace("weights", transposed),
        "weights.npy")
    add("weights.npy flat (784*N,), manifest agreeing",
        replace("weights", npy(w_descr, (n_input * n,), w_payload), shape=(n_input * n,)),
        "weights.npy")
    add("weights.npy float64, manifest unchanged", replace(
        "weights", npy("<f8", w_shape, floats(struct.unpack(f"<{n_input * n}f", w_payload),
                                              "d"))), "weights.npy")
    add("weights.npy float64, manifest agreeing", replace(
        "weights", npy("<f8", w_shape, floats(struct.unpack(f"<{n_input * n}f", w_payload), "d")),
        dtype="float64"), "weights")
    add("weights.npy int32, manifest agreeing", replace(
        "weights", npy("<i4", w_shape, bytes(len(w_payload))), dtype="int32"), "weights")
    add("weights.npy with one neuron more, manifest agreeing", replace(
        "weights", npy(w_descr, (n_input, n + 1), w_payload + bytes(4 * n_input)),
        shape=(n_input, n + 1)), "weights.npy")

    # Theta.
    for value in (nan, inf, -inf, -1e30):
        add(f"theta.npy holds {value}", replace("theta", with_value("theta", 1, value, "f")),
            "theta.npy")
    t_descr, t_shape, t_payload = arrays["theta"]
    add("theta.npy with one neuron more, manifest agreeing", replace(
        "theta", npy(t_descr, (n + 1,), t_payload + bytes(4)), shape=(n + 1,)), "theta.npy")
    add("theta.npy shape (N, 1), manifest agreeing", replace(
        "theta", npy(t_descr, (n, 1), t_payload), shape=(n, 1)), "theta.npy")
    add("theta.npy a scalar, manifest agreeing", replace(
        "theta", npy(t_descr, (), t_payload[:4]), shape=()), "theta.npy")

    # Assignments: labels outside -1..9 index the classifiers' scores out of bounds.
    for value in (10, 42, 2 ** 31 - 1, -2, -2 ** 31):
        add(f"assignments.npy holds {value}",
            replace("assignments", with_value("assignments", 0, value, "i")), "assignments.npy")
    a_descr, a_shape, a_payload = arrays["assignments"]
    add("assignments.npy with one neuron more, manifest agreeing", replace(
        "assignments", npy(a_descr, (n + 1,), a_payload + bytes(4)), shape=(n + 1,)),
        "assignments.npy")
    add("assignments.npy shape (N, 1), manifest agreeing", replace(
        "assignments", npy(a_descr, (n, 1), a_payload), shape=(n, 1)), "assignments.npy")
    add("assignments.npy float32, manifest agreeing", replace(
        "assignments", npy("<f4", a_shape, floats([1.0] * n)), dtype="float32"), "assignments")
    add("assignments.npy int64, manifest agreeing", replace(
        "assignments", npy("<i8", a_shape, struct.pack(f"<{n}q", *([1] * n))), dtype="int64"),
        "assignments")

    # Proportions: (N, 10) and finite fractions.
    p_descr, p_shape, p_payload = arrays["proportions"]
    for shape in ((2, 10), (10, n), (0,), (n, 9), (n, 11), (n, 10, 1), (n * 10,)):
        size = 1
        for s in shape:
            size *= s
        add(f"proportions.npy shape {shape}, manifest agreeing", replace(
            "proportions", npy(p_descr, shape, floats([0.1] * size, "d")), shape=shape),
            "proportions.npy")
    for value in (nan, inf, -0.5, 2.0):
        add(f"proportions.npy holds {value}",
            replace("proportions", with_value("proportions", 3, value, "d")), "proportions.npy")
    add("proportions.npy float32, manifest agreeing", replace(
        "proportions", npy("<f4", p_shape, floats([0.1] * (n * 10))), dtype="float32"),
        "proportions")

    # Class means of the likelihood vote: (N, 10), finite counts >= 0.
    m_descr, m_shape, m_payload = arrays["means"]
    for shape in ((n, 9), (n + 1, 10), (n * 10,)):
        size = 1
        for s in shape:
            size *= s
        add(f"means.npy shape {shape}, manifest agreeing", replace(
            "means", npy(m_descr, shape, floats([0.5] * size, "d")), shape=shape), "means.npy")
    for value in (nan, inf, -1.0):
        add(f"means.npy holds {value}", replace("means", with_value("means", 4, value, "d")),
            "means.npy")

    # The linear readout: weights that fit the network's neurons, finite.
    if "readout" in arrays:
        r_descr, r_shape, r_payload = arrays["readout"]
        for value in (nan, inf):
            add(f"readout.npy holds {value}",
                replace("readout", with_value("readout", 2, value, "d")), "readout")
        add("readout.npy with one row less, manifest agreeing", replace(
            "readout", npy(r_descr, (r_shape[0] - 1,) + r_shape[1:],
                           r_payload[: len(r_payload) - 8 * r_shape[1]]),
            shape=(r_shape[0] - 1,) + r_shape[1:]), "readout")
        add("readout_features of another network", manifest(
            lambda m: m["parameters"].update(readout_features=n + 5)), "readout")
        add("readout_classes.npy empty, manifest agreeing", replace(
            "readout_classes", npy("<i4", (0,), b""), shape=(0,)), "readout")

    # The folder given to --load.
    def load(name, make, expect):
        c = corpus.case("checkpoint", f"--load {name}", expect)
        c.args = fast_test(make(c.dir), data)

    load("missing", lambda d: d / "no-such-checkpoint", "no-such-checkpoint")
    load("a regular file", lambda d: touch(d / "plain.txt"), "plain.txt")
    load("an empty folder", lambda d: (d / "empty").mkdir() or d / "empty", "manifest.json")
    load("a FIFO", lambda d: os.mkfifo(d / "pipe") or d / "pipe", "pipe")
    load("a symlink loop", lambda d: (d / "loop").symlink_to("loop") or d / "loop", "loop")
    load("the data folder", lambda d: data, "manifest.json")
    load("a checkpoint's weights.npy",
         lambda d: shutil.copytree(ckpt, d / "ck") and d / "ck" / "weights.npy", "weights.npy")

    # Labelling a checkpoint anew (--n_label) reads the training split: bad data there.
    c = corpus.case("checkpoint", "--n_label with 32x32 training images",
                    "train-images-idx3-ubyte")
    write_data(c.dir / "data", {**good_files(), "train-images-idx3-ubyte": images_idx(4, 32, 32)})
    c.args = fast_test(ckpt, c.dir / "data") + ["--n_label", "2"]
    c = corpus.case("checkpoint", "--n_label with label 12", "train-labels-idx1-ubyte")
    write_data(c.dir / "data",
               {**good_files(), "train-labels-idx1-ubyte": labels_idx([12, 1, 1, 1])})
    c.args = fast_test(ckpt, c.dir / "data") + ["--n_label", "2"]


def output_cases(corpus, ckpt, data):
    def add(name, make, expect, test_mode=False):
        c = corpus.case("output", name, expect, output_path=True)
        extra = make(c.dir)
        c.args = (fast_test(ckpt, data) if test_mode else fast_train(data)) + extra

    def file(d, name="plain.txt"):
        (d / name).write_text("not a folder\n")
        return d / name

    def unrelated(d):
        (d / "unrelated").mkdir()
        (d / "unrelated" / "notes.txt").write_text("my notes\n")
        return d / "unrelated"

    def fifo(d):
        os.mkfifo(d / "pipe")
        return d / "pipe"

    def loop(d):
        (d / "loop").symlink_to("loop")
        return d / "loop"

    add("--save into a regular file", lambda d: ["--save", str(file(d))], ("--save", "plain.txt"))
    add("--save into an unrelated non-empty folder", lambda d: ["--save", str(unrelated(d))],
        ("--save", "unrelated"))
    # A missing parent is fine (the commit creates it, as README's `--save runs/n400` needs); a
    # --plot folder inside the --save folder is not: the commit replaces that folder whole.
    add("--plot inside the --save folder", lambda d: ["--save", str(d / "ck"),
                                                      "--plot", str(d / "ck" / "plots")],
        ("--plot", "--save"))
    add("--save under a regular file", lambda d: ["--save", str(file(d) / "ck")],
        ("--save", "plain.txt"))
    add("--save into a FIFO", lambda d: ["--save", str(fifo(d))], ("--save", "pipe"))
    add("--save into a symlink loop", lambda d: ["--save", str(loop(d))], ("--save", "loop"))
    add("--save into the working folder '.'", lambda d: ["--save", "."], ("--save", "'.'"))
    add("--save into the MNIST folder", lambda d: (
        shutil.copytree(data, d / "mnist-copy"),
        ["--data", str(d / "mnist-copy"), "--save", str(d / "mnist-copy")])[1],
        ("--save", "mnist-copy"))
    add("--save into a checkpoint's weights.npy", lambda d: (
        shutil.copytree(ckpt, d / "saved-run"),
        ["--save", str(d / "saved-run" / "weights.npy")])[1],
        ("--save", "weights.npy"))
    add("--save and --json the same path", lambda d: ["--save", str(d / "out"),
                                                      "--json", str(d / "out")],
        ("--json", "--save"))
    add("--json into a folder", lambda d: ["--json", str(unrelated(d))], ("--json", "unrelated"))
    add("--json into an empty folder", lambda d: ((d / "empty-dir").mkdir(),
                                                  ["--json", str(d / "empty-dir")])[1],
        ("--json", "empty-dir"))
    add("--json into '.'", lambda d: ["--json", "."], ("--json", "'.'"))
    add("--json under a missing parent",
        lambda d: ["--json", str(d / "no-such-parent" / "r.json")], ("--json", "no-such-parent"))
    add("--json under a regular file", lambda d: ["--json", str(file(d) / "r.json")],
        ("--json", "plain.txt"))
    add("--json with a trailing slash", lambda d: ["--json", str(d / "r.json") + "/"],
        ("--json", "r.json"))
    add("--json into a checkpoint folder", lambda d: (
        shutil.copytree(ckpt, d / "saved-run"), ["--json", str(d / "saved-run")])[1],
        ("--json", "saved-run"))
    add("--plot into a regular file", lambda d: ["--plot", str(file(d))], ("--plot", "plain.txt"))
    add("--plot under a regular file", lambda d: ["--plot", str(file(d) / "figs")],
        ("--plot", "plain.txt"))
    add("--plot into a FIFO", lambda d: ["--plot", str(fifo(d))], ("--plot", "pipe"))
    add("--plot into a symlink loop", lambda d: ["--plot", str(loop(d))], ("--plot", "loop"))
    add("--mode test: --json into a folder", lambda d: ["--json", str(unrelated(d))],
        ("--json", "unrelated"), test_mode=True)
    add("--mode test: --json under a missing parent",
        lambda d: ["--json", str(d / "no-such-parent" / "r.json")], ("--json", "no-such-parent"),
        test_mode=True)
    add("--mode test: --plot into a regular file", lambda d: ["--plot", str(file(d))],
        ("--plot", "plain.txt"), test_mode=True)
    if os.geteuid() != 0:  # root writes anywhere
        def read_only(d):
            (d / "read-only").mkdir()
            (d / "read-only").chmod(0o555)
            return d / "read-only"
        add("--save in a read-only folder", lambda d: ["--save", str(read_only(d) / "ck")],
            ("--save", "read-only"))
        add("--json in a read-only folder", lambda d: ["--json", str(read_only(d) / "r.json")],
            ("--json", "read-only"))


# ------------------------------------------------------------------------------------------------
# Running and judging

SANITIZER_MARKS = ("runtime error", "AddressSanitizer", "LeakSanitizer",
                   "UndefinedBehaviorSanitizer", "ThreadSanitizer", "MemorySanitizer")
# A sanitizer's word that a huge allocation failed is no memory error: such a case is judged by
# the program's own message (which should have named the option or file before allocating).
# (GCC's AddressSanitizer reports a failed operator new as out-of-memory even when told to return
# null.)
ALLOCATION_FAILURE = re.compile(r"Sanitizer(: requested allocation size| failed to allocate"
                                r"|: allocator is out of memory|: out-of-memory"
                                r"|: allocation-size-too-big|: HINT)")
WORK_LINES = re.compile(r"^(training|labelling|testing):", re.M)
STRAY = re.compile(r"\.(tmp|old)-?")


def run_case(exe, c: Case, timeout):
    env = dict(os.environ)
    # A sanitizer build: a huge allocation fails with std::bad_alloc, as without the sanitizer,
    # so that what is judged is the program's message rather than the allocator's report.
    env.setdefault("ASAN_OPTIONS", "allocator_may_return_null=1:detect_leaks=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    before = set(p for p in c.dir.rglob("*"))
    # A session of its own, so that a timeout ends the program and anything it started.
    proc = subprocess.Popen([exe] + c.args, cwd=c.dir, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        c.result, c.detail = "hang", f"no exit within {timeout:g} s"
        return c
    out = out.decode("utf-8", "replace")
    err = err.decode("utf-8", "replace")
    rc = proc.returncode
    lines = [line.strip() for line in err.splitlines() if line.strip("= \t")]
    first = next((line for line in lines if line.startswith("error:")),
                 lines[0] if lines else "(stderr empty)")
    stray = sorted(str(p.relative_to(c.dir)) for p in c.dir.rglob("*")
                   if p not in before and STRAY.search(p.name))
    reports = [line.strip() for line in err.splitlines()
               if any(m in line for m in SANITIZER_MARKS) and not ALLOCATION_FAILURE.search(line)]
    if reports:
        c.result, c.detail = "sanitizer", f"exit {rc}: {reports[0]}"
    elif rc == 0:
        c.result, c.detail = "exit0", "exit 0: " + (out.strip().splitlines() or ["(no output)"])[-1]
    elif rc not in (1, 2):
        why = f"signal {-rc}" if rc < 0 else f"exit {rc}"
        c.result, c.detail = "crash", f"{why}: {first}"
    elif "error:" not in err or not any(e in err for e in c.expect):
        want = " or ".join(repr(e) for e in c.expect)
        c.result, c.detail = "unclear", f"exit {rc}, message lacks {want}: {first}"
    elif c.output_path and WORK_LINES.search(out):
        c.result, c.detail = "late", f"refused after '{WORK_LINES.search(out).group(1)}': {first}"
    elif stray:
        c.result, c.detail = "stray", f"left {', '.join(stray)}: {first}"
    else:
        c.result, c.detail = "ok", f"exit {rc}: {first}"
    return c


def uses_sanitizer(exe):
    try:
        with open(exe, "rb") as f:
            blob = f.read()
    except OSError:
        return False
    return b"__asan_init" in blob or b"__ubsan_handle" in blob


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("exe", help="path to spiketorch_mnist")
    ap.add_argument("--timeout", type=float, default=30, help="seconds per case (default 30)")
    ap.add_argument("--jobs", type=int, default=2, help="cases run at once (default 2)")
    ap.add_argument("--filter", default="", help="run only cases whose name contains this")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("--verbose", action="store_true", help="one line per case, passing too")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--memory-limit-gib", type=float, default=8,
                    help="address-space limit per case (0: none; ignored for sanitizer builds)")
    a = ap.parse_args()
    exe = os.path.abspath(a.exe)
    if not os.access(exe, os.X_OK):
        sys.exit(f"bad_input_corpus.py: {a.exe} is not an executable")
    # A huge allocation that happens to succeed would swap the machine to a halt; a sanitizer
    # build reserves terabytes of shadow address space and cannot run under the limit.
    # The limit is set on this process, whose children inherit it (preexec_fn is not safe with
    # the threads that run the cases).
    if a.memory_limit_gib > 0 and not uses_sanitizer(exe):
        limit = int(a.memory_limit_gib * 2 ** 30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    root = Path(tempfile.mkdtemp(prefix="spiketorch-bad-inputs-"))
    try:
        good = root / "good-data"
        write_data(good, good_files())
        corpus = Corpus(root)
        command_line_cases(corpus, good)
        data_cases(corpus, good)
        ckpt = make_checkpoint(exe, root, good, a.timeout)
        checkpoint_cases(corpus, ckpt, good)
        output_cases(corpus, ckpt, good)
        cases = [c for c in corpus.cases if a.filter in c.name]
        if a.list:
            for c in cases:
                print(f"{c.name}\n    expects {' or '.join(c.expect)}; args: {c.args}")
            print(f"{len(cases)} cases")
            return 0
        start = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
            done = list(pool.map(lambda c: run_case(exe, c, a.timeout), cases))
        counts = {k: sum(c.result == k for c in done) for k in
                  ("ok", "crash", "hang", "exit0", "sanitizer", "unclear", "stray", "late")}
        labels = {"crash": "CRASH", "hang": "HANG", "exit0": "WRONG EXIT 0",
                  "sanitizer": "SANITIZER", "unclear": "UNCLEAR", "stray": "STRAY FILE",
                  "late": "LATE REFUSAL", "ok": "ok"}
        for c in done:
            if c.result != "ok" or a.verbose:
                print(f"{labels[c.result]}: {c.name}: {c.detail}")
        print(f"corpus: {len(done)} cases, {counts['ok']} refused as expected, "
              f"{counts['crash']} crashes, {counts['hang']} hangs, {counts['exit0']} wrong exit 0, "
              f"{counts['sanitizer']} sanitizer reports, {counts['unclear']} unclear messages, "
              f"{counts['stray']} stray temporary files, {counts['late']} refused after work began "
              f"({time.monotonic() - start:.0f} s)")
        return 0 if counts["ok"] == len(done) else 1
    finally:
        if a.keep:
            print(f"cases kept in {root}")
        else:
            for p in root.rglob("*"):  # read-only folders would stop rmtree
                if p.is_dir() and not p.is_symlink():
                    p.chmod(0o755)
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
