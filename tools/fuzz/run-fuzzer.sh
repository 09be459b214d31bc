#!/usr/bin/env bash
# Builds the libFuzzer target (ASan + coverage) in build-fuzz and runs it for
# a bounded time: tools/fuzz/run-fuzzer.sh [SECONDS] (default 600). The seed
# corpus is every .dl file of examples/ and test/; inputs that crash are
# written to build-fuzz/crashes/ (add each as a regression test under
# test/Frontend/fuzz/).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-600}
scripts/setup.sh
if [ ! -f build-fuzz/build.ninja ]; then
  cmake -G Ninja -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir -DDLC_ENABLE_FUZZER=ON \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address"
fi
ninja -C build-fuzz dlc-fuzz
mkdir -p build-fuzz/corpus build-fuzz/crashes
seeds=$(mktemp -d)
find examples test -name '*.dl' -exec cp {} "$seeds/" \;
# LLVM is not built with ASan: its containers are not annotated.
export ASAN_OPTIONS=detect_container_overflow=0:detect_leaks=1
build-fuzz/bin/dlc-fuzz build-fuzz/corpus "$seeds" \
  -dict=tools/fuzz/dl.dict -max_total_time="$seconds" -timeout=10 \
  -rss_limit_mb=4096 -artifact_prefix=build-fuzz/crashes/ -print_final_stats=1
rm -rf "$seeds"
