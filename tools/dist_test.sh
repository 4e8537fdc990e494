#!/usr/bin/env bash
# Run mmaction2's own tools/dist_test.sh (shipped in the mmaction2 wheel) with every
# argument unchanged: CONFIG CHECKPOINT NPROC [test.py args...].
# Multi-node like mmaction2: NNODES, NODE_RANK, MASTER_ADDR, PORT.
# Uses the repo's .venv when present (override with PYTHON=/path/to/python).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
PY="${PYTHON:-$HERE/../.venv/bin/python}"
[ -x "$PY" ] || PY="$(command -v python)"
STOCK="$("$PY" -c "from tiny_action.utils import stock_tool_path; print(stock_tool_path('dist_test.sh'))" | tail -n 1)"
export PATH="$(dirname "$PY"):$PATH"
exec bash "$STOCK" "$@"
