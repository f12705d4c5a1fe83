#!/usr/bin/env bash
# Sets up .venv and serves the todo example (D1 and KV on local SQLite files under
# examples/todos/.edgekit/state) on http://127.0.0.1:8787; Ctrl-C stops it.
# Arguments go to `edgekit dev`, e.g. scripts/preview.sh --port 9000 --reload
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python -m edgekit dev examples/todos/app.py "$@"
