#!/usr/bin/env bash
# Sets up .venv and node_modules and runs the whole test suite; arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Real Pyodide 0.28.2 and miniflare for tests/pyodide (pinned in package-lock.json).
if command -v npm >/dev/null 2>&1; then
  npm ci --no-audit --no-fund --loglevel=error
else
  echo "scripts/test.sh: npm not found, so tests/pyodide will be skipped" >&2
fi
exec .venv/bin/python -m pytest "$@"
