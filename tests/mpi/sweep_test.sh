#!/usr/bin/env bash
# spiketorch_sweep gives the same table on 1, 2 and 3 ranks (3: more ranks than some get runs
# for... and uneven shares), and refuses bad --set values once, with status 2:
# sweep_test.sh PROGRAM. Skipped (77) without MNIST or mpirun.
set -uo pipefail
program=$1
here=$(cd "$(dirname "$0")" && pwd)
data=${SPIKETORCH_MNIST_DIR:-}
if [ -z "$data" ] || ! ls "$data"/train-images-idx3-ubyte* > /dev/null 2>&1; then
  echo "MNIST not found (SPIKETORCH_MNIST_DIR): skipped"
  exit 77
fi
command -v mpirun > /dev/null || { echo "mpirun not found: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
args=(--data "$data" --n_neurons 20,30 --seeds 0,1 --set intensity=2,3 --n_train 40 --n_test 40 --quiet)
for n in 1 2 3; do
  "$here/run_mpi.sh" $n "$program" "${args[@]}" --csv "$work/t$n.csv" --json "$work/t$n.json" \
    > "$work/out$n.txt" 2>&1 || { echo "FAIL: $n ranks:"; cat "$work/out$n.txt"; exit 1; }
  # The settings and accuracies (not the times, nor which rank ran a run).
  cut -d, -f1-5 "$work/t$n.csv" > "$work/a$n.csv"
done
cat "$work/t2.csv"
[ "$(wc -l < "$work/a1.csv")" -eq 9 ] || { echo "FAIL: expected a header and 8 runs"; fail=1; }
for n in 2 3; do
  cmp -s "$work/a1.csv" "$work/a$n.csv" || { echo "FAIL: the table of $n ranks differs"; diff "$work/a1.csv" "$work/a$n.csv"; fail=1; }
  [ "$(cut -d, -f9 "$work/t$n.csv" | tail -n +2 | sort -u | wc -l)" -eq "$n" ] ||
    { echo "FAIL: the runs were not spread over $n ranks"; fail=1; }
done
/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert len(d['runs'])==8 and d['ranks']==2" \
  "$work/t2.json" 2> /dev/null || { echo "FAIL: the JSON table"; fail=1; }
# Bad values: status 2, one message naming the problem (from rank 0 only).
for bad in "bogus=1:unknown parameter 'bogus'" "intensity=-3:intensity must be > 0" "intensity:--set needs KEY=V1" \
    "intensity=2 --csv /nonexistent/t.csv:cannot create files in /nonexistent"; do
  value=${bad%%:*}
  words=${bad#*:}
  # shellcheck disable=SC2086 # $value may carry a second option
  "$here/run_mpi.sh" 2 "$program" --data "$data" --set $value --n_train 5 --n_test 5 > "$work/bad.txt" 2>&1
  rc=$?
  if [ $rc -ne 2 ] || [ "$(grep -c -- "$words" "$work/bad.txt")" -ne 1 ]; then
    echo "FAIL: --set $value: exit status $rc, expected 2 and one line with '$words':"
    cat "$work/bad.txt"
    fail=1
  fi
done
[ $fail -eq 0 ] && echo "PASS: one table on 1, 2 and 3 ranks; bad --set refused"
exit $fail
