#!/usr/bin/env bash
# Run mmaction2's own tools/dist_train.sh (shipped in the mmaction2 wheel) with every
# argument unchanged: CONFIG NPROC [train.py args...].
# Multi-node like mmaction2: NNODES, NODE_RANK, MASTER_ADDR, PORT.
# Uses the repo's .venv when present (override with PYTHON=/path/to/python).
set -euo pipefail
source "$(dirname "$0")/stock_launcher.sh"
run_stock dist_train.sh "$@"
