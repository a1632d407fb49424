#!/usr/bin/env bash
# Installs the Debian packages SpikeTorch needs, only those missing. Uses sudo when not root.
#   scripts/install_deps.sh              the C++ library, its tests, examples and benchmarks
#   scripts/install_deps.sh --python     also the Python package's (pip install ., its tests and
#                                        the figures of python -m spiketorch.eth --plot)
#   scripts/install_deps.sh --peers      also Brian2 (Debian's python3-brian, 2.5.x) for the
#                                        side-by-side benchmarks in benchmarks/peers/, run with
#                                        /usr/bin/python3
set -euo pipefail
# cmake: tests/consumers builds a CMake project against the installed library. clang and
# libclang-rt-dev: the fuzz targets of ./test.sh (clang -fsanitize=fuzzer links the
# libFuzzer runtime of libclang-rt-dev, which clang only recommends). libopenmpi-dev and
# openmpi-bin: networks and experiments over MPI ranks (-Dmpi=auto) and their mpirun tests.
# liblinear-dev: the linear SVM readout of examples/conv_mnist.
packages=(meson ninja-build pkg-config g++ libeigen3-dev xtensor-dev nlohmann-json3-dev
          libcli11-dev catch2 libbenchmark-dev libstb-dev zlib1g-dev clang libclang-rt-dev cmake
          libopenmpi-dev openmpi-bin liblinear-dev)
for option in "$@"; do
  case "$option" in
    --python)
      # patchelf: meson-python (which only recommends it) rewrites the extension's RPATH with it
      # when the Meson project also installs files under libdir (the pkg-config and CMake files
      # of the C++ install), and fails without it.
      packages+=(python3 python3-dev python3-venv python3-pip python3-mesonpy patchelf
                 pybind11-dev python3-numpy python3-pytest python3-matplotlib) ;;
    --peers)
      # python3-brian pulls cython3 (a Depends) but only suggests what code generation needs:
      # runtime mode compiles Cython extensions against Python.h (python3-dev) with g++; C++
      # standalone mode writes a project that make builds with g++ (and -fopenmp for threads,
      # which g++ brings through libgomp).
      packages+=(python3 python3-brian python3-dev g++ make) ;;
    *)
      echo "install_deps: unknown option '$option' (known: --python, --peers)" >&2
      exit 2 ;;
  esac
done
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all packages present"
  exit 0
fi
echo "install_deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
