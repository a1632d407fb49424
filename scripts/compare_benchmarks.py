#!/usr/bin/env python3
"""Speed of one build against another, measured in the same run: each benchmark binary of the two
build folders runs in alternation, round after round, and the table gives the fastest (or median) time
per benchmark and the ratio new / base (< 1: the new build is faster). Alternating keeps the load of a
shared machine from favouring one side.

  scripts/compare_benchmarks.py --base ../old/build/benchmarks --new build/benchmarks \\
      bench_diehl_cook:'train_example/(100|400|1600)$' bench_delivery:'/(100|400|1600)$'
"""
import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path


def run(binary, flt, min_time):
    out = subprocess.run([str(binary), "--benchmark_format=json", f"--benchmark_filter={flt}",
                          f"--benchmark_min_time={min_time}"],
                         check=True, capture_output=True, text=True).stdout
    return {b["name"]: b["real_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
            for b in json.loads(out)["benchmarks"] if b.get("run_type", "iteration") == "iteration"}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", required=True, type=Path, help="folder with the baseline binaries")
    ap.add_argument("--new", required=True, type=Path, help="folder with the binaries to compare")
    ap.add_argument("--rounds", type=int, default=3, help="alternations of base and new [3]")
    ap.add_argument("--min-time", type=float, default=0.2, help="seconds per benchmark and run [0.2]")
    ap.add_argument("--stat", choices=["min", "median"], default="min",
                    help="time of a benchmark over the rounds: the fastest (least disturbed by "
                         "other load) or the median [min]")
    ap.add_argument("benchmarks", nargs="+", help="BINARY[:FILTER] (filter: a benchmark regex)")
    a = ap.parse_args()
    times = {"base": {}, "new": {}}
    for spec in a.benchmarks:
        name, _, flt = spec.partition(":")
        for side, folder in (("base", a.base), ("new", a.new)):
            if not (folder / name).is_file():
                sys.exit(f"compare_benchmarks: no binary {folder / name}")
        for r in range(a.rounds):
            for side, folder in (("base", a.base), ("new", a.new)) if r % 2 == 0 else (("new", a.new), ("base", a.base)):
                for bench, t in run(folder / name, flt or ".", a.min_time).items():
                    times[side].setdefault(bench, []).append(t)
            print(f"{name}: round {r + 1}/{a.rounds} done", file=sys.stderr)
    width = max(len(b) for b in times["base"])
    stat = min if a.stat == "min" else statistics.median
    print(f"{'benchmark':<{width}}  {'base':>11}  {'new':>11}  new/base   ({a.stat} of {a.rounds} rounds)")
    ratios = []
    for bench, ts in times["base"].items():
        if bench not in times["new"]:
            continue
        b, n = stat(ts), stat(times["new"][bench])
        ratios.append(n / b)
        print(f"{bench:<{width}}  {b * 1e6:9.2f}us  {n * 1e6:9.2f}us  {n / b:8.3f}")
    if ratios:
        print(f"geometric mean of new/base over {len(ratios)} benchmarks: "
              f"{statistics.geometric_mean(ratios):.3f}")


if __name__ == "__main__":
    main()
