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
# headless Chromium renders the RESTORE HTML report in tests/evaluation/test_report.py
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "warning: could not install chromium; the HTML rendering test will be skipped (reason printed)"
fi
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
