#!/usr/bin/env bash
# spiketorch_mnist with --device cpu and --device cuda on the same small job (train, label, test,
# then --mode test on the checkpoint, also with new labels) must give identical checkpoints and
# accuracies. Run on the program built with the host emulation of CUDA
# (spiketorch_mnist_emulated), so it needs no GPU.
# Also: the CPU's frozen passes give the same results for 1 and 2 threads.
# Skipped (exit 77) without the MNIST files in $SPIKETORCH_MNIST_DIR.
set -euo pipefail
bin=$1
data=${SPIKETORCH_MNIST_DIR:-}
if [ -z "$data" ] || ! ls "$data"/train-images-idx3-ubyte* > /dev/null 2>&1; then
  echo "SKIPPED: no MNIST files in '${data}' (SPIKETORCH_MNIST_DIR)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
job=(--n_neurons 12 --n_train 5 --n_label 12 --n_test 12 --seed 5 --update_interval 5
     --data "$data" --quiet)

run() {  # name, options...
  local name=$1
  shift
  echo "== spiketorch_mnist $*"
  "$bin" "$@" > "$tmp/$name.out"
  cat "$tmp/$name.out"
}
run cpu "${job[@]}" --device cpu --threads 2 --save "$tmp/ck_cpu"
run cpu1 "${job[@]}" --device cpu --threads 1
run cuda "${job[@]}" --device cuda --save "$tmp/ck_cuda"
run cpu_test --mode test --load "$tmp/ck_cpu" --n_test 12 --data "$data" --quiet --device cpu
run cuda_test --mode test --load "$tmp/ck_cpu" --n_test 12 --data "$data" --quiet --device cuda
# New labels for the checkpoint from the same 5 training examples: the training run's results.
run cuda_relabel --mode test --load "$tmp/ck_cpu" --n_label 5 --n_test 12 --data "$data" --quiet \
  --device cuda

fail=0
same() {  # what, file a, file b
  if cmp -s "$2" "$3"; then
    echo "same: $1"
  else
    echo "DIFFERENT: $1 ($2 vs $3)"
    fail=1
  fi
}
for f in "$tmp"/ck_cpu/*.npy; do
  same "checkpoint $(basename "$f")" "$f" "$tmp/ck_cuda/$(basename "$f")"
done
# The report lines that must agree (the timing lines may not).
results() { grep -E "^(test accuracy|  [0-9] :)|presentations," "$1" | sed -E 's/in [0-9.]+ s: [0-9.]+ ms per example \([0-9.]+ ms CPU\), [0-9]+ examples\/s; //'; }
results "$tmp/cpu.out" > "$tmp/cpu.res"
results "$tmp/cpu1.out" > "$tmp/cpu1.res"
results "$tmp/cuda.out" > "$tmp/cuda.res"
results "$tmp/cpu_test.out" > "$tmp/cpu_test.res"
results "$tmp/cuda_test.out" > "$tmp/cuda_test.res"
[ -s "$tmp/cpu.res" ] || { echo "no results in the output"; exit 1; }
same "accuracy, confusion matrix and training figures: cpu vs cuda" "$tmp/cpu.res" "$tmp/cuda.res"
same "accuracy and confusion matrix: 2 threads vs 1 thread" "$tmp/cpu.res" "$tmp/cpu1.res"
same "checkpoint evaluation: cpu vs cuda" "$tmp/cpu_test.res" "$tmp/cuda_test.res"
accuracy() { grep -E "^(test accuracy|  [0-9] :)" "$1"; }
accuracy "$tmp/cpu.out" > "$tmp/cpu.acc"
accuracy "$tmp/cuda_relabel.out" > "$tmp/relabel.acc"
same "checkpoint relabelled (--mode test --n_label) vs the training run" "$tmp/cpu.acc" "$tmp/relabel.acc"
exit $fail
