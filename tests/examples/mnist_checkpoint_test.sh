#!/usr/bin/env bash
# A checkpoint keeps what the test votes need: the MNIST program's --mode test on a checkpoint
# gives the accuracies of the run that wrote it, the likelihood vote and (where the program was
# built with liblinear) the linear readout included; --readout_c 0 leaves the readout out.
# mnist_checkpoint_test.sh PROGRAM. Skipped (77) without MNIST.
set -uo pipefail
program=$1
data=${SPIKETORCH_MNIST_DIR:-}
if [ -z "$data" ] || ! ls "$data"/train-images-idx3-ubyte* > /dev/null 2>&1; then
  echo "MNIST not found (SPIKETORCH_MNIST_DIR): skipped"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() {
  "$program" --data "$data" --threads 2 --quiet "$@" > "$work/out.txt" 2>&1 ||
    { echo "FAIL: $program $*:"; cat "$work/out.txt"; exit 1; }
}
run --n_neurons 30 --seed 2 --n_train 300 --n_test 300 --save "$work/ckpt" --json "$work/train.json"
run --mode test --load "$work/ckpt" --n_test 300 --json "$work/test.json"
run --mode test --load "$work/ckpt" --n_test 300 --readout_c 0 --json "$work/no_readout.json"
exec /usr/bin/env python3 - "$work" <<'PY'
import json, os, sys
work = sys.argv[1]
def test_of(name):
    return json.load(open(os.path.join(work, name)))["test"]
train, test, plain = test_of("train.json"), test_of("test.json"), test_of("no_readout.json")
fail = 0
keys = ["accuracy_all_activity", "accuracy_proportion", "accuracy_confidence",
        "accuracy_likelihood"]
readout = "accuracy_readout" in train
if readout:
    keys += ["accuracy_readout", "readout_c"]
else:
    print("the program has no readout (built without liblinear): votes only")
for k in keys:
    a, b = train.get(k), test.get(k)
    print(f"{k}: trained {a}, from the checkpoint {b}")
    if a is None or a != b:
        print(f"FAIL: {k} differs"); fail = 1
if "accuracy_readout" in plain:
    print("FAIL: --readout_c 0 reported a readout"); fail = 1
if readout and not os.path.isfile(os.path.join(work, "ckpt", "readout.npy")):
    print("FAIL: the checkpoint holds no readout.npy"); fail = 1
sys.exit(fail)
PY
