#!/usr/bin/env bash
# Set up a virtual environment (CPU torch pinned) and run the main job on the bundled data.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q -e .
.venv/bin/graphemb quickstart --out results/quickstart.json "$@"
