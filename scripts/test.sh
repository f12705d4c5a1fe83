#!/usr/bin/env bash
# Sets up .venv and runs the whole test suite; arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
