#!/usr/bin/env bash
# The scaling figures of benchmarks/README.md ("Over MPI ranks"), on an idle machine:
#   1. the Brette et al. CUBA (or COBA) network at each size on one process, on 2 threads of one
#      process and on 2 MPI ranks: time per simulated second (the median of --repeat runs),
#      speed-up over one process, the spike exchanges' share of the ranks' wall time (waiting
#      for the slower rank included), their volume, and the peak memory of one process and of the
#      largest rank (each rank stores the synapses into its own neurons);
#   2. Diehl & Cook at N = 6,400 (--dc_train examples) on one process and on 2 ranks: time per
#      training example.
#   scripts/mpi_scaling.sh [--build build] [--model cuba|coba] [--sizes 64000,256000]
#                          [--duration 2000] [--repeat 3] [--dc_train 60] [--dc_neurons 6400]
set -euo pipefail
build=build
model=cuba
sizes=64000,256000
duration=2000
repeat=3
dc_train=60
dc_neurons=6400
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --dc_train) dc_train=$2; shift 2 ;;
    --dc_neurons) dc_neurons=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "mpi_scaling.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
program="$build/examples/brette2007/spiketorch_$model"
mnist="$build/examples/mnist/spiketorch_mnist"
for p in "$program" "$mnist"; do
  [ -x "$p" ] || { echo "mpi_scaling.sh: $p not found (build first)" >&2; exit 1; }
done
command -v mpirun > /dev/null || { echo "mpi_scaling.sh: mpirun not found (openmpi-bin)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
ranks=(mpirun --allow-run-as-root -np 2 --bind-to core)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
printf "| %s N | 1 process (s per simulated s) | 2 threads | 2 ranks | speed-up, 2 ranks | exchange share | spikes per exchange | peak memory: 1 process, largest rank (MiB) |\n" "$model"
printf "|---|---|---|---|---|---|---|---|\n"
for n in ${sizes//,/ }; do
  for r in $(seq "$repeat"); do
    "$program" --n_neurons "$n" --duration "$duration" --quiet --json "$work/one$r.json" > /dev/null
    OMP_WAIT_POLICY=passive "$program" --n_neurons "$n" --duration "$duration" --threads 2 --quiet \
      --json "$work/threads$r.json" > /dev/null
    "${ranks[@]}" "$program" --n_neurons "$n" --duration "$duration" --quiet \
      --json "$work/ranks$r.json" > /dev/null
  done
  /usr/bin/python3 - "$work" "$n" "$repeat" <<'PY'
import json, statistics, sys
w, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
runs = {c: [json.load(open(f"{w}/{c}{r}.json")) for r in range(1, k + 1)]
        for c in ("one", "threads", "ranks")}
spikes = {j["n_spikes"] for c in runs for j in runs[c]}
assert len(spikes) == 1, "the runs differ"
med = {c: statistics.median(j["wall_per_sim_s"] for j in runs[c]) for c in runs}
share = statistics.median(j["exchange_share"] for j in runs["ranks"])
rk = runs["ranks"][0]
per = rk["spikes_exchanged"] / max(rk["exchanges"], 1)
mem = {c: statistics.median(j["peak_memory_mib"] for j in runs[c]) for c in ("one", "ranks")}
print(f"| {n:,} | {med['one']:.3f} | {med['threads']:.3f} ({med['one'] / med['threads']:.2f}x) | "
      f"{med['ranks']:.3f} | {med['one'] / med['ranks']:.2f}x | {100 * share:.1f}% | "
      f"{per:.1f} ({4 * per:.0f} bytes) | {mem['one']:.0f}, {mem['ranks']:.0f} |")
PY
done
echo
printf "| Diehl & Cook N | 1 process (ms per training example) | 2 ranks | speed-up | peak memory: 1 process, largest rank (MiB) |\n|---|---|---|---|---|\n"
args=(--n_neurons "$dc_neurons" --n_train "$dc_train" --n_test 0 --no-label-pass --quiet)
# Each process's peak resident memory (GNU time, one line per process on stderr).
rss=(/usr/bin/time -f "peak_rss_kib %M")
one=$("${rss[@]}" "$mnist" "${args[@]}" --save "$work/dc1" 2> "$work/rss1" |
  sed -n 's/.* s: \([0-9.]*\) ms per example.*/\1/p')
two=$("${ranks[@]}" "${rss[@]}" "$mnist" "${args[@]}" --save "$work/dc2" 2> "$work/rss2" |
  sed -n 's/.* s: \([0-9.]*\) ms per example.*/\1/p')
cmp -s "$work/dc1/weights.npy" "$work/dc2/weights.npy" || { echo "the D&C runs differ" >&2; exit 1; }
largest() { sed -n 's/^peak_rss_kib //p' "$1" | sort -n | tail -1; }
/usr/bin/python3 -c "import sys; a, b, n, m1, m2 = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]); print(f'| {n:,} | {a:.1f} | {b:.1f} | {a / b:.2f}x | {m1 / 1024:.0f}, {m2 / 1024:.0f} |')" \
  "$one" "$two" "$dc_neurons" "$(largest "$work/rss1")" "$(largest "$work/rss2")"
