#!/usr/bin/env bash
# Run mmaction2's own tools/slurm_test.sh (shipped in the mmaction2 wheel) with every
# argument unchanged: PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args...], from the
# repository root. Like mmaction2: GPUS (default 8), GPUS_PER_NODE (8), CPUS_PER_TASK (5),
# SRUN_ARGS; srun starts `python -u tools/test.py CONFIG CHECKPOINT --launcher=slurm ...`.
# Uses the repo's .venv when present (override with PYTHON=/path/to/python).
set -euo pipefail
source "$(dirname "$0")/stock_launcher.sh"
require_repo_root test.py
run_stock slurm_test.sh "$@"
