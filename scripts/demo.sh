#!/usr/bin/env bash
# The main job at this stage: install, build, then compile every example
# model with dlc and show the dl IR of the Fashion-MNIST classifier.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
for model in examples/*.dl; do
  build/bin/dlc "$model" --emit=dl -o "build/$(basename "$model" .dl).mlir"
  printf 'compiled %-28s -> build/%s.mlir\n' "$model" "$(basename "$model" .dl)"
done
echo
echo "== dl IR of examples/mnist_mlp.dl =="
build/bin/dlc examples/mnist_mlp.dl --emit=dl
