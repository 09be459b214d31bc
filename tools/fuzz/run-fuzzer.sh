#!/usr/bin/env bash
# Builds the libFuzzer targets (ASan + coverage) in build-fuzz and runs one
# for a bounded time:
#   tools/fuzz/run-fuzzer.sh [SECONDS] [dlc-fuzz|checkpoint-fuzz]
# (default 600 seconds of dlc-fuzz, the front end; checkpoint-fuzz feeds
# checkpoint loading). The front end's seed corpus is every .dl file of
# examples/ and test/; inputs that crash are written to build-fuzz/crashes/
# (add each as a regression test).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-600}
target=${2:-dlc-fuzz}
scripts/setup.sh
if [ ! -f build-fuzz/build.ninja ]; then
  cmake -G Ninja -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir -DDLC_ENABLE_FUZZER=ON \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address"
fi
ninja -C build-fuzz "$target"
mkdir -p "build-fuzz/corpus-$target" build-fuzz/crashes
seeds=$(mktemp -d)
if [ "$target" = dlc-fuzz ]; then
  find examples test -name '*.dl' -exec cp {} "$seeds/" \;
  dict=(-dict=tools/fuzz/dl.dict)
else
  dict=()
fi
# LLVM is not built with ASan: its containers are not annotated.
export ASAN_OPTIONS=detect_container_overflow=0:detect_leaks=1
"build-fuzz/bin/$target" "build-fuzz/corpus-$target" "$seeds" "${dict[@]}" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
  -artifact_prefix=build-fuzz/crashes/ -print_final_stats=1
rm -rf "$seeds"
