#!/usr/bin/env bash
# The main job: install, build, compile the Fashion-MNIST classifier
# (examples/mnist_mlp2.dl) into a native library and train it for one epoch
# on the real data with dl-train (progress bar, test accuracy, checkpoint
# saved and reloaded). Then compile every other example and build the
# programs that embed a model.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
out=build/demo
mkdir -p "$out"

echo "== training examples/mnist_mlp2.dl on Fashion-MNIST =="
build/bin/dlc examples/mnist_mlp2.dl -o "$out/libmnist_mlp2.so"
build/bin/dl-train "$out/libmnist_mlp2.so" --epochs "${EPOCHS:-1}" --save "$out/mnist_mlp2.safetensors"

echo
echo "== every example model =="
for model in examples/*.dl; do
  name=$(basename "$model" .dl)
  start=$(date +%s%N)
  build/bin/dlc "$model" -o "$out/lib$name.so"
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  printf '%-12s -> %-30s compiled in %5s ms, entries:' "$name" "$out/lib$name.so" "$ms"
  nm -D --defined-only "$out/lib$name.so" | awk -v m="$(grep -m1 -o '^model [a-z_0-9]*' "$model" | cut -d' ' -f2)" \
    '$3 ~ "^"m"_" { e = substr($3, length(m) + 2); if (e !~ /^(create|create_in|destroy|arena_bytes|info|last_error|save|load|load_mem|set_hyper|set_threads|set_parallel_for)$/) printf " %s", e } END { print "" }'
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
