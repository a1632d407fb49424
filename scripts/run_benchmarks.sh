#!/usr/bin/env bash
# Runs every SpikeTorch benchmark binary in turn (the `benchmarks` and `benchmarks-quick` Meson
# run targets call this). Console output goes to the terminal; with --json each binary also
# writes DIR/<binary>.json (Google Benchmark's JSON, with the machine's context), and
# DIR/table.md summarises them (scripts/benchmark_table.py).
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/run_benchmarks.sh [options] [-- extra Google Benchmark flags]

  --bin-dir DIR    where the bench_* binaries are (default: build/benchmarks)
  --json DIR       also write DIR/<binary>.json and DIR/table.md
  --quick          --benchmark_min_time=0.01 (a rough pass in well under a minute)
  --only LIST      comma-separated binaries to run (e.g. bench_delivery,bench_bandwidth)
  --filter REGEX   --benchmark_filter=REGEX for every binary
  -h, --help       this text

Environment (handy with the Meson run targets, which take no arguments):
  SPIKETORCH_BENCH_ARGS   extra Google Benchmark flags, split on spaces
                          (e.g. "--benchmark_filter=deliver --benchmark_repetitions=3")
  SPIKETORCH_BENCH_JSON   JSON directory; overrides --json
  SPIKETORCH_BENCH_ONLY   same as --only
  SPIKETORCH_BENCH_QUICK  1: same as --quick
  SPIKETORCH_MNIST_DIR    MNIST files (synthetic digits are used when absent)
EOF
}

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN_DIR=""
JSON_DIR="${SPIKETORCH_BENCH_JSON:-}"
QUICK="${SPIKETORCH_BENCH_QUICK:-0}"
ONLY="${SPIKETORCH_BENCH_ONLY:-}"
EXTRA=()
if [[ -n "${SPIKETORCH_BENCH_ARGS:-}" ]]; then read -r -a EXTRA <<<"$SPIKETORCH_BENCH_ARGS"; fi

while [[ $# -gt 0 ]]; do
  case "$1" in
    --bin-dir) BIN_DIR="$2"; shift 2 ;;
    --json) JSON_DIR="${JSON_DIR:-$2}"; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --only) ONLY="$2"; shift 2 ;;
    --filter) EXTRA+=("--benchmark_filter=$2"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; EXTRA+=("$@"); break ;;
    *) echo "run_benchmarks.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

if [[ -z "$BIN_DIR" ]]; then BIN_DIR="$HERE/../build/benchmarks"; fi
if [[ ! -d "$BIN_DIR" ]]; then
  echo "run_benchmarks.sh: no binaries in '$BIN_DIR'; build first (meson compile -C build) or pass --bin-dir" >&2
  exit 2
fi
if [[ -z "${SPIKETORCH_MNIST_DIR:-}" && -d "$HERE/../../shared/data/mnist" ]]; then
  export SPIKETORCH_MNIST_DIR="$HERE/../../shared/data/mnist"
fi

# Cheap, cache-resident topics first; the bandwidth reference runs next to the topics it judges.
TOPICS=(bench_bandwidth bench_neurons bench_delivery bench_stdp bench_network_step bench_diehl_cook)
if [[ -n "$ONLY" ]]; then IFS=',' read -r -a TOPICS <<<"$ONLY"; fi

ARGS=()
if [[ "$QUICK" == 1 ]]; then ARGS+=(--benchmark_min_time=0.01); fi
if [[ -n "$JSON_DIR" ]]; then mkdir -p "$JSON_DIR"; fi

echo "== $(date -u '+%Y-%m-%d %H:%M:%S UTC') on $(hostname), $(nproc) CPUs"
status=0
for t in "${TOPICS[@]}"; do
  exe="$BIN_DIR/$t"
  if [[ ! -x "$exe" ]]; then echo "run_benchmarks.sh: missing $exe" >&2; status=1; continue; fi
  out=()
  if [[ -n "$JSON_DIR" ]]; then
    out=(--benchmark_out="$JSON_DIR/$t.json" --benchmark_out_format=json)
  fi
  echo "== $t"
  "$exe" "${ARGS[@]}" "${out[@]}" "${EXTRA[@]}" || status=1
done

if [[ -n "$JSON_DIR" ]] && command -v python3 >/dev/null; then
  python3 "$HERE/benchmark_table.py" "$JSON_DIR"/bench_*.json >"$JSON_DIR/table.md" &&
    echo "== table: $JSON_DIR/table.md"
fi
exit $status
