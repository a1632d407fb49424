#!/usr/bin/env python3
"""Diehl & Cook training through Python against the C++ program, per example (issue 14's target:
within 5%). Both train the same network (--seed) on the same first n MNIST training images on one
thread; the C++ time is the one it reports (--json: train.seconds_per_example), Python's is the
wall time of DiehlCook2015.train over n. Runs alternate and the best of --repeat counts, so that
other load on the machine hurts both alike.

  VENV/bin/python scripts/python_speed.py --program build/examples/mnist/spiketorch_mnist \\
      --data data/mnist --n_neurons 100 400 --n_train 500 --repeat 3
"""
import argparse
import json
import pathlib
import subprocess
import tempfile
import time

import spiketorch


def cpp_seconds_per_example(program, data, n_neurons, n_train, seed):
    with tempfile.TemporaryDirectory() as tmp:
        report = pathlib.Path(tmp) / "report.json"
        subprocess.run([program, "--data", data, "--n_neurons", str(n_neurons), "--seed", str(seed),
                        "--threads", "1", "--n_train", str(n_train), "--n_test", "0",
                        "--no-label-pass", "--quiet", "--json", str(report)],
                       check=True, stdout=subprocess.DEVNULL)
        return json.loads(report.read_text())["train"]["seconds_per_example"]


def python_seconds_per_example(images, n_neurons, seed):
    model = spiketorch.DiehlCook2015(n_neurons=n_neurons, seed=seed)
    start = time.perf_counter()
    model.train(images, progress=False)
    return (time.perf_counter() - start) / len(images)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--program", default="build/examples/mnist/spiketorch_mnist")
    parser.add_argument("--data", default="data/mnist")
    parser.add_argument("--n_neurons", type=int, nargs="+", default=[100, 400])
    parser.add_argument("--n_train", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    images, _ = spiketorch.load_mnist(args.data, "train", n=args.n_train)
    print(f"{'N':>5} {'C++ ms/ex':>10} {'Python ms/ex':>13} {'Python/C++':>11}")
    for n in args.n_neurons:
        cpp, py = [], []
        for _ in range(args.repeat):
            cpp.append(cpp_seconds_per_example(args.program, args.data, n, args.n_train, args.seed))
            py.append(python_seconds_per_example(images, n, args.seed))
        c, p = min(cpp), min(py)
        print(f"{n:>5} {1e3 * c:>10.3f} {1e3 * p:>13.3f} {p / c:>11.3f}   "
              f"(all runs, ms: C++ {', '.join(f'{1e3 * x:.3f}' for x in cpp)}; "
              f"Python {', '.join(f'{1e3 * x:.3f}' for x in py)})", flush=True)


if __name__ == "__main__":
    main()
