"""The Cloudflare wrappers in real Pyodide 0.28.2 over miniflare's KV and D1 simulators.

``harness.mjs`` runs ``contract.py`` in Pyodide (the Workers Python runtime) on
``wrap_kv``/``wrap_d1`` over the bindings of a real Miniflare instance; the same
contract runs here on CPython over the local stores (in memory and on files).  The two results
must be equal after :func:`comparable`, which removes only the documented differences:

* D1 ``meta.duration`` and the exec ``duration`` (timings) are dropped by the contract
  itself (the exec result keeps only "is a number");
* D1 ``meta.served_by`` names the engine (``"miniflare.db"`` there, ``"edgekit.local"``
  here): dropped here;
* D1 ``meta.size_after`` is the SQLite file size, a property of each engine's page
  allocation: compared as "a positive int" only (measured: 20480 in miniflare, 16384 in
  the local store, for the same two tables);
* D1 ``meta.rows_read``/``rows_written`` come from workerd's SQLite cursor, which the
  local store approximates by rows returned/changed (see ``edgekit/bindings/d1.py``):
  compared as "an int >= 0" only, as the conformance corpus's checker does by default.
  Measured: a two-row scan with ``WHERE id = ?1 OR name = ?1`` reads 2 in miniflare, 1
  locally; an UPDATE that scans 2 rows reads 2 in miniflare, 0 locally; an INSERT into a
  table with a TEXT PRIMARY KEY writes 2 (row and index) in miniflare, 1 locally;
* KV list cursors are opaque: the contract records only whether one is present;
* ``get(key, type="json")`` of a value that is not JSON: the local store raises
  ``json.JSONDecodeError``, the wrapper (from JavaScript's ``SyntaxError``) a plain
  ``ValueError``, its base class; ``except ValueError`` catches both.  Compared as
  ``ValueError``, as ``tests/bindings/test_cloudflare_wrappers.py`` compares errors by kind.

Needs ``npm ci`` at the repo root (``node_modules/pyodide`` and ``node_modules/miniflare``);
without it the tests skip, so a plain ``pytest`` on a fresh clone stays green.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from edgekit.bindings.d1 import D1Database
from edgekit.bindings.kv import KVNamespace
from tests.conftest import run
from tests.pyodide.contract import run_contract

ROOT = Path(__file__).resolve().parents[2]
HARNESS = Path(__file__).with_name("harness.mjs")
TIMEOUT_S = 120

_MISSING = [name for name in ("pyodide", "miniflare") if not (ROOT / "node_modules" / name / "package.json").is_file()]
_NODE = shutil.which("node")

pytestmark = [
    pytest.mark.skipif(
        bool(_MISSING),
        reason=f"node_modules/{' and node_modules/'.join(_MISSING)} missing: run `npm ci` at the repo root",
    ),
    pytest.mark.skipif(_NODE is None, reason="node (20+) is not on PATH"),
]


def run_harness(*args: str) -> subprocess.CompletedProcess[str]:
    """``node tests/pyodide/harness.mjs ARGS`` from the repo root, output captured."""
    assert _NODE is not None
    return subprocess.run(
        [_NODE, str(HARNESS), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )


def harness_results(*args: str) -> dict[str, Any]:
    """The contract's results from Pyodide; fails with the harness's stderr when it did not finish."""
    done = run_harness(*args)
    assert done.returncode == 0, f"harness exited {done.returncode}:\n{done.stderr[-4000:]}"
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, f"expected one JSON line, got:\n{done.stdout[-4000:]}"
    result: dict[str, Any] = json.loads(lines[0])
    return result


def cpython_results(folder: Path | None = None) -> dict[str, Any]:
    """The same contract on CPython over the local stores (in ``folder``, else in memory),
    through the same JSON round trip."""
    kv_path = ":memory:" if folder is None else folder / "kv.sqlite"
    db_path = ":memory:" if folder is None else folder / "d1.sqlite"

    async def go() -> dict[str, Any]:
        with KVNamespace(kv_path) as kv:
            db = D1Database(db_path)
            try:
                return await run_contract(kv, db)
            finally:
                db.close()

    result: dict[str, Any] = json.loads(json.dumps(run(go()), sort_keys=True, ensure_ascii=False))
    return result


def _dicts(value: Any) -> list[dict[str, Any]]:
    """Every dict inside a canonical result, outermost first."""
    if isinstance(value, dict):
        return [value, *(d for item in value.values() for d in _dicts(item))]
    if isinstance(value, list):
        return [d for item in value for d in _dicts(item)]
    return []


def _errors(value: Any) -> list[dict[str, Any]]:
    """Every canonical error (``{"error": ..., "contains": ...}``) inside a canonical result."""
    return [d for d in _dicts(value) if d.keys() == {"error", "contains"}]


def _metas(value: Any) -> list[dict[str, Any]]:
    """Every D1 ``meta`` dict inside a canonical result."""
    return [d["meta"] for d in _dicts(value) if isinstance(d.get("meta"), dict) and "results" in d]


def comparable(results: dict[str, Any]) -> dict[str, Any]:
    """``results`` without the documented differences (see the module docstring)."""
    out = copy.deepcopy(results)
    out.pop("sqlite3_imported", None)
    for meta in _metas(out):
        meta.pop("served_by", None)
        size = meta.get("size_after")
        meta["size_after"] = "positive int" if type(size) is int and size > 0 else size
        for counter in ("rows_read", "rows_written"):
            count = meta.get(counter)
            meta[counter] = "int >= 0" if type(count) is int and count >= 0 else count
    for error in _errors(out):
        if error["error"] == "JSONDecodeError":
            error["error"] = "ValueError"
    return out


@pytest.fixture(scope="module")
def pyodide_results() -> dict[str, Any]:
    """One harness run shared by the tests of this module (Pyodide starts in seconds)."""
    return harness_results()


@pytest.mark.parametrize("store", ["memory", "file"])
def test_wrappers_in_pyodide_match_local_stores(pyodide_results: dict[str, Any], store: str, tmp_path: Path) -> None:
    """One contract, three implementations: in-memory store, file store, wrapper in Pyodide."""
    expected = comparable(cpython_results(tmp_path if store == "file" else None))
    got = comparable(pyodide_results)
    assert got.keys() == expected.keys()
    for part in ("kv", "d1"):
        assert got[part].keys() == expected[part].keys()
        mismatched = {step for step in expected[part] if got[part][step] != expected[part][step]}
        assert not mismatched, {step: (got[part][step], expected[part][step]) for step in sorted(mismatched)}
    assert got == expected


def test_wrappers_import_no_sqlite3_in_pyodide(pyodide_results: dict[str, Any]) -> None:
    # Pyodide 0.28.2 has no sqlite3 offline: the wrappers and the contract must not need it.
    assert pyodide_results["sqlite3_imported"] is False


def test_meta_has_the_same_fields_everywhere(pyodide_results: dict[str, Any]) -> None:
    # If miniflare's meta gains or loses a field, the local store must follow.
    local = {frozenset(meta) for meta in _metas(cpython_results())}
    remote = {frozenset(meta) for meta in _metas(pyodide_results)}
    assert remote == local
    assert {meta["served_by"] for meta in _metas(pyodide_results)} == {"miniflare.db"}


def test_harness_exits_non_zero_when_the_contract_breaks(tmp_path: Path) -> None:
    broken = tmp_path / "contract.py"
    broken.write_text(
        "async def run_contract(kv, db):\n    raise RuntimeError('deliberately broken contract')\n", encoding="utf-8"
    )
    done = run_harness("--contract", str(broken))
    assert done.returncode != 0
    assert done.stdout == ""
    assert "deliberately broken contract" in done.stderr


@pytest.mark.xfail(strict=True, reason="canary: a wrong expectation must make the lane fail")
def test_canary_lane_fails_on_a_wrong_value(pyodide_results: dict[str, Any]) -> None:
    expected = comparable(cpython_results())
    expected["kv"]["get_text"] = "not what was stored"
    assert comparable(pyodide_results) == expected
