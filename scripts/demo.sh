#!/usr/bin/env bash
# The main job at this stage: install, build, compile every example model
# into a native library, check each against the reference evaluator, and
# build and run the C and C++ programs that embed a model.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
out=build/demo
mkdir -p "$out"
for model in examples/*.dl; do
  name=$(basename "$model" .dl)
  start=$(date +%s%N)
  build/bin/dlc "$model" -o "$out/lib$name.so"
  build/bin/dlc "$model" --emit=header -o "$out/$name.h"
  build/bin/dlc "$model" --emit=dl -o "$out/$name.mlir"
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  printf '%-14s -> %-28s (compiled in %s ms, %s bytes)\n' "$name" "$out/lib$name.so" "$ms" "$(stat -c %s "$out/lib$name.so")"
  build/bin/dl-ref "$out/$name.mlir" "$out/lib$name.so" --entry infer | sed 's/^/    reference check: /'
done
echo
echo "== examples/embed_c: the XOR model in a C program =="
cmake -S examples/embed_c -B "$out/embed_c" -G Ninja -DCMAKE_C_COMPILER=clang-22 \
  -Ddlc_DIR="$PWD/build/lib/cmake/dlc" > /dev/null
cmake --build "$out/embed_c" > /dev/null
(cd "$out/embed_c" && ./embed_c)
echo
echo "== examples/embed_cpp: the MNIST classifier in a C++ program =="
cmake -S examples/embed_cpp -B "$out/embed_cpp" -G Ninja -DCMAKE_CXX_COMPILER=clang++-22 \
  -Ddlc_DIR="$PWD/build/lib/cmake/dlc" > /dev/null
cmake --build "$out/embed_cpp" > /dev/null
"$out/embed_cpp/embed_cpp"
