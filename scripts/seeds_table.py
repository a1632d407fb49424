#!/usr/bin/env python3
"""Results over seeds: the Diehl & Cook network, faithful and improved, at several sizes.

Usage:
  scripts/seeds_table.py [--n_neurons 100 400 1600] [--seeds 0 1 2]
                         [--variants faithful improved] [--epochs 1] [--threads 2]
                         [--out runs/seeds] [--binary build/examples/mnist/spiketorch_mnist]
                         [--table-only] [-- extra options for spiketorch_mnist]

Runs build/examples/mnist/spiketorch_mnist once per (size, variant, seed) with --json, one run
after the other (each with --threads threads), keeping every report in --out as
n{N}_{variant}_s{seed}.json; a report already there is not run again, so an interrupted sweep
resumes. Then writes --out/table.md and prints it: per size and variant the mean ± sample
standard deviation over the seeds of the test accuracy under each vote (all-activity,
proportion weighting, confidence weighting, n-gram, likelihood, linear readout) and of the
training time; a vote that some reports lack says how many of the seeds it covers.
--table-only makes the table from the reports there without running anything.
Standard library only.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

VOTES = [("accuracy_all_activity", "all-activity"), ("accuracy_proportion", "proportion"),
         ("accuracy_confidence", "confidence"), ("accuracy_ngram", "n-gram"),
         ("accuracy_likelihood", "likelihood"), ("accuracy_readout", "readout")]


def report_path(out, n, variant, seed):
    return os.path.join(out, f"n{n}_{variant}_s{seed}.json")


def run_one(args, n, variant, seed, extra):
    path = report_path(args.out, n, variant, seed)
    if os.path.exists(path):
        return
    cmd = [args.binary, "--n_neurons", str(n), "--variant", variant, "--seed", str(seed),
           "--epochs", str(args.epochs), "--threads", str(args.threads), "--quiet",
           "--json", path + ".part"] + extra
    print("running:", " ".join(cmd), flush=True)
    t0 = time.time()
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        sys.exit(f"seeds_table: {' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}")
    # The program writes its report atomically; renaming marks the run as finished.
    os.replace(path + ".part", path)
    acc = [line for line in done.stdout.splitlines() if "accuracy" in line or "votes" in line]
    print(f"  {time.time() - t0:.0f} s; " + " | ".join(acc), flush=True)


def mean_sd(values, scale=1.0, digits=1):
    if not values:
        return "–"
    m = statistics.mean(values) * scale
    if len(values) < 2:
        return f"{m:.{digits}f}"
    return f"{m:.{digits}f} ± {statistics.stdev(values) * scale:.{digits}f}"


def table(args):
    rows = ["| N | variant | seeds | " + " | ".join(v[1] for v in VOTES) +
            " | training, s | ms/example |",
            "|---|---|---|" + "---:|" * (len(VOTES) + 2)]
    for n in args.n_neurons:
        for variant in args.variants:
            reports = []
            for seed in args.seeds:
                path = report_path(args.out, n, variant, seed)
                if os.path.exists(path):
                    with open(path) as f:
                        reports.append(json.load(f))
            if not reports:
                continue
            cells = []
            for key, _ in VOTES:
                vals = [r["test"][key] for r in reports if key in r.get("test", {})]
                cell = mean_sd(vals, 100.0, 2)
                if 0 < len(vals) < len(reports):
                    cell += f" ({len(vals)} of {len(reports)} seeds)"
                cells.append(cell)
            secs = [r["train"]["seconds"] for r in reports]
            per = [r["train"]["seconds_per_example"] for r in reports]
            seeds = ",".join(str(r["params"]["seed"]) for r in reports)
            rows.append(f"| {n} | {variant} | {seeds} | " + " | ".join(cells) +
                        f" | {mean_sd(secs, 1.0, 0)} | {mean_sd(per, 1e3, 2)} |")
    return "\n".join(rows) + "\n"


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n_neurons", type=int, nargs="+", default=[100, 400, 1600])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--variants", nargs="+", default=["faithful", "improved"],
                    choices=["faithful", "improved"])
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--out", default="runs/seeds")
    ap.add_argument("--binary", default="build/examples/mnist/spiketorch_mnist")
    ap.add_argument("--table-only", action="store_true")
    args = ap.parse_args(argv)
    if args.epochs < 1 or args.threads < 1:
        sys.exit("seeds_table: --epochs and --threads must be at least 1")
    os.makedirs(args.out, exist_ok=True)
    if not args.table_only:
        if not os.access(args.binary, os.X_OK):
            sys.exit(f"seeds_table: {args.binary} is not an executable (build first, or --binary)")
        for n in args.n_neurons:
            for variant in args.variants:
                for seed in args.seeds:
                    run_one(args, n, variant, seed, extra)
    text = table(args)
    with open(os.path.join(args.out, "table.md"), "w") as f:
        f.write(text)
    print(text, end="")


if __name__ == "__main__":
    main()
