#!/usr/bin/env bash
# The MNIST program's command line: --help exits 0 and documents every option; a bad value exits
# with status 2 and a message on stderr that names the option. Needs no MNIST data: every case
# here fails (or stops) before the data are read.
set -uo pipefail
bin=$1
fail=0
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

"$bin" --help > "$out" 2> "$err"
status=$?
if [ $status -ne 0 ] || [ -s "$err" ]; then
  echo "FAIL: --help exited with $status"
  fail=1
fi
for opt in --mode --n_neurons --epochs --n_train --n_label --no-label-pass --n_test --dt --time \
           --rest --intensity --seed --update_interval --data --save --load --threads --plot \
           --json --synapse_decay --device --quiet; do
  grep -q -- "$opt" "$out" || { echo "FAIL: --help does not mention $opt"; fail=1; }
done

expect_error() {  # text the message must contain, arguments...
  local want=$1
  shift
  "$bin" "$@" > "$out" 2> "$err"
  local status=$?
  if [ $status -ne 2 ]; then
    echo "FAIL: $* exited with $status, expected 2"
    fail=1
  elif ! grep -qF -- "$want" "$err"; then
    echo "FAIL: $*: message does not contain '$want':"
    cat "$err"
    fail=1
  elif [ -s "$out" ]; then
    echo "FAIL: $*: wrote to stdout"
    fail=1
  else
    echo "ok: $* -> $(head -1 "$err")"
  fi
}
expect_error "--n_neurons: needs a non-negative integer, got '-5'" --n_neurons -5
expect_error "--n_train: needs a non-negative integer, got 'many'" --n_train many
expect_error "--seed: needs a non-negative integer" --seed 99999999999999999999
expect_error "--epochs: needs a non-negative integer, got '1.5'" --epochs 1.5
expect_error "--dt: needs a number, got 'fast'" --dt fast
expect_error "--time: needs a number, got 'inf'" --time inf
expect_error "--rest: needs a number, got 'nan'" --rest nan
expect_error "--dt must be > 0 ms, got 0" --dt 0
expect_error "--dt must be > 0 ms, got -0.5" --dt=-0.5
expect_error "--time must be > 0 ms" --time 0
expect_error "--rest must be >= 0 ms" --rest -1
expect_error "--intensity must be > 0" --intensity 0
expect_error "--mode: learn not in {train,test}" --mode learn
expect_error "--device: gpu not in {cpu,cuda}" --device gpu
expect_error "--synapse_decay: rk4 not in {exact,euler}" --synapse_decay rk4
expect_error "--mode test needs --load DIR" --mode test
expect_error "--synapse_decay applies to training" --mode test --load ckpt --synapse_decay euler
expect_error "--n_neurons must be at least 2" --n_neurons 1
expect_error "--epochs must be at least 1" --epochs 0
expect_error "--n_train must be in 1..60000" --n_train 60001
expect_error "--n_test must be at most 10000" --n_test 10001
expect_error "--n_label must be at most 60000" --n_label 60001
expect_error "--update_interval must be at least 1" --update_interval 0
expect_error "--threads must be at least 1" --threads 0
expect_error "--frobnicate" --frobnicate
expect_error "--dt" --dt
# A later value replaces an earlier one (wrapper scripts pass defaults first): the checks see it.
expect_error "--n_neurons must be at least 2" --n_neurons 100 --n_neurons 1
exit $fail
