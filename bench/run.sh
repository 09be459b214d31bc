#!/usr/bin/env bash
# The benchmark in one command: builds dlc, sets up the peers' Python
# environment (bench/.venv: torch, onnxruntime and onnx from PyPI; only the
# benchmark uses it), then runs bench/run.py, which prints the table and
# writes it to bench/out/results.md. Arguments go to run.py
# (--iters N, --rounds N, --only SUBSTRING, --no-peers).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
if [ ! -x bench/.venv/bin/python ] || ! bench/.venv/bin/python -c 'import torch, onnxruntime, onnx' 2>/dev/null; then
  apt-get install -y -qq python3-venv > /dev/null 2>&1 || true
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install -q torch onnxruntime onnx numpy
fi
exec bench/.venv/bin/python bench/run.py --markdown bench/out/results.md "$@"
