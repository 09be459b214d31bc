#!/usr/bin/env bash
# The whole test suite from a fresh machine: install, build, run lit.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
/usr/lib/llvm-22/bin/lit -sv --time-tests build/test
# The numerical tests again without fusion and without any loop
# optimization (-O0: no fusion, tiling or vectorization): every compiled
# result must match the reference either way. (The unrolled LSTM example is
# left out there: without fusion it takes minutes to compile; its -O1 run
# guards small entry frames at LLVM's light pipeline.)
for flags in --no-fuse -O0; do
  echo "== numerical tests with dlc $flags =="
  /usr/lib/llvm-22/bin/lit -s -DDLC_FLAGS="$flags" --filter-out 'lstm\.test' \
    build/test/E2E/ops build/test/E2E/gradients build/test/E2E/examples
done
echo "== the LSTM example with dlc -O1 =="
/usr/lib/llvm-22/bin/lit -s -DDLC_FLAGS=-O1 build/test/E2E/examples/lstm.test
