#!/usr/bin/env bash
# The whole test suite from a fresh machine: install, build, run lit.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
/usr/lib/llvm-22/bin/lit -sv --time-tests build/test
