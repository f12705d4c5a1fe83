"""The reference corpora in ``../shared`` (beside a clone, not in it) and their checkers.

Each corpus ships a ``check_python.py`` that drives edgekit through its own
adapter; the suite runs it whenever the corpus is there, and skips otherwise,
so a user's clone stays green.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def corpus(name: str) -> Path:
    """The folder of one corpus (``conformance``, ``fetch-conformance``, ``bindings-conformance``)."""
    return SHARED / name


def load_recording(cases: Path, expected: Path) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """A corpus's cases file and its recorded outcomes per case id (the copies under tests/)."""
    recorded = json.loads(expected.read_text(encoding="utf-8"))
    outcomes = {case["id"]: case["outcomes"] for suite in recorded["suites"] for case in suite["cases"]}
    return json.loads(cases.read_text(encoding="utf-8")), outcomes


def needs(name: str) -> pytest.MarkDecorator:
    """Skip a test when the corpus ``name`` is not beside this clone."""
    return pytest.mark.skipif(
        not (corpus(name) / "check_python.py").exists(), reason=f"../shared/{name} is not beside this clone"
    )


def run_checker(name: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the corpus's ``check_python.py`` against this tree, with extra environment variables."""
    return subprocess.run(
        [sys.executable, str(corpus(name) / "check_python.py"), *args],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO), **env),
        timeout=300,
    )


def assert_all_passed(done: subprocess.CompletedProcess[str]) -> None:
    """The checker exited 0 and its closing line is ``N passed, 0 failed`` with N > 0."""
    lines = done.stdout.strip().splitlines()
    passed, _, rest = (lines[-1] if lines else "").partition(" passed, ")
    assert done.returncode == 0 and passed.isdigit() and int(passed) > 0 and rest == "0 failed", (
        done.stdout[-3000:] + done.stderr[-2000:]
    )
