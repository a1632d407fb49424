#!/usr/bin/env bash
# Compiles one file that must not compile and checks that the compiler says why in our words.
#   expect_compile_error.sh "expected message" compiler [args...]
set -u
expected=$1
shift
out=$("$@" 2>&1)
status=$?
if [ "$status" -eq 0 ]; then
  echo "compiled, but it must not: $*"
  exit 1
fi
if ! grep -qF -- "$expected" <<< "$out"; then
  echo "the compiler failed without saying: $expected"
  echo "$out" | head -40
  exit 1
fi
echo "refused as expected: $expected"
