#!/usr/bin/env bash
# One command from a fresh Debian machine to the main job: installs what is missing, builds,
# fetches MNIST (checksums verified) and runs the Diehl & Cook example. Arguments go to the
# example (see --help); without any it trains 100 neurons for one epoch and tests them.
#   ./run_mnist.sh                         # N = 100, 1 epoch: 80.5% / 82.0% test accuracy
#   ./run_mnist.sh --n_neurons 400 --epochs 3 --save runs/n400 --plot runs/n400-plots
set -euo pipefail
cd "$(dirname "$0")"
scripts/install_deps.sh
# The Python module is built by scripts/install_python.sh (pip), not here.
[ -d build ] || meson setup build --buildtype=release -Dpython=disabled
ninja -C build examples/mnist/spiketorch_mnist
from=()
[ -d ../shared/data/mnist ] && from=(--from ../shared/data/mnist)
data/get_mnist.sh "${from[@]}"
exec build/examples/mnist/spiketorch_mnist --data data/mnist "$@"
