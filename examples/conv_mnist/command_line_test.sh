#!/usr/bin/env bash
# The convolutional MNIST program: --help documents every option; bad values exit 2 naming the
# option; output paths that could only fail after the work exit 1 before it; and, on MNIST
# ($SPIKETORCH_MNIST_DIR, else data/mnist or ../shared/data/mnist; skipped without it), a short
# run's checkpoint gives the same accuracy when tested, on 1 or 2 threads, while a checkpoint of
# another architecture or another model is refused.
set -uo pipefail
bin=$1
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out
err=$tmp/err

"$bin" --help > "$out" 2> "$err"
status=$?
if [ $status -ne 0 ] || [ -s "$err" ]; then
  echo "FAIL: --help exited with $status"
  fail=1
fi
for opt in --mode --epochs1 --epochs2 --n_stdp --n_train --n_test --C --seed --data --save \
           --load --threads --plot --json --device --quiet; do
  grep -q -- "$opt" "$out" || { echo "FAIL: --help does not mention $opt"; fail=1; }
done

expect_status() {  # status, text the message must contain, arguments...
  local want_status=$1 want=$2
  shift 2
  "$bin" --quiet "$@" > "$out" 2> "$err"
  local status=$?
  if [ $status -ne "$want_status" ] || ! grep -qF -- "$want" "$err"; then
    echo "FAIL: $*: exit $status, expected $want_status with '$want':"
    cat "$err"
    fail=1
  elif grep -q "^layer 1:" "$out"; then
    echo "FAIL: $*: refused only after training"
    fail=1
  else
    echo "ok: $* -> $(head -1 "$err")"
  fi
}
expect_status 2 "--n_stdp: needs a non-negative integer, got '-3'" --n_stdp -3
expect_status 2 "--C: needs a number, got 'nan'" --C nan
expect_status 2 "--C must be > 0, got 0" --C 0
expect_status 2 "--n_stdp must be in 1..60000" --n_stdp 0
expect_status 2 "--n_train must be in 1..60000" --n_train 60001
expect_status 2 "--n_test must be at most 10000" --n_test 10001
expect_status 2 "--threads must be in 1..4096" --threads 0
expect_status 2 "--mode test needs --load DIR" --mode test
expect_status 2 "--epochs1 does not apply to --mode test" --mode test --load x --epochs1 2
expect_status 2 "--save needs a path, got an empty one" --save ""
expect_status 2 "--device: gpu not in {cpu,cuda}" --device gpu
expect_status 2 "--frobnicate" --frobnicate
mkdir "$tmp/dir"
expect_status 1 "--json $tmp/dir is a directory" --json "$tmp/dir"
expect_status 1 "--plot $tmp/ck/p lies in the --save directory $tmp/ck" --save "$tmp/ck" \
  --plot "$tmp/ck/p"
expect_status 1 "checkpoint directory '$tmp/none' does not exist" --mode test --load "$tmp/none"

data=""
for d in "${SPIKETORCH_MNIST_DIR:-}" data/mnist ../shared/data/mnist "$(dirname "$0")/../../data/mnist"; do
  [ -n "$d" ] && [ -d "$d" ] && { data=$d; break; }
done
if [ -z "$data" ]; then
  echo "skip: the runs on MNIST (no data/mnist)"
  exit $fail
fi
small=(--data "$data" --n_stdp 20 --n_train 60 --n_test 30 --quiet)
accuracy() { grep -o "accuracy [0-9.]*" "$1"; }
"$bin" "${small[@]}" --threads 1 --save "$tmp/ck" --json "$tmp/r.json" > "$tmp/train.txt" 2>&1 ||
  { echo "FAIL: training run"; cat "$tmp/train.txt"; fail=1; }
"$bin" "${small[@]}" --threads 2 > "$tmp/train2.txt" 2>&1
if [ "$(accuracy "$tmp/train.txt")" != "$(accuracy "$tmp/train2.txt")" ] ||
   [ -z "$(accuracy "$tmp/train.txt")" ]; then
  echo "FAIL: 1 and 2 threads: '$(accuracy "$tmp/train.txt")' and '$(accuracy "$tmp/train2.txt")'"
  fail=1
else
  echo "ok: 1 and 2 threads give the same $(accuracy "$tmp/train.txt")"
fi
"$bin" --mode test --load "$tmp/ck" --data "$data" --n_test 30 --quiet > "$tmp/test.txt" 2>&1
if [ "$(accuracy "$tmp/train.txt")" != "$(accuracy "$tmp/test.txt")" ]; then
  echo "FAIL: the checkpoint tests at '$(accuracy "$tmp/test.txt")', trained at" \
       "'$(accuracy "$tmp/train.txt")'"
  cat "$tmp/test.txt"
  fail=1
else
  echo "ok: the checkpoint gives the same $(accuracy "$tmp/test.txt")"
fi
grep -q '"accuracy"' "$tmp/r.json" || { echo "FAIL: no accuracy in --json"; fail=1; }
# Another architecture: 16 maps in layer 1 with the kernels of 32.
cp -r "$tmp/ck" "$tmp/other"
sed -i 's/"conv1_maps": 32/"conv1_maps": 16/' "$tmp/other/manifest.json"
expect_status 1 "array conv1 has shape (5, 5, 2, 32), its architecture needs (5, 5, 2, 16)" \
  --mode test --load "$tmp/other" --data "$data"
sed -i 's/"kheradpisheh_2018"/"diehl_cook_2015"/' "$tmp/other/manifest.json"
expect_status 1 "holds a diehl_cook_2015 model, not the convolutional network" \
  --mode test --load "$tmp/other" --data "$data"
exit $fail
