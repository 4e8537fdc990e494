#!/usr/bin/env bash
# README command 2: set up .venv if needed, then run the test suite.
# Extra arguments go to pytest (e.g. `bash tools/run_tests.sh tests/test_compat.py -x`).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "$ROOT/tools/setup_env.sh"
cd "$ROOT"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
exec "$ROOT/.venv/bin/python" -m pytest "${@:-tests}"
