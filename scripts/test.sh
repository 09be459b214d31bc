#!/usr/bin/env bash
# The whole test suite from a fresh machine: install, build, run lit.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
/usr/lib/llvm-22/bin/lit -sv --time-tests build/test
# The numerical tests again without fusion and without any loop
# optimization (-O0: no fusion, tiling, vectorization or threads): every
# compiled result must match the reference either way; and with -O1
# (LLVM's light pipeline), which guards small entry frames: the LSTM
# example runs its step on a 1 MiB stack.
for flags in --no-fuse -O0 -O1; do
  echo "== numerical tests with dlc $flags =="
  /usr/lib/llvm-22/bin/lit -s -DDLC_FLAGS="$flags" \
    build/test/E2E/ops build/test/E2E/gradients build/test/E2E/examples
done
