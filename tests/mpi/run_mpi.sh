#!/usr/bin/env bash
# Runs a program on N MPI ranks: run_mpi.sh N PROGRAM [ARGS...]. As root (CI) and with more
# ranks than cores, which Open MPI refuses unless told; over shared memory only (no network
# needed). Exit 77 (skipped) where mpirun is missing.
set -uo pipefail
n=$1
shift
if ! command -v mpirun > /dev/null; then
  echo "mpirun not found: MPI tests skipped (scripts/install_deps.sh installs openmpi-bin)"
  exit 77
fi
export OMPI_MCA_btl=self,vader
# Containers often forbid the cross-memory attach that vader would use for large messages.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_rmaps_base_oversubscribe=1
# More ranks than cores: a rank waiting in a collective gives its core to the others.
export OMPI_MCA_mpi_yield_when_idle=1
exec mpirun --allow-run-as-root --oversubscribe --bind-to none -np "$n" "$@"
