#!/usr/bin/env bash
# The benchmark programs' command lines and outputs: --help documents every option; bad values
# exit with status 2 and name the option; a short run writes a summary whose spike count is that
# of the --record files, and gives the same spikes on 1 and 2 threads.
#   programs_test.sh BUILD_DIR_OF_THE_PROGRAMS
set -uo pipefail
dir=$1
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Elements of a one-dimensional .npy file: (file size - header) / item size, the header length
# being the little-endian uint16 at byte 8 (format 1.0) plus 10.
npy_length() {
  local size header
  size=$(stat -c %s "$1")
  header=$(od -An -tu2 -j8 -N2 "$1" | tr -d ' ')
  echo $(((size - header - 10) / $2))
}
json_number() {  # file key
  sed -n "s/^ *\"$2\": \([-0-9.e+]*\),\{0,1\}$/\1/p" "$1"
}

for model in cuba coba; do
  bin=$dir/spiketorch_$model
  if ! "$bin" --help > "$tmp/out" 2> "$tmp/err" || [ -s "$tmp/err" ]; then
    echo "FAIL: $model --help"
    fail=1
  fi
  for opt in --duration --n_neurons --seed --threads --record --json --quiet; do
    grep -q -- "$opt" "$tmp/out" || { echo "FAIL: $model --help does not mention $opt"; fail=1; }
  done

  expect_error() {  # text the message must contain, arguments...
    local want=$1
    shift
    "$bin" "$@" > "$tmp/out" 2> "$tmp/err"
    local status=$?
    if [ $status -ne 2 ] || ! grep -qF -- "$want" "$tmp/err"; then
      echo "FAIL: $model $* exited with $status, expected 2 and '$want'; stderr:"
      cat "$tmp/err"
      fail=1
    else
      echo "ok: $model $* -> $(head -1 "$tmp/err")"
    fi
  }
  expect_error "--duration must be > 0" --duration 0
  expect_error "--duration" --duration -5
  expect_error "--duration" --duration nan
  expect_error "--duration must be at least one step" --duration 0.04
  expect_error "--n_neurons must be at least 100" --n_neurons 50
  expect_error "--n_neurons" --n_neurons -4000
  expect_error "--n_neurons must be at most" --n_neurons 99999999999
  expect_error "--threads must be between 1" --threads 0
  expect_error "--seed" --seed x
  expect_error "--bogus" --bogus 1

  # A missing folder for the outputs is an error (status 1), after the run, not a crash.
  "$bin" --quiet --n_neurons 200 --duration 10 --json "$tmp/no/such/dir/s.json" > /dev/null 2> "$tmp/err"
  status=$?
  if [ $status -ne 1 ] || ! grep -q "error" "$tmp/err"; then
    echo "FAIL: $model --json into a missing folder exited with $status"
    fail=1
  fi

  openmp=1
  for threads in 1 2; do
    if ! "$bin" --quiet --n_neurons 1000 --duration 200 --seed 3 --threads $threads \
        --json "$tmp/$model$threads.json" --record "$tmp/$model$threads" > "$tmp/out" 2> "$tmp/err"; then
      if [ $threads -eq 2 ] && grep -q "needs a build with OpenMP" "$tmp/err"; then
        echo "skipped: $model --threads 2 (a build without OpenMP)"
        openmp=0
        continue
      fi
      echo "FAIL: $model --threads $threads run failed:"
      cat "$tmp/err"
      fail=1
      continue
    fi
    cat "$tmp/out"
  done
  if [ $openmp -eq 1 ] && ! grep -q '"threads": 2' "$tmp/${model}2.json"; then
    echo "FAIL: $model --threads 2 did not run on 2 threads"
    fail=1
  fi
  spikes=$(json_number "$tmp/${model}1.json" n_spikes)
  recorded=$(npy_length "$tmp/${model}1_neurons.npy" 4)
  steps=$(npy_length "$tmp/${model}1_steps.npy" 8)
  if [ -z "$spikes" ] || [ "$spikes" -lt 100 ] || [ "$spikes" != "$recorded" ] || [ "$spikes" != "$steps" ]; then
    echo "FAIL: $model: $spikes spikes in the summary, $recorded neurons and $steps steps recorded"
    fail=1
  fi
  [ $openmp -eq 1 ] && for f in _neurons.npy _steps.npy; do
    cmp -s "$tmp/${model}1$f" "$tmp/${model}2$f" || {
      echo "FAIL: $model: 1 and 2 threads recorded different spikes ($f)"
      fail=1
    }
  done
done

[ $fail -eq 0 ] && echo "all brette2007 program checks passed"
exit $fail
