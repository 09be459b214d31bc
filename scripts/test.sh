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
# example runs its step on a 1 MiB stack; that run verifies the IR after
# every MLIR pass (--verify-each), which dlc otherwise does once per
# pipeline. On a machine with AVX-512, whose
# native code uses 16-lane vectors and 32 registers, also with AVX2's
# 8 lanes and 16 registers (--cpu=x86-64-v3), so that both widths' tiling
# is checked.
variants=(--no-fuse -O0 "-O1 --verify-each")
if grep -qw avx512f /proc/cpuinfo; then
  variants+=(--cpu=x86-64-v3)
fi
for flags in "${variants[@]}"; do
  echo "== numerical tests with dlc $flags =="
  /usr/lib/llvm-22/bin/lit -s -DDLC_FLAGS="$flags" \
    build/test/E2E/ops build/test/E2E/gradients build/test/E2E/examples
done
