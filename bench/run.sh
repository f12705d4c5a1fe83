#!/usr/bin/env bash
# One command: set up .venv-bench (Python 3.12, pinned peers) and run the
# benchmarks. Arguments go to bench/run.py (--quick for a short smoke run).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-bench"
REQ="$ROOT/bench/requirements.txt"

find_python() {
    local candidates=()
    if [[ -n "${BENCH_PYTHON:-}" ]]; then candidates+=("$BENCH_PYTHON"); fi
    if command -v pyenv >/dev/null 2>&1; then
        candidates+=("$(pyenv root)/versions/3.12.1/bin/python")
    fi
    candidates+=("$(command -v python3.12 || true)")
    for py in "${candidates[@]}"; do
        if [[ -n "$py" && -x "$py" ]] && "$py" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))'; then
            echo "$py"
            return 0
        fi
    done
    return 1
}

pip_quiet() {
    # pip's own chatter goes to a log, shown only when it fails.
    if ! "$VENV/bin/python" -m pip install --disable-pip-version-check "$@" >"$VENV/pip.log" 2>&1; then
        cat "$VENV/pip.log" >&2
        echo "bench: pip install $* failed" >&2
        exit 1
    fi
}

# Stamps hold what the venv was built from; a change rebuilds that part.
if [[ ! -x "$VENV/bin/python" ]] || ! cmp -s "$REQ" "$VENV/.stamp-requirements"; then
    if ! PY="$(find_python)"; then
        echo "bench: needs Python 3.12 (hayate requires >= 3.12): none found." >&2
        echo "bench: tried \$BENCH_PYTHON, \$(pyenv root)/versions/3.12.1/bin/python and python3.12 on PATH." >&2
        exit 2
    fi
    echo "bench: building $VENV with $PY" >&2
    rm -rf "$VENV"
    "$PY" -m venv "$VENV"
    pip_quiet -r "$REQ"
    cp "$REQ" "$VENV/.stamp-requirements"
fi
if [[ -f "$ROOT/pyproject.toml" ]] && ! cmp -s "$ROOT/pyproject.toml" "$VENV/.stamp-pyproject"; then
    # edgekit from the tree; --no-deps keeps the pinned set as it is.
    echo "bench: installing edgekit (editable) into $VENV" >&2
    pip_quiet --no-deps -e "$ROOT"
    cp "$ROOT/pyproject.toml" "$VENV/.stamp-pyproject"
fi

# The repo root first on the path: edgekit is always the working tree's.
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
exec "$VENV/bin/python" "$ROOT/bench/run.py" "$@"
