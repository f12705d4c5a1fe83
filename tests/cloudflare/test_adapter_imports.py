"""The adapter on CPython: importable anywhere, and clear about where it can run."""

from __future__ import annotations

import subprocess
import sys

import pytest

from edgekit import App
from edgekit.runtime.cloudflare import WorkersCache, make_on_fetch, worker_entrypoint


@pytest.mark.cpython_only  # a fresh interpreter in a subprocess
def test_importing_the_adapter_loads_no_runtime_module() -> None:
    code = (
        "import sys, edgekit.runtime.cloudflare, edgekit.build.cloudflare;"
        "print(sorted(m for m in ('js', 'pyodide', 'workers', 'sqlite3') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_worker_entrypoint_outside_workers_says_where_it_runs() -> None:
    with pytest.raises(RuntimeError, match="only a Python Worker has"):
        worker_entrypoint(App())


def test_on_fetch_is_a_coroutine_function() -> None:
    import inspect

    on_fetch = make_on_fetch(App())
    assert inspect.iscoroutinefunction(on_fetch)
    assert list(inspect.signature(on_fetch).parameters) == ["request", "env", "ctx"]


def test_cache_name_is_checked() -> None:
    assert WorkersCache().name is None and WorkersCache("pages").name == "pages"
    with pytest.raises(ValueError, match="non-empty"):
        WorkersCache("")
