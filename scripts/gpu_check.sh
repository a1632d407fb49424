#!/usr/bin/env bash
# The one script to run on a machine with an NVIDIA GPU: configures a build with -Dcuda=enabled,
# builds the CUDA targets, runs the CUDA backend tests on the GPU (and on the host emulation),
# checks the kernels with compute-sanitizer when it is installed, runs the GPU benchmark, and
# runs the MNIST program with --device cuda against --device cpu on the same job (MNIST files in
# data/mnist or ../shared/data/mnist; MNIST_TRAIN examples, default 1000, N = 400; the step is
# skipped without the files: on a lent machine that cannot fetch them, bring data/mnist along,
# e.g. the device tool's `carry: ["data/mnist"]` after data/get_mnist.sh here).
#
#   scripts/gpu_check.sh                      # everything, default benchmark sizes
#   BUILD=build-gpu SANITIZE=0 scripts/gpu_check.sh --train6400 1 --batch 2000
#
# Arguments are passed to bench_cuda (--train400 K, --train6400 K, --batch B, --cpu-eval E,
# --threads T). Exit status: 0 when the tests passed, 1 when a test failed, 77 when no GPU.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-gpu}
SANITIZE=${SANITIZE:-1}
JOBS=${JOBS:-$(nproc)}

step() { printf '\n==== %s ====\n' "$*"; }

step "device"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv || true
else
  echo "nvidia-smi not found"
fi

step "configure ($BUILD)"
if [ -f "$BUILD/build.ninja" ]; then
  meson configure "$BUILD" -Dcuda=enabled -Dtests=enabled || exit 1
else
  meson setup "$BUILD" -Dcuda=enabled -Dtests=enabled -Dbenchmarks=disabled -Dexamples=true \
    || exit 1
fi

step "build (CUDA targets and the MNIST program)"
time ninja -C "$BUILD" -j "$JOBS" tests/cuda/cuda_test tests/cuda/cuda_emulation_test benchmarks/bench_cuda \
  examples/mnist/spiketorch_mnist || exit 1

status=0
step "CUDA backend tests on the GPU"
"$BUILD/tests/cuda/cuda_test" --durations yes
rc=$?
if [ $rc -eq 77 ]; then
  echo "cuda_test: skipped (no usable CUDA device)"
  exit 77
elif [ $rc -ne 0 ]; then
  echo "cuda_test: FAILED ($rc)"
  status=1
fi

step "the same tests on the host emulation"
"$BUILD/tests/cuda/cuda_emulation_test" || status=1

if [ "$SANITIZE" != 0 ]; then
  sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)
  if [ -n "$sanitizer" ]; then
    # The fast tests only (the sanitizers slow kernels down 10-100x).
    for tool in memcheck racecheck synccheck; do
      step "compute-sanitizer --tool $tool"
      "$sanitizer" --tool "$tool" --error-exitcode 3 "$BUILD/tests/cuda/cuda_test" \
        "[delays],[stdp],[batch],[neurons]" || { echo "$tool: FAILED"; status=1; }
    done
  else
    echo "compute-sanitizer not found: skipping memcheck/racecheck/synccheck"
  fi
fi

step "benchmark: Diehl & Cook on the GPU and the CPU"
"$BUILD/benchmarks/bench_cuda" "$@" || status=1

MNIST_TRAIN=${MNIST_TRAIN:-1000}
mnist_job=(--n_neurons 400 --n_train "$MNIST_TRAIN" --n_label 10000 --n_test 10000 --quiet)
mnist_devices="cuda cpu"
if ! ls data/mnist/train-images-idx3-ubyte* > /dev/null 2>&1 &&
   ! ls ../shared/data/mnist/train-images-idx3-ubyte* > /dev/null 2>&1; then
  echo "no MNIST files in data/mnist or ../shared/data/mnist: skipping the MNIST program step"
  mnist_devices=""
fi
for device in $mnist_devices; do
  step "MNIST program: --device $device, N = 400, $MNIST_TRAIN training examples, 10,000 labelling and 10,000 test digits"
  "$BUILD/examples/mnist/spiketorch_mnist" "${mnist_job[@]}" --device "$device" \
    --json "$BUILD/mnist_$device.json" || status=1
done

step "summary"
if [ $status -eq 0 ]; then echo "all CUDA checks passed"; else echo "some CUDA checks FAILED"; fi
exit $status
