"""Shared test helpers."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest
from hypothesis import settings

# CI replays the same examples every run (a red build must be reproducible);
# HYPOTHESIS_PROFILE=thorough explores many more, with fresh random seeds.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("thorough", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default"))

T = TypeVar("T")


try:
    import msgspec
except ImportError:  # Pyodide offline, or an install without edgekit[speed]: the callable paths still run
    msgspec = None

needs_msgspec = pytest.mark.skipif(msgspec is None, reason="msgspec is not installed")


def run_pytest(folder: os.PathLike[str], *args: str) -> subprocess.CompletedProcess[str]:
    """pytest run in a fresh interpreter on the project in ``folder`` (its own rootdir, no cache)."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=120)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run one coroutine to completion (tests stay sync and plugin-free)."""
    return asyncio.run(coro)


# Runtimes where subprocesses, threads, sockets and compiled extensions are missing (the
# Pyodide lane runs this suite in Pyodide); a test needing them carries @pytest.mark.cpython_only.
_WASM_PLATFORMS = ("emscripten", "wasi")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "cpython_only: needs subprocesses, threads, sockets or a compiled extension; skipped in Pyodide and WASI",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if sys.platform not in _WASM_PLATFORMS:
        return
    skip = pytest.mark.skip(reason=f"cpython_only: {sys.platform} has no subprocesses, threads or sockets")
    for item in items:
        if item.get_closest_marker("cpython_only"):
            item.add_marker(skip)
