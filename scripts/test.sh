#!/usr/bin/env bash
# Set up a virtual environment (CPU torch pinned) and run the whole test suite.
# Exits non-zero on any failure, including pytest's "no tests collected" (exit 5).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q -e ".[dev]"
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
