#!/usr/bin/env bash
# A failing rank ends the whole job, with a message, well before the timeout (the others would
# otherwise wait in the spike exchange for ever): run_rank_failure.sh PROGRAM.
set -uo pipefail
program=$1
here=$(dirname "$0")
for mode in exit throw; do
  start=$SECONDS
  out=$(timeout 120 "$here/run_mpi.sh" 2 "$program" "$mode" 2>&1)
  rc=$?
  if [ "$rc" -eq 77 ]; then echo "$out"; exit 77; fi
  echo "--- $mode: exit status $rc after $((SECONDS - start)) s"
  echo "$out" | tail -15
  if [ "$rc" -eq 124 ]; then echo "FAIL ($mode): the job hung until the timeout"; exit 1; fi
  if [ "$rc" -eq 0 ]; then echo "FAIL ($mode): the job succeeded"; exit 1; fi
  if echo "$out" | grep -q "finished, which it should not"; then
    echo "FAIL ($mode): a rank finished its run"; exit 1
  fi
  case $mode in
    exit) pattern="exited|non-zero status|terminated" ;;
    throw) pattern="error on rank 1 of 2: rank 1 cannot go on" ;;
  esac
  if ! echo "$out" | grep -qE "$pattern"; then
    echo "FAIL ($mode): no message matching '$pattern'"; exit 1
  fi
done
echo "PASS: a failing rank ends the job with a message"
