#!/usr/bin/env bash
# The MNIST program on 1, 2 and 4 MPI ranks gives the same checkpoint (weights, thresholds,
# labels) and the same test accuracy, and a checkpoint saved by 2 ranks evaluates alike on 1
# and 4: mnist_ranks_test.sh PROGRAM. Skipped (77) without MNIST or mpirun.
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
args=(--data "$data" --n_neurons 50 --seed 4 --n_train 60 --n_label 60 --n_test 60 --quiet)
for n in 1 2 4; do
  # --plot on 2 ranks: every rank records what the figures show, rank 0 alone writes them.
  plot=()
  [ $n -eq 2 ] && plot=(--plot "$work/plots2")
  timeout 240 "$here/run_mpi.sh" $n "$program" "${args[@]}" "${plot[@]}" --save "$work/ckpt$n" \
    --json "$work/r$n.json" > "$work/out$n.txt" 2>&1 || { echo "FAIL: $n ranks:"; cat "$work/out$n.txt"; exit 1; }
  grep "test accuracy" "$work/out$n.txt" | sed "s/^/$n ranks: /"
done
for n in 2 4; do
  for f in weights.npy theta.npy assignments.npy proportions.npy; do
    cmp -s "$work/ckpt1/$f" "$work/ckpt$n/$f" || { echo "FAIL: $f differs between 1 and $n ranks"; fail=1; }
  done
  a=$(grep "test accuracy" "$work/out1.txt")
  b=$(grep "test accuracy" "$work/out$n.txt")
  [ "$a" = "$b" ] || { echo "FAIL: accuracy differs between 1 and $n ranks"; fail=1; }
  grep -q "\"ranks\": $n" "$work/r$n.json" || { echo "FAIL: the report of $n ranks does not say so"; fail=1; }
done
[ -f "$work/plots2/weights.png" ] && [ -f "$work/plots2/voltages.npy" ] ||
  { echo "FAIL: --plot on 2 ranks wrote no figures"; fail=1; }
# Saved by 2 ranks, evaluated (labelling again, testing) by 1 and by 4.
for n in 1 4; do
  "$here/run_mpi.sh" $n "$program" --mode test --load "$work/ckpt2" --data "$data" --n_label 60 \
    --n_test 60 --quiet > "$work/test$n.txt" 2>&1 || { echo "FAIL: --mode test on $n ranks:"; cat "$work/test$n.txt"; exit 1; }
done
a=$(grep "test accuracy" "$work/test1.txt")
b=$(grep "test accuracy" "$work/test4.txt")
echo "checkpoint of 2 ranks, tested on 1: $a"
echo "checkpoint of 2 ranks, tested on 4: $b"
[ -n "$a" ] && [ "$a" = "$b" ] || { echo "FAIL: --mode test differs between 1 and 4 ranks"; fail=1; }
[ $fail -eq 0 ] && echo "PASS: the same checkpoint and accuracy on 1, 2 and 4 ranks"
exit $fail
