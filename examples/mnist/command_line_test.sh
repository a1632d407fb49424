#!/usr/bin/env bash
# The MNIST program's command line: --help exits 0 and documents every option; a bad value exits
# with status 2 and a message on stderr that names the option. Needs no MNIST data: every option
# case fails (or stops) before the data are read, and the data-shape case writes its own tiny set.
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
           --json --synapse_decay --device --quiet --train_threads --variant --inhibition_start \
           --inhibition_ramp --homeostasis --theta_floor --recruit_window --eval_repeats --ngram --readout_c; do
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
# Past the paper: the variant, its single settings (checked as the model's parameters, named by
# their options) and the training threads.
expect_error "--variant: best not in {faithful,improved}" --variant best
expect_error "--inhibition_start must be in [0, 1]" --inhibition_start 1.5
expect_error "--inhibition_start: needs a number, got 'nan'" --inhibition_start nan
expect_error "--inhibition_ramp: needs a non-negative integer, got '-3'" --inhibition_ramp -3
expect_error "--homeostasis must be in [0, 10] mV, got -0.5" --homeostasis=-0.5
expect_error "--theta_floor must be in [-exc.theta_offset_mv = -20, 0] mV, got -30" --theta_floor=-30
expect_error "--eval_repeats must be in 1..64, got 0" --eval_repeats 0
expect_error "--eval_repeats must be in 1..64, got 99999999999" --eval_repeats 99999999999
expect_error "--eval_repeats must be in 1..64, got 65" --mode test --load x --eval_repeats 65
expect_error "--ngram must be in 0..3, got 4" --ngram 4
expect_error "--readout_c must be >= 0, got -1" --readout_c -1
expect_error "--train_threads must be in 1..4096, got 0" --train_threads 0
expect_error "--variant does not apply to --mode test" --mode test --load x --variant improved
expect_error "--homeostasis does not apply to --mode test" --mode test --load x --homeostasis 0.1
expect_error "--n_train: needs a non-negative integer, got 'many'" --n_train many
expect_error "--seed: needs a non-negative integer" --seed 99999999999999999999
expect_error "--epochs: needs a non-negative integer, got '1.5'" --epochs 1.5
expect_error "--dt: needs a number, got 'fast'" --dt fast
expect_error "--time: needs a number, got 'inf'" --time inf
expect_error "--rest: needs a number, got 'nan'" --rest nan
expect_error "--dt must be in [0.001, 10] ms, got 0" --dt 0
expect_error "--dt must be in [0.001, 10] ms, got -0.5" --dt=-0.5
expect_error "--time must be 1 to 100000 steps of --dt" --time 0
expect_error "--rest must be 0 to 100000 steps of --dt" --rest -1
expect_error "--intensity must be > 0" --intensity 0
# Documented ranges (models/diehl_cook_params.hpp): a presentation of 1 to 10^5 steps (1e12 ms
# hung, 1e-7 ms gave empty presentations retried 40 times with exit 0), a rest of at most 10^5
# steps (1e300: bad_alloc), dt in [0.001, 10] ms with delays of at most 255 steps, rates of at
# most one spike per step on the last retry, epochs x examples that cannot wrap, and networks
# that fit in memory (1e12 neurons: bad_alloc).
expect_error "--time must be 1 to 100000 steps of --dt (0.5 ms): in [0.5, 50000] ms, got 1e+12" --time 1e12
expect_error "--time must be 1 to 100000 steps of --dt (0.5 ms): in [0.5, 50000] ms, got 1e-07" --time 1e-7
expect_error "--time must be 1 to 100000 steps of --dt (0.1 ms)" --dt 0.1 --time 10000.1
expect_error "--rest must be 0 to 100000 steps of --dt (0.5 ms): in [0, 50000] ms, got 1e+300" --rest 1e300
expect_error "--dt must be in [0.001, 10] ms, got 20" --dt 20 --time 360 --rest 160
expect_error "--dt must be at least delay_max_ms / 255" --dt 0.025
expect_error "--dt must be below the synaptic time constants (1 ms) with forward-Euler decay" \
  --synapse_decay euler --dt 1
expect_error "--intensity (1e+300) is too high for --dt = 0.5 ms" --intensity 1e300
expect_error "the intensity must be at most 62.7451" --intensity 63
expect_error "the intensity must be at most 31.3725" --intensity 32 --dt 1
expect_error "--epochs 922337203685477581 x --n_train 60000 must be at most 26843545" \
  --epochs 922337203685477581
expect_error "--epochs at most 447" --epochs 448
expect_error "--n_neurons = 1000000000000 (with n_input = 784) needs" --n_neurons 1000000000000
expect_error "GiB of memory of this machine" --n_neurons 1000000000000
expect_error "(lower --threads or --n_neurons)" --n_neurons 30000 --threads 4096
expect_error "--mode: learn not in {train,test}" --mode learn
expect_error "--device: gpu not in {cpu,cuda}" --device gpu
expect_error "--synapse_decay: rk4 not in {exact,euler}" --synapse_decay rk4
expect_error "--mode test needs --load DIR" --mode test
expect_error "--synapse_decay applies to training" --mode test --load ckpt --synapse_decay euler
# Options a mode would ignore, and empty paths, are refused.
for opt in "--n_neurons 400" "--seed 3" "--dt 1" "--time 300" "--rest 100" "--intensity 3" \
           "--epochs 2" "--n_train 10" "--update_interval 5" "--save out" "--no-label-pass"; do
  # shellcheck disable=SC2086
  expect_error "${opt%% *} does not apply to --mode test" --mode test --load ckpt $opt
done
expect_error "--load applies to --mode test only" --load ckpt
expect_error "--load applies to --mode test only" --mode train --load ckpt
expect_error "--save needs a path, got an empty one" --save ""
expect_error "--json needs a path, got an empty one" --json ""
expect_error "--plot needs a path, got an empty one" --plot ""
expect_error "--data needs a path, got an empty one" --data ""
expect_error "--mode test needs --load DIR" --mode test --load ""
expect_error "--n_neurons must be at least 2" --n_neurons 1
expect_error "--epochs must be at least 1" --epochs 0
expect_error "--n_train must be in 1..60000" --n_train 60001
expect_error "--n_test must be at most 10000" --n_test 10001
expect_error "--n_label must be at most 60000" --n_label 60001
expect_error "--update_interval must be at least 1" --update_interval 0
expect_error "--threads must be at least 1" --threads 0
expect_error "--threads must be at most 4096, got 18446744073709551615" --threads 18446744073709551615
expect_error "--frobnicate" --frobnicate
expect_error "--dt" --dt
# A later value replaces an earlier one (wrapper scripts pass defaults first): the checks see it.
expect_error "--n_neurons must be at least 2" --n_neurons 100 --n_neurons 1

# Output paths that could only fail after training are refused (status 1) before any work, with
# a message naming the option; a refused --json leaves no FILE.tmp behind. Today's training
# would fail at its end; these runs need no MNIST data because they stop before reading it.
paths=$(mktemp -d)
trap 'rm -f "$out" "$err"; chmod -R u+w "$paths"; rm -rf "$paths"' EXIT
mkdir "$paths/dir"
touch "$paths/file"
expect_refused() {  # text the message must contain, arguments...
  local want=$1
  shift
  "$bin" --n_train 3 --n_neurons 10 --n_test 0 --quiet "$@" > "$out" 2> "$err"
  local status=$?
  if [ $status -ne 1 ] || ! grep -qF -- "$want" "$err" || grep -q "^training:" "$out"; then
    echo "FAIL: $*: exit $status, expected 1 with '$want' before training:"
    cat "$out" "$err"
    fail=1
  else
    echo "ok: $* -> $(head -1 "$err")"
  fi
}
expect_refused "--json $paths/dir is a directory" --json "$paths/dir"
expect_refused "--json $paths/dir/ ends in a separator" --json "$paths/dir/"
expect_refused "--json $paths/missing/r.json: $paths/missing does not exist" \
  --json "$paths/missing/r.json"
expect_refused "--json $paths/file/r.json: $paths/file is not a directory" \
  --json "$paths/file/r.json"
expect_refused "--plot $paths/file exists and is not a directory" --plot "$paths/file"
expect_refused "--plot $paths/file/figures: cannot be created, $paths/file is not a directory" \
  --plot "$paths/file/figures"
# A checkpoint's commit replaces the --save directory as a whole: nothing else may be written there.
expect_refused "--json $paths/ck lies in the --save directory $paths/ck" \
  --save "$paths/ck" --json "$paths/ck"
expect_refused "--plot $paths/ck/plots lies in the --save directory $paths/ck" \
  --save "$paths/ck" --plot "$paths/ck/plots"
expect_refused "--json $paths/ck/../ck/r.json lies in the --save directory $paths/ck/" \
  --save "$paths/ck/" --json "$paths/ck/../ck/r.json"
# A symlink loop as --data is named as such (it was a bare filesystem_error).
ln -s loop "$paths/loop"
expect_refused "--data $paths/loop is not a directory (a symbolic link that leads nowhere" \
  --data "$paths/loop"
if [ -n "$(find "$paths" -name '*.tmp')" ]; then
  echo "FAIL: a refused --json left $(find "$paths" -name '*.tmp')"
  fail=1
fi
# Permission bits do not stop root: the read-only cases run as another user only.
if [ "$(id -u)" -ne 0 ]; then
  mkdir "$paths/readonly"
  chmod a-w "$paths/readonly"
  expect_refused "--json $paths/readonly/r.json: cannot create files in $paths/readonly" \
    --json "$paths/readonly/r.json"
  expect_refused "--plot $paths/readonly/figures: cannot be created in $paths/readonly" \
    --plot "$paths/readonly/figures"
  expect_refused "--plot $paths/readonly: cannot create files in it" --plot "$paths/readonly"
else
  echo "skip: read-only --json and --plot directories (running as root)"
fi

# A valid IDX training set of another image shape is refused (status 1) naming the file and both
# shapes, before any training: the model reads 784 bytes per example, which ran past the end of a
# 20x20 set (heap overflow) and trained on misaligned 32x32 images with exit status 0.
data=$(mktemp -d)
trap 'rm -f "$out" "$err"; chmod -R u+w "$paths"; rm -rf "$paths" "$data"' EXIT
be32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }
printf "\x00\x00\x08\x01$(be32 3)\x01\x02\x03" > "$data/train-labels-idx1-ubyte"
for side in 20 32; do
  { printf "\x00\x00\x08\x03$(be32 3)$(be32 $side)$(be32 $side)"
    head -c $((3 * side * side)) /dev/zero | tr '\0' '\200'; } > "$data/train-images-idx3-ubyte"
  expect_refused "train-images-idx3-ubyte: images are ${side}x${side} ($((side * side)) pixels), the model expects 28x28 (784 pixels)" \
    --data "$data" --no-label-pass
done

# A --save target that cannot take a checkpoint (a file, a directory that is not a checkpoint, a
# path below a file) is refused (status 1) before training, not after it: the training was lost.
mkdir "$data/mnist28"
cp "$data/train-labels-idx1-ubyte" "$data/mnist28/"
{ printf "\x00\x00\x08\x03$(be32 3)$(be32 28)$(be32 28)"
  head -c $((3 * 784)) /dev/zero; } > "$data/mnist28/train-images-idx3-ubyte"
echo x > "$data/file"
for target in "file:cannot replace '$data/file': it exists and is not a directory" \
              "mnist28:refusing to replace '$data/mnist28': it is a non-empty directory" \
              "file/ckpt:cannot write '$data/file/ckpt': '$data/file' is not a directory"; do
  save=$data/${target%%:*}
  want=${target#*:}
  expect_refused "$want" --data "$data/mnist28" --no-label-pass --save "$save"
done
exit $fail
