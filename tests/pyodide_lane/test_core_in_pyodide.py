"""The core test suite, run again inside real Pyodide 0.28.2 (the Workers Python runtime) on Node.

``runner.mjs`` runs pytest inside Pyodide over a copy of the checkout and exits with pytest's
exit code; these tests run it as a subprocess.  What cannot run there is skipped with a
reason (see docs/pyodide-lane.md).  Needs ``node`` (20+) and ``npm ci`` (node_modules/pyodide);
without them the tests skip, so a plain ``pytest`` on a fresh clone stays green.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("runner.mjs")
CANARY = "tests/pyodide_lane/canary/failing_canary.py"
STALLING_CANARY = "tests/pyodide_lane/canary/stalling_canary.py"
# The suite passed 1,700+ tests inside Pyodide when this was written; far fewer means the lane
# lost most of the suite (a collection or import problem), not that a few tests were added.
PASSED_FLOOR = 1500
TIMEOUT_S = 900
# The site-packages of this interpreter: the lane uses the same pytest and Hypothesis.
SITE_PACKAGES = Path(pytest.__file__).resolve().parents[1]

_NODE = shutil.which("node")

pytestmark = [
    pytest.mark.cpython_only,
    pytest.mark.skipif(_NODE is None, reason="node (20+) is not on PATH"),
    pytest.mark.skipif(
        not (ROOT / "node_modules" / "pyodide" / "package.json").is_file(),
        reason="node_modules/pyodide missing: run `npm ci` at the repo root",
    ),
]


def run_lane(*args: str) -> subprocess.CompletedProcess[str]:
    """``node tests/pyodide_lane/runner.mjs --site-packages ... ARGS``, output captured."""
    assert _NODE is not None
    return subprocess.run(
        [_NODE, str(RUNNER), "--site-packages", str(SITE_PACKAGES), "--timeout", str(TIMEOUT_S), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S + 60,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )


def counts(output: str) -> dict[str, int]:
    """pytest's final tally ("12 passed, 3 skipped, 1 failed in 2.0s") as {"passed": 12, ...}."""
    tallies = re.findall(r"^=*\s*(\d+ \w+(?:, \d+ \w+)*) in [\d.]+s", output, flags=re.MULTILINE)
    assert tallies, f"no pytest summary in the lane's output:\n{output[-3000:]}"
    return {word: int(number) for number, word in re.findall(r"(\d+) (\w+)", tallies[-1])}


@pytest.fixture(scope="module")
def core_lane() -> subprocess.CompletedProcess[str]:
    return run_lane()


def test_the_core_suite_passes_inside_pyodide(core_lane: subprocess.CompletedProcess[str]) -> None:
    output = core_lane.stdout
    assert core_lane.returncode == 0, f"exit code {core_lane.returncode}\n{output[-6000:]}\n{core_lane.stderr[-3000:]}"
    assert "pyodide lane: Pyodide 0.28.2, pytest exit code 0" in core_lane.stderr
    tally = counts(output)
    assert tally.get("passed", 0) >= PASSED_FLOOR, tally
    assert "failed" not in tally and "error" not in tally and "errors" not in tally, tally


def test_what_pyodide_cannot_run_is_skipped_with_the_reason(core_lane: subprocess.CompletedProcess[str]) -> None:
    output = core_lane.stdout
    # A test module needing the stdlib's sqlite3 (absent offline) is skipped, naming who imports it.
    assert re.search(r"SKIPPED .*tests/bindings/test_kv\.py needs sqlite3, absent in Pyodide 0\.28\.2", output)
    # Subprocess-driven tests carry @pytest.mark.cpython_only.
    assert re.search(r"SKIPPED .*tests/test_import_budget\.py.*cpython_only: emscripten", output)


def test_a_failing_test_fails_the_lane_and_is_named() -> None:
    done = run_lane("--", CANARY)
    assert done.returncode == 1, f"exit code {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert "AssertionError: the canary fails on purpose inside Pyodide" in done.stdout
    assert counts(done.stdout) == {"failed": 1, "passed": 1}


def test_a_run_that_never_finishes_fails_the_lane() -> None:
    done = run_lane("--", STALLING_CANARY)
    assert done.returncode == 70, f"exit code {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert (
        f"Node exits before pytest finished (a crash, or a test that waits forever), in {STALLING_CANARY}::"
        in done.stderr
    )


def test_bad_arguments_stop_the_runner_before_pyodide_loads(tmp_path: Path) -> None:
    done = run_lane("--bogus")
    assert done.returncode == 70 and "unknown argument --bogus" in done.stderr
    empty = run_lane("--site-packages", str(tmp_path))
    assert empty.returncode == 70
    assert f"pytest is not installed in {tmp_path}: run scripts/setup.sh" in empty.stderr
