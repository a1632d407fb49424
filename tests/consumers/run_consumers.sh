#!/usr/bin/env bash
# The three ways another project uses SpikeTorch, each built from scratch and run:
#   1. Meson subproject: the parent's build holds nothing of ours but the dependency (no example,
#      test or benchmark target, no lookup of their dependencies);
#   2. installed, with pkg-config: the flags state C++20, no -fopenmp, Eigen as -isystem;
#   3. installed, with CMake: find_package(spiketorch CONFIG) and spiketorch::spiketorch.
# All three programs must print the same line. Also: the headers under -std=c++17 stop at one
# message that asks for C++20.
#   run_consumers.sh SOURCE_ROOT WORK_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
work=$2
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
fail() { echo "run_consumers: FAIL: $*"; exit 1; }

# 1. Subproject.
parent="$work/meson_parent"
mkdir -p "$parent/subprojects"
cp "$src/tests/consumers/meson_parent/meson.build" "$parent/"
cp "$src/tests/consumers/consumer.cpp" "$work/"
ln -s "$src" "$parent/subprojects/spiketorch"
meson setup "$parent/build" "$parent" > "$work/subproject-setup.log" 2>&1 ||
  { cat "$work/subproject-setup.log"; fail "meson setup of the subproject consumer"; }
for dep in catch2 CLI11 benchmark nvcc pybind11; do
  if grep -q -i "dependency $dep\|program $dep" "$work/subproject-setup.log"; then
    fail "the subproject looked up $dep, which only its own examples/tests need"
  fi
done
targets=$(meson introspect --targets "$parent/build" |
  /usr/bin/python3 -c 'import json, sys; print(" ".join(sorted(t["name"] for t in json.load(sys.stdin))))')
[ "$targets" = "consumer" ] || fail "the subproject's build has targets besides the parent's: $targets"
ninja -C "$parent/build" > "$work/subproject-build.log" 2>&1 ||
  { cat "$work/subproject-build.log"; fail "build of the subproject consumer"; }
out_sub=$("$parent/build/consumer")
echo "subproject: $out_sub"

# 2. Installed, pkg-config.
meson setup "$work/lib-build" "$src" --prefix "$work/prefix" -Dtests=disabled \
  -Dbenchmarks=disabled -Dexamples=false -Dcuda=disabled -Dpython=disabled > "$work/install.log" 2>&1 &&
  meson install -C "$work/lib-build" >> "$work/install.log" 2>&1 ||
  { cat "$work/install.log"; fail "meson install of the library"; }
pc=$(find "$work/prefix" -name spiketorch.pc)
[ -n "$pc" ] || fail "no spiketorch.pc installed"
export PKG_CONFIG_PATH="$(dirname "$pc")"
cflags=$(pkg-config --cflags spiketorch)
libs=$(pkg-config --libs spiketorch)
echo "pkg-config ($pc): $cflags $libs"
case " $cflags " in *" -std=c++20 "*) ;; *) fail "pkg-config cflags do not state -std=c++20" ;; esac
case " $cflags $libs " in *openmp*) fail "pkg-config forces OpenMP on users" ;; esac
if [ -d /usr/include/eigen3 ]; then
  case " $cflags " in *" -isystem /usr/include/eigen3 "*) ;; *) fail "Eigen is not a system include" ;; esac
fi
# shellcheck disable=SC2086
c++ -Wall -Wextra -Werror $cflags "$work/consumer.cpp" -o "$work/consumer_pc" $libs ||
  fail "build of the pkg-config consumer"
out_pc=$("$work/consumer_pc")
echo "pkg-config: $out_pc"

# The standard check, through the same flags with -std=c++17 last.
# shellcheck disable=SC2086
if c++ $cflags -std=c++17 -c "$work/consumer.cpp" -o "$work/cpp17.o" > "$work/cpp17.log" 2>&1; then
  fail "the headers compiled under -std=c++17"
fi
n_errors=$(grep -c "error:" "$work/cpp17.log" || true)
first=$(grep -m1 "error:" "$work/cpp17.log")
echo "-std=c++17: $first ($n_errors error lines)"
case "$first" in *"SpikeTorch needs C++20"*) ;; *) cat "$work/cpp17.log"; fail "the first error is not ours" ;; esac
# Ours, then the fatal #include that ends the compilation.
[ "$n_errors" -le 2 ] || { cat "$work/cpp17.log"; fail "more than our one message under C++17"; }

# 3. Installed, CMake.
if command -v cmake > /dev/null; then
  cmake -S "$src/tests/consumers/cmake_parent" -B "$work/cmake-build" \
    -DCMAKE_PREFIX_PATH="$work/prefix" > "$work/cmake.log" 2>&1 &&
    cmake --build "$work/cmake-build" >> "$work/cmake.log" 2>&1 ||
    { cat "$work/cmake.log"; fail "the CMake consumer"; }
  out_cmake=$("$work/cmake-build/consumer")
  echo "cmake: $out_cmake"
  [ "$out_cmake" = "$out_pc" ] || fail "the CMake consumer printed something else"
else
  echo "run_consumers: cmake not found (Debian: apt-get install cmake): CMake route not checked"
  exit 77
fi
[ "$out_sub" = "$out_pc" ] || fail "the subproject and pkg-config consumers differ"
echo "run_consumers: all three routes built and agree"
