#!/usr/bin/env python3
"""Writes a seed corpus for one of the libFuzzer targets in tests/fuzz: small valid files of the
format and a few damaged variants, so that fuzzing starts from inputs that reach deep into the
parser instead of being refused at the magic number.

    scripts/fuzz_seed_corpus.py FORMAT OUT_DIR

FORMAT is idx-raw, idx-gzip, npy, manifest or params. tests/fuzz/run_fuzzer.sh calls it with a
directory in the build tree; the seeds are never committed. Python standard library only.
"""

import gzip
import json
import struct
import sys
from pathlib import Path


# --- IDX (datasets/idx.hpp) ----------------------------------------------------------------------

def idx(dims, payload=None, type_code=0x08):
    """An IDX file: magic 0x0000<type><rank>, big-endian sizes, then the data."""
    count = 1
    for d in dims:
        count *= d
    if payload is None:
        payload = bytes((i * 7) % 256 for i in range(count))
    return bytes([0, 0, type_code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def idx_seeds():
    images = idx([3, 4, 4])
    labels = idx([3], bytes([0, 9, 4]))
    return {
        "images-3x4x4": images,
        "images-1x28x28": idx([1, 28, 28]),
        "labels-3": labels,
        "rank2": idx([2, 3]),
        "rank4": idx([1, 2, 2, 2]),
        "label-out-of-range": idx([2], bytes([3, 200])),
        "truncated": images[:-1],
        "trailing-byte": images + b"\x00",
        "zero-dimension": idx([0, 4, 4], b""),
        "header-claims-mnist": idx([60000, 28, 28], bytes(16)),
        "float32-type": idx([2], bytes(8), type_code=0x0D),
        "bad-magic": b"\x08\x03\x00\x00" + images[4:],
        "header-only": images[:16],
        "three-bytes": images[:3],
        "empty": b"",
    }


def gzip_bytes(data):
    return gzip.compress(data, mtime=0)


def idx_gzip_seeds():
    # tests/fuzz/fuzz_idx_gzip.cpp: first byte 0 = content that the harness compresses, 2 = the
    # same in two gzip members, 1 = compressed bytes as they are.
    seeds = {}
    for name, content in idx_seeds().items():
        seeds["plain-" + name] = b"\x00" + content
    images = idx([3, 4, 4])
    compressed = gzip_bytes(images)
    seeds.update({
        "two-members-images": b"\x02" + images,
        "gz-images": b"\x01" + compressed,
        "gz-labels": b"\x01" + gzip_bytes(idx([3], bytes([1, 2, 3]))),
        "gz-truncated-stream": b"\x01" + compressed[:-5],
        "gz-trailing-garbage": b"\x01" + compressed + b"garbage",
        "gz-concatenated": b"\x01" + gzip_bytes(images[:10]) + gzip_bytes(images[10:]),
        "gz-bad-crc": b"\x01" + compressed[:-8] + bytes([compressed[-8] ^ 0xFF]) + compressed[-7:],
        "gz-of-truncated-idx": b"\x01" + gzip_bytes(images[:-3]),
        "gz-header-claims-mnist": b"\x01" + gzip_bytes(idx([60000, 28, 28], bytes(64))),
        "gz-magic-only": b"\x01\x1f\x8b",
    })
    return seeds


# --- .npy (io/npy.hpp) ---------------------------------------------------------------------------

def npy(header_text, payload, version=(1, 0), pad=True):
    """A .npy file: magic, version, header length, the header dict padded to 64 bytes, the data."""
    length_format = "<H" if version[0] == 1 else "<I"
    prefix_len = 8 + struct.calcsize(length_format)
    text = header_text
    if pad:
        text += " " * ((64 - (prefix_len + len(text) + 1) % 64) % 64) + "\n"
    encoded = text.encode("latin-1")
    return (b"\x93NUMPY" + bytes(version) + struct.pack(length_format, len(encoded)) + encoded +
            payload)


def npy_dict(descr, shape, fortran=False):
    dims = "".join(f"{d}, " for d in shape) if len(shape) == 1 else ", ".join(str(d) for d in shape)
    return f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': ({dims}), }}"


def npy_seeds():
    f4 = struct.pack("<6f", 0, 1, 2, 3, 4.5, -1)
    seeds = {
        "f4-2x3": npy(npy_dict("<f4", [2, 3]), f4),
        "f8-3": npy(npy_dict("<f8", [3]), struct.pack("<3d", 1, float("nan"), -2)),
        "i4-2x2": npy(npy_dict("<i4", [2, 2]), struct.pack("<4i", 0, -1, 9, 2**31 - 1)),
        "i8-1": npy(npy_dict("<i8", [1]), struct.pack("<q", -5)),
        "u1-4": npy(npy_dict("|u1", [4]), bytes([0, 1, 254, 255])),
        "u4-2": npy(npy_dict("<u4", [2]), struct.pack("<2I", 7, 2**32 - 1)),
        "f4-fortran-2x3": npy(npy_dict("<f4", [2, 3], fortran=True), f4),
        "f4-3d": npy(npy_dict("<f4", [1, 2, 3]), f4),
        "version-2": npy(npy_dict("<f4", [2, 3]), f4, version=(2, 0)),
        "version-3": npy(npy_dict("<f4", [2, 3]), f4, version=(3, 0)),
        "scalar": npy(npy_dict("<f4", []), struct.pack("<f", 1)),
        "empty-0": npy(npy_dict("<f4", [0]), b""),
        "empty-0x5": npy(npy_dict("<f8", [0, 5]), b""),
        "long-dims": npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }", f4),
        "key-order": npy("{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}", f4),
        "double-quotes": npy('{"descr": "<f4", "fortran_order": False, "shape": (6,)}', f4),
        "big-endian": npy(npy_dict(">f4", [6]), struct.pack(">6f", 0, 1, 2, 3, 4, 5)),
        "native-order": npy(npy_dict("=f4", [6]), f4),
        "u1-little": npy(npy_dict("<u1", [4]), bytes(4)),
        "structured": npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (6,), }", f4),
        "complex": npy(npy_dict("<c8", [3]), f4),
        "truncated-data": npy(npy_dict("<f4", [2, 3]), f4[:-1]),
        "trailing-data": npy(npy_dict("<f4", [2, 3]), f4 + b"\x00"),
        "huge-shape": npy(npy_dict("<f4", [2**40, 2**40]), f4),
        "unpadded": npy(npy_dict("<f4", [6]), f4, pad=False),
        "unknown-key": npy("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'x': 1}", f4),
        "header-only": npy(npy_dict("<f4", [2, 3]), b""),
    }
    valid = seeds["f4-2x3"]
    seeds["header-length-too-long"] = valid[:8] + struct.pack("<H", 60000) + valid[10:]
    seeds["bad-magic"] = b"\x93NUMPZ" + valid[6:]
    seeds["version-9"] = valid[:6] + b"\x09\x00" + valid[8:]
    seeds["prefix-only"] = valid[:9]
    return seeds


# --- Diehl & Cook parameters (models/diehl_cook_params_json.hpp) ---------------------------------

def membrane(tau_m, v_rest, v_reset, v_thresh, refractory, v_init):
    return {"tau_m_ms": tau_m, "v_rest_mv": v_rest, "v_reset_mv": v_reset,
            "v_thresh_mv": v_thresh, "refractory_ms": refractory, "v_init_mv": v_init}


def synapse_params(e_inh):
    return {"tau_exc_ms": 1.0, "tau_inh_ms": 2.0, "e_exc_mv": 0.0, "e_inh_mv": e_inh,
            "scheme": "exact"}


def full_params(n_input=784, n_neurons=100):
    """Every field, with the defaults of diehl_cook_params; a seed, so a stale value is harmless."""
    return {
        "n_input": n_input, "n_neurons": n_neurons, "dt_ms": 0.5, "time_ms": 350.0,
        "rest_ms": 150.0, "intensity": 2.0, "intensity_step": 1.0, "min_spikes": 5,
        "max_presentations": 40, "norm": 78.0, "w_init_low": 0.003, "w_init_high": 0.303,
        "delay_min_ms": 0.0, "delay_max_ms": 10.0, "w_exc_inh": 10.4, "w_inh_exc": 17.0,
        "exc": dict(membrane(100.0, -65.0, -65.0, -52.0, 5.0, -105.0), theta_plus_mv=0.05,
                    tau_theta_ms=1e7, theta_offset_mv=20.0, theta_init_mv=20.0),
        "inh": membrane(10.0, -60.0, -45.0, -40.0, 2.0, -100.0),
        "exc_synapses": synapse_params(-100.0),
        "inh_synapses": synapse_params(-85.0),
        "stdp": {"nu_pre": 1e-4, "nu_post": 1e-2, "tau_pre_ms": 20.0, "tau_post1_ms": 20.0,
                 "tau_post2_ms": 40.0, "w_min": 0.0, "w_max": 1.0},
        "encoder": {"sampler": "geometric_skip"},
        "seed": 0,
    }


def params_seeds():
    p = full_params()
    return {
        "full": json.dumps(p, indent=2),
        "compact": json.dumps(p, separators=(",", ":")),
        "empty": "{}",
        "partial": json.dumps({"n_neurons": 400, "time_ms": 250, "exc": {"tau_theta_ms": 1e6},
                               "encoder": {"sampler": "per_step_bernoulli"}}),
        "forward-euler": json.dumps({"exc_synapses": {"scheme": "forward_euler"}}),
        "unknown-field": json.dumps({"n_neuron": 100}),
        "wrong-type": json.dumps({"n_neurons": 1.5, "dt_ms": "0.5"}),
        "negative": json.dumps({"n_neurons": -1, "max_presentations": 0}),
        "not-multiple-of-dt": json.dumps({"dt_ms": 0.3, "time_ms": 350}),
        "huge": json.dumps({"n_neurons": 2**63, "seed": 2**64 - 1, "intensity": 1e300}),
        "bad-enum": json.dumps({"encoder": {"sampler": "magic"}}),
        "not-object": "[1, 2, 3]",
        "nested-wrong": json.dumps({"exc": 5, "stdp": {"w_max": None}}),
    }


# --- checkpoint manifests (io/checkpoint.hpp) ----------------------------------------------------

# The arrays tests/fuzz/fuzz_checkpoint_manifest.cpp writes into its checkpoint directory.
ARRAYS = [("weights", "float32", [4, 2]), ("theta", "float32", [2]),
          ("assignments", "int32", [2]), ("proportions", "float64", [2, 10])]


def manifest(parameters, version=2, arrays=None, **extra):
    if arrays is None:
        arrays = [{"name": n, "file": n + ".npy", "dtype": d, "shape": s} for n, d, s in ARRAYS]
    m = {"format": "spiketorch-checkpoint", "format_version": version,
         "parameters": parameters, "arrays": arrays}
    m.update(extra)
    return json.dumps(m, indent=2)


def manifest_seeds():
    params = {"model": "diehl_cook_2015", "params": full_params(n_input=4, n_neurons=2),
              "examples_trained": 10}
    flat = {"model": "diehl_cook_2015", "n_neurons": 2, "n_input": 4, "dt_ms": 0.5,
            "time_ms": 350.0, "rest_ms": 150.0, "intensity": 2.0, "seed": 0}
    seeds = {
        "v2": manifest(params),
        "v1-flat": manifest(flat, version=1),
        "no-arrays": manifest({"model": "diehl_cook_2015"}, arrays=[]),
        "wrong-shape": manifest(params, arrays=[
            {"name": "weights", "file": "weights.npy", "dtype": "float32", "shape": [2, 4]}]),
        "wrong-dtype": manifest(params, arrays=[
            {"name": "theta", "file": "theta.npy", "dtype": "float64", "shape": [2]}]),
        "missing-file": manifest(params, arrays=[
            {"name": "x", "file": "x.npy", "dtype": "uint8", "shape": [1]}]),
        "path-escape": manifest(params, arrays=[
            {"name": "weights", "file": "../weights.npy", "dtype": "float32", "shape": [4, 2]}]),
        "listed-twice": manifest(params, arrays=[
            {"name": "theta", "file": "theta.npy", "dtype": "float32", "shape": [2]},
            {"name": "theta", "file": "theta.npy", "dtype": "float32", "shape": [2]}]),
        "newer-version": manifest(params, version=3),
        "object-in-v1": manifest(params, version=1),
        "bad-params": manifest({"model": "diehl_cook_2015",
                                "params": {"n_neurons": 1, "dt_ms": -1}}),
        "flat-negative": manifest(dict(flat, n_neurons=-3, seed=-1), version=1),
        "not-checkpoint": json.dumps({"format": "other", "format_version": 1}),
        "duplicate-key": '{"format": "spiketorch-checkpoint", "format": "x", "format_version": 2}',
        "number-overflow": manifest({"model": "diehl_cook_2015", "intensity": 1}).replace(
            '"intensity": 1', '"intensity": 1e999'),
        "null-parameter": manifest({"model": None}),
        "top-level-array": "[]",
        "truncated": manifest(params)[:-20],
    }
    return seeds


FORMATS = {"idx-raw": idx_seeds, "idx-gzip": idx_gzip_seeds, "npy": npy_seeds,
           "manifest": manifest_seeds, "params": params_seeds}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in FORMATS:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(FORMATS)}}} OUT_DIR")
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    seeds = FORMATS[sys.argv[1]]()
    for name, content in seeds.items():
        data = content.encode() if isinstance(content, str) else content
        (out / name).write_bytes(data)
    print(f"fuzz_seed_corpus: {len(seeds)} {sys.argv[1]} seeds in {out}")


if __name__ == "__main__":
    main()
