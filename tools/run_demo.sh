#!/usr/bin/env bash
# README command 1: set up .venv if needed, then run the main job end to end on the
# embedded demo dataset (generate data -> train -> test --dump -> metrics).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "$ROOT/tools/setup_env.sh"
cd "$ROOT"
exec "$ROOT/.venv/bin/python" demo/run_demo.py "$@"
