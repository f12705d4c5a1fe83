"""The Python side of ``runner.mjs``: run pytest inside Pyodide and return its exit code.

``runner.mjs`` executes this file in Pyodide, then awaits ``run_lane("/repo", "/deps", args)``
with JSPI enabled, so that the suite's ``asyncio.run`` can block on Pyodide's event loop.
Kept free of imports beyond the standard library until the paths are set.
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Hypothesis in the lane: reproducible like CI, no example database (it would be written
# into the checkout's copy and thrown away), and fewer examples (Pyodide is slower).
LANE_PROFILE = "pyodide-lane"
LANE_MAX_EXAMPLES = 50
# The json module's C scanner recurses once per nesting level; in Pyodide on Node's default
# stack, about 6,500 levels overflow the JavaScript stack before Python's recursion check fires,
# and Pyodide dies with a fatal error (measured: 6,000 parse, 6,500 crash).
CRASH_DEPTH = 6000
# Safe to parse here; a json_codec that guards against the crash refuses it (a sane limit is lower).
PROBE_DEPTH = 3000
DEEP_NESTING_CRASH = (
    f"its input opens more than {CRASH_DEPTH} brackets and edgekit.json_codec.loads still parses {PROBE_DEPTH} "
    "levels: json.loads would overflow the JavaScript stack and abort Pyodide (edgekit bug, docs/pyodide-lane.md)"
)


class LanePlugin:
    """What pytest needs to know about running in Pyodide.

    * "This runtime lacks module X" at test-module import becomes a module skip naming X: a
      test module that imports ``sqlite3`` (missing in Pyodide 0.28.2 offline), directly or
      through ``edgekit.bindings.d1``, cannot run here.  Every other collection error,
      including a missing module of edgekit's own, stays an error.
    * Tests whose input would abort Pyodide itself are left out, and listed, while edgekit
      lacks the guard that prevents it.
    * The lane's Hypothesis profile, and the name of each test as it starts (for runner.mjs).
    """

    def __init__(self, on_test_start: Callable[[str], object]) -> None:
        self._module_class = _lane_module_class()
        self._crashing: list[str] = []
        self._on_test_start = on_test_start

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        # Should Pyodide abort or Node give up on a test, runner.mjs names the test it was in.
        self._on_test_start(nodeid)

    def pytest_load_initial_conftests(self) -> None:
        # Here, not before pytest.main: importing Hypothesis earlier keeps pytest from
        # rewriting the asserts of its plugin (and warns).  tests/conftest.py loads the profile.
        _register_hypothesis_profile()

    def pytest_pycollect_makemodule(self, module_path: Path, parent: Any) -> Any:
        return self._module_class.from_parent(parent, path=module_path)

    def pytest_collection_modifyitems(self, config: Any, items: list[Any]) -> None:
        # A crash ends the whole run, so these cannot even fail: they are left out, loudly.
        self._crashing = [item.nodeid for item in items if _nests_too_deep(item)]
        if self._crashing and _json_depth_guarded():
            self._crashing = []
        if self._crashing:
            config.hook.pytest_deselected(items=[item for item in items if item.nodeid in self._crashing])
            items[:] = [item for item in items if item.nodeid not in self._crashing]

    def pytest_runtest_logfinish(self) -> None:
        # Piped, Pyodide's stdout is block-buffered: flushed per test, so that a run Node cuts
        # short (see runner.mjs) still shows how far it got.
        sys.stdout.flush()

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self._crashing:
            terminalreporter.section("left out: they crash Pyodide itself")
            for nodeid in self._crashing:
                terminalreporter.line(f"{nodeid}: {DEEP_NESTING_CRASH}")


def _nests_too_deep(item: Any) -> bool:
    """Whether a parametrized test feeds a text nested deeper than Pyodide's stack survives."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    for value in params.values():
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if isinstance(value, str) and len(value) > CRASH_DEPTH and not value[: CRASH_DEPTH + 1].lstrip("[{"):
            return True
    return False


def _json_depth_guarded() -> bool:
    """Whether edgekit.json_codec.loads refuses deep nesting before the C scanner sees it."""
    from edgekit.json_codec import loads

    try:
        loads("[" * PROBE_DEPTH + "]" * PROBE_DEPTH)
    except ValueError:
        return True
    return False


def _missing_runtime_module(error: BaseException) -> str | None:
    """The name of the absent third-party or stdlib module behind a collection error, else None."""
    cause = error.__cause__
    if not isinstance(cause, ModuleNotFoundError) or not cause.name:
        return None
    top = cause.name.partition(".")[0]
    return None if top in ("edgekit", "tests", "examples") else cause.name


def _importer(error: BaseException) -> str:
    """The last repo file in the import traceback: who needed the missing module."""
    frame = error.__cause__.__traceback__ if error.__cause__ else None
    culprit = ""
    while frame is not None:
        filename = frame.tb_frame.f_code.co_filename
        if filename.startswith(os.getcwd() + "/"):
            culprit = os.path.relpath(filename)
        frame = frame.tb_next
    return culprit


def _lane_module_class() -> type[Any]:
    import pytest

    class LaneModule(pytest.Module):
        def collect(self) -> Any:
            try:
                return super().collect()
            except pytest.Collector.CollectError as error:
                missing = _missing_runtime_module(error)
                if missing is None:
                    raise
                reason = (
                    f"{os.path.relpath(self.path)} needs {missing}, absent in Pyodide {_pyodide_version()} offline"
                    f" (imported by {_importer(error)})"
                )
                raise pytest.skip.Exception(reason, allow_module_level=True) from None

    return LaneModule


def _pyodide_version() -> str:
    try:
        import pyodide  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return "?"
    return str(pyodide.__version__)


def _install_hypothesis_native(deps: str) -> None:
    """Use the pure-Python ``hypothesis._native`` unless a build for this runtime is installed."""
    package = Path(deps, "hypothesis")
    if any((package / f"_native{suffix}").exists() for suffix in importlib.machinery.EXTENSION_SUFFIXES):
        return
    from tests.pyodide_lane import hypothesis_native

    hypothesis_native.install()


def _register_hypothesis_profile() -> None:
    from hypothesis import settings

    settings.register_profile(
        LANE_PROFILE, derandomize=True, deadline=None, database=None, max_examples=LANE_MAX_EXAMPLES
    )
    # tests/conftest.py loads the profile named here.
    os.environ.setdefault("HYPOTHESIS_PROFILE", LANE_PROFILE)


def run_lane(repo: str, deps: str, args: list[str], on_test_start: Callable[[str], object]) -> int:
    """Run ``pytest ARGS`` with ``repo`` as the working directory; its exit code.

    ``on_test_start(nodeid)`` is called as each test starts.
    """
    sys.dont_write_bytecode = True
    sys.path[:0] = [repo, deps]
    os.chdir(repo)
    _install_hypothesis_native(deps)

    import pytest

    # No cache provider: it would write .pytest_cache; -rsx lists why each skip and xfail happened.
    # edgekit's own plugin comes from its installed entry point on CPython; edgekit is copied here.
    options = ["-p", "no:cacheprovider", "-p", "edgekit.pytest_plugin", "-rsx"]
    try:
        return int(pytest.main([*options, *args], plugins=[LanePlugin(on_test_start)]))
    finally:
        # Piped, Pyodide's stdout is block-buffered: the summary must be out before Node exits.
        sys.stdout.flush()
        sys.stderr.flush()
