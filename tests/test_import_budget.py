"""The cold-start budget, structurally: what importing edgekit pulls in.

Timing belongs to bench/; this only checks that the core's imports stay lazy,
since importing re, typing, json or asyncio costs more than all of edgekit.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.cpython_only  # imports edgekit in a fresh interpreter (a subprocess)

HEAVY = ("re", "typing", "json", "asyncio", "enum", "inspect", "dataclasses", "email", "http", "urllib", "msgspec")


def test_from_edgekit_import_app_loads_nothing_heavy() -> None:
    code = (
        "import sys; before = set(sys.modules); from edgekit import App; "
        "print(' '.join(sorted(set(sys.modules) - before)))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    heavy = [m for m in loaded if m.split(".")[0] in HEAVY]
    assert heavy == []
    assert all(m.startswith("edgekit") or m == "__future__" for m in loaded), loaded
