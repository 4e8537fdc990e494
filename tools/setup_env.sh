#!/usr/bin/env bash
# Create/refresh .venv at the repo root with the pinned stack from requirements/.
# Idempotent: when .venv matches the requirement files (hash stamp) it exits in seconds.
# Env: PYTHON (interpreter to build the venv from, default python3),
#      VENV (default <repo>/.venv).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
REQ="$ROOT/requirements"
STAMP="$VENV/.tiny_action_stamp"
want="$(cat "$REQ"/torch.txt "$REQ"/runtime.txt "$REQ"/mmagic.txt "$REQ"/tests.txt "$ROOT/setup.py" | sha256sum | cut -d' ' -f1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && "$VENV/bin/python" -c "import tiny_action" 2>/dev/null; then
  echo "[setup_env] $VENV is up to date"
  exit 0
fi
start=$(date +%s)
[ -x "$VENV/bin/python" ] || "${PYTHON:-python3}" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip install --disable-pip-version-check -q)
echo "[setup_env] installing torch pair (requirements/torch.txt)"
"${PIP[@]}" -r "$REQ/torch.txt" 2> >(grep -v "is ignored: it is neither" >&2)
echo "[setup_env] installing the pinned OpenMMLab stack (requirements/runtime.txt, tests.txt)"
"${PIP[@]}" -r "$REQ/runtime.txt" -r "$REQ/tests.txt" 2> >(grep -v "is ignored: it is neither" >&2)
echo "[setup_env] installing mmagic without its declared dependencies (requirements/mmagic.txt)"
"${PIP[@]}" --no-deps -r "$REQ/mmagic.txt" 2> >(grep -v "is ignored: it is neither" >&2)
echo "[setup_env] installing tiny_action (editable)"
"${PIP[@]}" --no-deps --no-build-isolation -e "$ROOT" 2> >(grep -v "is ignored: it is neither" >&2)
"$VENV/bin/python" -c "import tiny_action, mmagic, decord, av; print('[setup_env] tiny_action', tiny_action.__version__, 'ok; compat shims applied:', tiny_action.compat.APPLIED)"
echo "$want" > "$STAMP"
echo "[setup_env] done in $(( $(date +%s) - start )) s; $(du -sh "$VENV" | cut -f1) in $VENV"
