"""The lane's canary: one test that passes and one that fails, but only inside Pyodide.

Not collected by a plain ``pytest`` (the name does not match ``test_*.py``);
``test_core_in_pyodide.py`` hands it to ``runner.mjs`` by path, which must then exit 1 and
name the failure: proof that a failure inside Pyodide reaches the exit code, and that the
runner really runs the tests in Pyodide (on CPython the two outcomes swap).
"""

from __future__ import annotations

import sys


def test_canary_runs_in_pyodide() -> None:
    assert sys.platform == "emscripten"


def test_canary_must_fail_in_pyodide() -> None:
    assert sys.platform != "emscripten", "the canary fails on purpose inside Pyodide"
