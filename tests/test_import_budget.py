"""The cold-start budget, structurally: what importing edgekit pulls in.

Timing belongs to bench/; this only checks that the core's imports stay lazy,
since importing re, typing, json or asyncio costs more than all of edgekit.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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


# Serves a GET with a path param and a JSON POST, then prints what it loaded: what every Worker loads.
BARE_APP = Path(__file__).parents[1] / "bench" / "bare_app.py"
CORE_BUDGET_BYTES = 150 * 1024


def test_a_bare_app_loads_less_than_150_kb_of_edgekit_source() -> None:
    size, *modules = subprocess.run(
        [sys.executable, str(BARE_APP)], capture_output=True, text=True, check=True
    ).stdout.split()
    assert int(size) < CORE_BUDGET_BYTES, modules
    # Loaded on first use only: the full URL parser, forms and the fallback routers.
    assert not {"edgekit.url_parser", "edgekit.formdata", "edgekit.router.trie", "edgekit.router.linear"} & set(modules)
