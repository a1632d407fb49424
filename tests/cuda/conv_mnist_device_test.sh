#!/usr/bin/env bash
# spiketorch_conv_mnist with --device cpu and --device cuda on the same small job (both layers'
# STDP, features, readout, test) must give the same kernels, readout and accuracy, bit for bit.
# Run on the program built with the host emulation of CUDA (spiketorch_conv_mnist_emulated), so
# it needs no GPU. Skipped (exit 77) without the MNIST files in $SPIKETORCH_MNIST_DIR.
set -euo pipefail
bin=$1
data=${SPIKETORCH_MNIST_DIR:-}
if [ -z "$data" ] || ! ls "$data"/train-images-idx3-ubyte* > /dev/null 2>&1; then
  echo "SKIPPED: no MNIST files in '${data}' (SPIKETORCH_MNIST_DIR)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
job=(--n_stdp 4 --n_train 30 --n_test 10 --seed 2 --data "$data" --quiet)
for device in cpu cuda; do
  echo "== spiketorch_conv_mnist ${job[*]} --device $device"
  "$bin" "${job[@]}" --device "$device" --save "$tmp/ck_$device" > "$tmp/$device.out"
  cat "$tmp/$device.out"
done
fail=0
for f in "$tmp"/ck_cpu/*.npy; do
  if cmp -s "$f" "$tmp/ck_cuda/$(basename "$f")"; then
    echo "same: checkpoint $(basename "$f")"
  else
    echo "DIFFERENT: checkpoint $(basename "$f")"
    fail=1
  fi
done
a=$(grep -o "accuracy [0-9.]* % ([0-9]* silent)" "$tmp/cpu.out")
b=$(grep -o "accuracy [0-9.]* % ([0-9]* silent)" "$tmp/cuda.out")
if [ -n "$a" ] && [ "$a" = "$b" ]; then
  echo "same: $a"
else
  echo "DIFFERENT: cpu '$a', cuda '$b'"
  fail=1
fi
exit $fail
