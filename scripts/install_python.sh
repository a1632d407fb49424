#!/usr/bin/env bash
# Installs the Python package offline into a virtual environment that sees Debian's packages:
#   scripts/install_python.sh [VENV]        (default .venv; then VENV/bin/python -m spiketorch.eth)
# Debian's meson-python, pybind11 and numpy come from apt (no package index is needed), hence
# --system-site-packages and --no-build-isolation. Debian's /usr/bin/python3 is used even when
# another python3 (pyenv, conda) comes first on PATH, since that is the one the packages are for.
# SPIKETORCH_PIP_BUILDDIR=DIR keeps Meson's build folder there, so that a reinstall only
# recompiles what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-.venv}
scripts/install_deps.sh --python
python=/usr/bin/python3
[ -x "$python" ] || python=python3
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv --system-site-packages "$venv"
fi
args=(--no-build-isolation --no-index --quiet)
if [ -n "${SPIKETORCH_PIP_BUILDDIR:-}" ]; then
  mkdir -p "$SPIKETORCH_PIP_BUILDDIR"
  args+=("--config-settings=builddir=$(cd "$SPIKETORCH_PIP_BUILDDIR" && pwd)")
fi
"$venv/bin/pip" install "${args[@]}" .
echo "install_python: spiketorch installed in $venv ($("$venv/bin/python" -c 'import spiketorch; print(spiketorch.__file__)'))"
