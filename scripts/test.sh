#!/usr/bin/env bash
# The whole test suite from a fresh machine: install, build, run lit.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
/usr/lib/llvm-22/bin/lit -sv --time-tests build/test
# The numerical tests again without fusion, at -O1 (LLVM's light pipeline
# over the same vector code: the small-stack check of the LSTM example
# guards it), and without any loop optimization (-O0: no fusion, tiling or
# vectorization): every compiled result must match the reference.
for flags in --no-fuse -O1 -O0; do
  echo "== numerical tests with dlc $flags =="
  /usr/lib/llvm-22/bin/lit -s -DDLC_FLAGS="$flags" build/test/E2E/ops \
    build/test/E2E/gradients build/test/E2E/examples
done
