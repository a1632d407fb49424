#!/usr/bin/env bash
# Side-by-side speed comparison: SpikeTorch's Diehl & Cook MNIST program versus
# the same network in Brian2 (runtime mode and C++ standalone mode).
# See benchmarks/peers/README.md.
set -u

usage() {
  cat <<'EOF'
Usage: scripts/run_peers.sh [options]

  --n "LIST"          excitatory layer sizes (default "100 400")
  --examples K        training examples and evaluation examples per run (default 100)
  --quick             10 examples, N=100 only
  --threads T         threads for SpikeTorch and Brian2 standalone OpenMP (default 1)
  --spiketorch PATH   our program (default build/examples/mnist/spiketorch_mnist)
  --data DIR          MNIST IDX .gz directory (default data/mnist, else ../shared/data/mnist)
  --out DIR           where JSON files, logs and the table go (default a new /tmp directory)
  --brian-devices L   Brian2 devices to run (default "runtime cpp_standalone")
  --no-spiketorch     run the Brian2 half only
  --timeout S         kill any single run after S seconds (default: no limit)
  -h, --help          this text
EOF
}

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
PY=/usr/bin/python3
N_LIST="100 400"
EXAMPLES=100
THREADS=1
QUICK=0
SPIKETORCH="$REPO/build/examples/mnist/spiketorch_mnist"
DATA=""
OUT=""
B2_DEVICES="runtime cpp_standalone"
RUN_ST=1
TIMEOUT=0

while [ $# -gt 0 ]; do
  case "$1" in
    --n) N_LIST="$2"; shift 2 ;;
    --n=*) N_LIST="${1#*=}"; shift ;;
    --examples) EXAMPLES="$2"; shift 2 ;;
    --examples=*) EXAMPLES="${1#*=}"; shift ;;
    --quick) QUICK=1; shift ;;
    --threads) THREADS="$2"; shift 2 ;;
    --threads=*) THREADS="${1#*=}"; shift ;;
    --spiketorch) SPIKETORCH="$2"; shift 2 ;;
    --spiketorch=*) SPIKETORCH="${1#*=}"; shift ;;
    --data) DATA="$2"; shift 2 ;;
    --data=*) DATA="${1#*=}"; shift ;;
    --out) OUT="$2"; shift 2 ;;
    --out=*) OUT="${1#*=}"; shift ;;
    --brian-devices) B2_DEVICES="$2"; shift 2 ;;
    --no-spiketorch) RUN_ST=0; shift ;;
    --timeout) TIMEOUT="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run_peers.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
if [ "$QUICK" = 1 ]; then N_LIST="100"; EXAMPLES=10; fi

# ---- Brian2 available? ------------------------------------------------------
if [ ! -x "$PY" ] || ! "$PY" -c 'import brian2' >/dev/null 2>&1; then
  echo "run_peers.sh: Brian2 is not importable by $PY (install it with: apt-get install -y python3-brian)."
  echo "run_peers.sh: peer comparison skipped"
  exit 0
fi

# ---- data ---------------------------------------------------------------------
if [ -z "$DATA" ]; then
  for d in "$REPO/data/mnist" "$REPO/../shared/data/mnist"; do
    if [ -f "$d/train-images-idx3-ubyte.gz" ] || [ -f "$d/train-images-idx3-ubyte" ]; then
      DATA="$(cd "$d" && pwd)"; break
    fi
  done
fi
if [ -z "$DATA" ] || [ ! -d "$DATA" ]; then
  echo "run_peers.sh: no MNIST data found (looked in data/mnist and ../shared/data/mnist); use --data DIR" >&2
  exit 1
fi

if [ -z "$OUT" ]; then
  OUT="$(mktemp -d "${TMPDIR:-/tmp}/spiketorch_peers.XXXXXX")"
fi
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

TIME_BIN=""
if [ -x /usr/bin/time ] && /usr/bin/time -f %M -o /dev/null true >/dev/null 2>&1; then
  TIME_BIN=/usr/bin/time
fi
TIMEOUT_CMD=()
if [ "$TIMEOUT" != 0 ] && command -v timeout >/dev/null 2>&1; then
  TIMEOUT_CMD=(timeout "$TIMEOUT")
fi

echo "== peers: N=[$N_LIST] examples=$EXAMPLES threads=$THREADS data=$DATA"
echo "== peers: results in $OUT"

# run_one NAME CMD...: stdout+stderr to NAME.log, peak RSS (KiB) to NAME.rss
run_one() {
  local name="$1"; shift
  local t0 t1 rc
  t0=$(date +%s%N)
  if [ -n "$TIME_BIN" ]; then
    ${TIMEOUT_CMD[@]+"${TIMEOUT_CMD[@]}"} "$TIME_BIN" -f %M -o "$OUT/$name.rss" "$@" >"$OUT/$name.log" 2>&1
  else
    ${TIMEOUT_CMD[@]+"${TIMEOUT_CMD[@]}"} "$@" >"$OUT/$name.log" 2>&1
  fi
  rc=$?
  t1=$(date +%s%N)
  printf '   %-34s rc=%d  %d s wall\n' "$name" "$rc" "$(( (t1 - t0) / 1000000000 ))"
  return $rc
}

FAIL=0
for N in $N_LIST; do
  for dev in $B2_DEVICES; do
    for mode in train test; do
      name="brian2_${dev}_${mode}_N${N}"
      rm -f "$OUT/$name.json"
      run_one "$name" "$PY" "$REPO/benchmarks/peers/brian2_diehl_cook.py" --mode "$mode" --n_neurons "$N" \
        --n_examples "$EXAMPLES" --device "$dev" --threads "$THREADS" --data "$DATA" \
        --json "$OUT/$name.json" || { FAIL=1; echo "   (see $OUT/$name.log)"; }
    done
  done
  if [ "$RUN_ST" = 1 ]; then
    name="spiketorch_N${N}"
    rm -f "$OUT/$name.json"
    if [ -x "$SPIKETORCH" ]; then
      st_cmd=("$SPIKETORCH" --mode train --n_neurons "$N" --n_train "$EXAMPLES" --n_test "$EXAMPLES"
              --epochs 1 --threads "$THREADS" --data "$DATA" --json "$OUT/$name.json")
      if ! run_one "$name" "${st_cmd[@]}" --no-label-pass; then
        if grep -q -- 'no-label-pass' "$OUT/$name.log"; then
          echo "   (--no-label-pass not accepted; retrying without it: the timing then includes the label pass)"
          echo "no-label-pass flag not supported" >"$OUT/$name.nolabelpass"
          run_one "$name" "${st_cmd[@]}" || { FAIL=1; echo "   (see $OUT/$name.log)"; }
        else
          FAIL=1; echo "   (see $OUT/$name.log)"
        fi
      fi
    else
      echo "   spiketorch_N${N}: $SPIKETORCH not found or not executable (build it first) -- not run"
    fi
  fi
done

"$PY" - "$OUT" "$N_LIST" "$EXAMPLES" "$B2_DEVICES" <<'PYEOF' | tee "$OUT/table.txt"
import json, os, sys
out, n_list, examples, devices = sys.argv[1], sys.argv[2].split(), int(sys.argv[3]), sys.argv[4].split()

def load(name):
    p = os.path.join(out, name + '.json')
    try:
        with open(p) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None

def rss_mb(name):
    try:
        with open(os.path.join(out, name + '.rss')) as f:
            for line in f:
                line = line.strip()
                if line.isdigit():
                    return int(line) / 1024.0
    except OSError:
        pass
    return None

def fnum(x, fmt='{:.4g}'):
    return '-' if x is None else fmt.format(x)

def pair(a, b, fmt='{:.0f}'):
    if a is None and b is None:
        return '-'
    return f"{fnum(a, fmt)}/{fnum(b, fmt)}"

def get(d, *keys):
    for k in keys:
        if d is None or k not in d:
            return None
        d = d[k]
    return d

rows = []
summary = []
for N in n_list:
    st = load(f'spiketorch_N{N}')
    st_tr = get(st, 'train', 'seconds_per_example')
    st_te = get(st, 'test', 'seconds_per_example')
    group = []
    for dev in devices:
        tr = load(f'brian2_{dev}_train_N{N}')
        te = load(f'brian2_{dev}_test_N{N}')
        if dev == 'cpp_standalone':
            bin_mb = max([v for v in (get(tr, 'sim_binary_peak_rss_mb'), get(te, 'sim_binary_peak_rss_mb')) if v is not None], default=None)
            py_mb = max([v for v in (get(tr, 'peak_rss_self_mb'), get(te, 'peak_rss_self_mb')) if v is not None], default=None)
            mem = f"{fnum(bin_mb, '{:.0f}')} (py {fnum(py_mb, '{:.0f}')})"
        else:
            py_mb = max([v for v in (get(tr, 'peak_rss_self_mb'), get(te, 'peak_rss_self_mb')) if v is not None], default=None)
            mem = fnum(py_mb, '{:.0f}')
        b_tr = get(tr, 'seconds_per_example')
        b_te = get(te, 'seconds_per_example')
        sp_tr = b_tr / st_tr if (b_tr and st_tr) else None
        sp_te = b_te / st_te if (b_te and st_te) else None
        label = {'runtime': 'Brian2 runtime', 'cpp_standalone': 'Brian2 cpp_standalone'}.get(dev, 'Brian2 ' + dev)
        if get(tr, 'codegen_target'):
            label += f" [{get(tr, 'codegen_target').replace('CodeObject', '').replace('cpp_standalone', 'C++')}]"
        group.append([label, N, pair(get(tr, 'examples'), get(te, 'examples'), '{}'),
                      fnum(b_tr), fnum(b_te), mem,
                      pair(get(tr, 'setup_seconds'), get(te, 'setup_seconds'), '{:.1f}'),
                      pair(get(tr, 'input_spikes_per_example'), get(te, 'input_spikes_per_example')),
                      pair(get(tr, 'exc_spikes_per_example'), get(te, 'exc_spikes_per_example'), '{:.1f}'),
                      pair(get(tr, 'presentations'), get(te, 'presentations'), '{}'),
                      pair(sp_tr, sp_te, '{:.2f}x') if (sp_tr or sp_te) else '-'])
        summary.append(dict(simulator='brian2', device=dev, n_neurons=int(N),
                            train_s_per_example=b_tr, test_s_per_example=b_te,
                            spiketorch_speedup_train=sp_tr, spiketorch_speedup_test=sp_te))
    if st is not None:
        mem_mb = rss_mb(f'spiketorch_N{N}')
        if mem_mb is None:
            mem_mb = st.get('peak_rss_mb')
        label = 'SpikeTorch'
        if os.path.exists(os.path.join(out, f'spiketorch_N{N}.nolabelpass')):
            label += ' (incl. label pass)'
        group.insert(0, [label, N, pair(get(st, 'train', 'examples'), get(st, 'test', 'examples'), '{}'),
                         fnum(st_tr), fnum(st_te), fnum(mem_mb, '{:.0f}'),
                         fnum(st.get('setup_seconds'), '{:.1f}'),
                         pair(get(st, 'train', 'input_spikes_per_example'), get(st, 'test', 'input_spikes_per_example')),
                         pair(get(st, 'train', 'exc_spikes_per_example'), get(st, 'test', 'exc_spikes_per_example'), '{:.1f}'),
                         pair(get(st, 'train', 'presentations'), get(st, 'test', 'presentations'), '{}'),
                         '1x'])
        summary.append(dict(simulator='spiketorch', n_neurons=int(N), train_s_per_example=st_tr,
                            test_s_per_example=st_te, peak_rss_mb=mem_mb))
    else:
        group.insert(0, ['SpikeTorch (not run)', N] + ['-'] * 9)
    rows += group

head = ['simulator / mode', 'N', 'examples tr/ev', 's/train ex', 's/eval ex', 'peak MB',
        'setup s tr/ev', 'in spk/ex tr/ev', 'exc spk/ex tr/ev', 'presentations tr/ev',
        'SpikeTorch speed-up tr/ev']
cells = [head] + [[str(c) for c in r] for r in rows]
w = [max(len(r[k]) for r in cells) for k in range(len(head))]
print()
for k, r in enumerate(cells):
    print('  '.join(c.ljust(w[j]) if j == 0 else c.rjust(w[j]) for j, c in enumerate(r)))
    if k == 0:
        print('  '.join('-' * x for x in w))
print()
print('s/ex: simulation time only (set-up/compilation excluded), per example incl. <5-spike retries.')
print('speed-up = Brian2 s/ex divided by SpikeTorch s/ex (>1: SpikeTorch faster).')
print('peak MB: SpikeTorch from /usr/bin/time -f %M; Brian2 runtime: the Python process;')
print('         Brian2 standalone: the simulation binary (the Python/codegen process in brackets).')
with open(os.path.join(out, 'summary.json'), 'w') as f:
    json.dump(summary, f, indent=2)
PYEOF

if [ "$FAIL" != 0 ]; then
  echo "run_peers.sh: some runs failed (logs in $OUT)" >&2
  exit 1
fi
exit 0
