#!/usr/bin/env python3
"""Markdown tables from Google Benchmark JSON files (run_benchmarks.sh --json DIR writes them).

    python3 scripts/benchmark_table.py build/benchmarks/results/bench_*.json > table.md

One table per file: benchmark name, real and CPU time per iteration, and the counters. Rates
(".../s") are per CPU second, Google Benchmark's default. With --benchmark_repetitions the median
rows are shown instead of the single runs.
"""
import json
import sys

RATE_COUNTERS = ["synaptic_events/s", "updated/s", "neuron_updates/s", "examples/s", "bytes/s",
                 "updates/s"]
OTHER_COUNTERS = ["time/step", "active_targets", "spikes/step", "events/step", "pre_spikes/step", "post_spikes/step",
                  "in_spikes/step", "exc_spikes/step", "inh_spikes/step", "input_spikes/example",
                  "exc_spikes/example", "presentations/example"]


def si(x, unit=""):
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= factor:
            return f"{x / factor:.3g} {prefix}{unit}"
    if x != 0 and abs(x) < 1e-3:
        for factor, prefix in ((1e-6, "u"), (1e-9, "n")):
            if abs(x) >= factor:
                return f"{x / factor:.3g} {prefix}{unit}"
    return f"{x:.3g} {unit}".rstrip()


def fmt_time(t, unit):
    return f"{t:.4g} {unit}"


def table(path):
    with open(path) as f:
        data = json.load(f)
    rows = data.get("benchmarks", [])
    if any(r.get("aggregate_name") == "median" for r in rows):
        rows = [r for r in rows if r.get("aggregate_name") == "median"]
    else:
        rows = [r for r in rows if r.get("run_type", "iteration") == "iteration"]
    used = [c for c in RATE_COUNTERS + OTHER_COUNTERS if any(c in r for r in rows)]
    name = path.rsplit("/", 1)[-1].removesuffix(".json")
    out = [f"### {name}", "", "| benchmark | real time | CPU time | " + " | ".join(used) + " |",
           "|---|---:|---:|" + "---:|" * len(used)]
    for r in rows:
        unit = r.get("time_unit", "ns")
        name_ = r.get("run_name", r["name"]) if r.get("run_type") == "aggregate" else r["name"]
        cells = [f"`{name_}`", fmt_time(r["real_time"], unit), fmt_time(r["cpu_time"], unit)]
        for c in used:
            if c not in r:
                cells.append("")
            elif c == "time/step":
                cells.append(si(r[c], "s"))
            elif c.endswith("/s"):
                cells.append(si(r[c], "/s"))
            else:
                cells.append(f"{r[c]:.3g}")
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def context(path):
    with open(path) as f:
        c = json.load(f).get("context", {})
    caches = ", ".join(f"L{x['level']} {x['type'].lower()} {x['size'] // 1024} KiB (shared by "
                       f"{x['num_sharing']})"
                       for x in c.get("caches", []))
    return (f"{c.get('date', '?')}, {c.get('host_name', '?')}, {c.get('num_cpus', '?')} CPUs at "
            f"{c.get('mhz_per_cpu', '?')} MHz, caches: {caches}, load average "
            f"{[round(x, 2) for x in c.get('load_avg', [])]}\n")


def main(paths):
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    readable = []
    for p in paths:
        try:
            with open(p) as f:
                json.load(f)
            readable.append(p)
        except (OSError, ValueError) as e:  # e.g. a run that was interrupted
            print(f"benchmark_table.py: skipping {p}: {e}", file=sys.stderr)
    if not readable:
        return 1
    print("Context: " + context(readable[0]))
    for p in readable:
        print(table(p))
    return 0 if len(readable) == len(paths) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
