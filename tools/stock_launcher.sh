# Sourced by tools/dist_*.sh and tools/slurm_*.sh (not run on its own): finds the Python
# (the repo's .venv when present; override with PYTHON=/path/to/python) and runs one of
# mmaction2's own shell scripts shipped in its wheel (mmaction/.mim/tools/) with every
# argument unchanged.
TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$TOOLS_DIR")"
PY="${PYTHON:-$REPO_DIR/.venv/bin/python}"
[ -x "$PY" ] || PY="$(command -v python)"

# require_repo_root SCRIPT: mmaction2's slurm_*.sh start `python -u tools/SCRIPT` relative to
# the current directory, which must therefore be this repository's root.
require_repo_root() {
    if [ ! "$PWD/tools/$1" -ef "$TOOLS_DIR/$1" ]; then
        echo "$(basename "$0"): run it from the repository root $REPO_DIR, not $PWD" \
            "(mmaction2's script starts tools/$1 relative to the current directory)" >&2
        exit 2
    fi
}

# run_stock NAME ARGS...: replace this shell by mmaction2's tools/NAME, the Python's folder
# first on PATH (the stock scripts call `python`).
run_stock() {
    local stock
    stock="$("$PY" "$REPO_DIR/projects/tiny_action/utils/stock_tools.py" "$1")" || exit 1
    shift
    export PATH="$(dirname "$PY"):$PATH"
    exec bash "$stock" "$@"
}
