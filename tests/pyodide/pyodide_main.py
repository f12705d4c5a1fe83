"""The Python side of ``harness.mjs``: wrap the miniflare bindings, run the contract, return JSON.

Run by the harness with ``runPythonAsync`` in Pyodide 0.28.2; its argument is the
directory holding the copied ``edgekit`` package and ``contract.py``.
The JS bindings come from the JS module ``edgekit_lane_bindings`` the harness registered.
The harness runs this file, then ``await lane("/lane")``: its JSON text is what it prints.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any


async def lane(lane_dir: str) -> str:
    """Run the contract on the wrapped miniflare bindings; its results as one JSON text."""
    if lane_dir not in sys.path:
        sys.path.insert(0, lane_dir)
    from edgekit.bindings.cloudflare import pyodide_runtime, wrap_d1, wrap_kv

    bindings: Any = importlib.import_module("edgekit_lane_bindings")
    contract: Any = importlib.import_module("contract")
    runtime = pyodide_runtime()
    results = await contract.run_contract(wrap_kv(bindings.kv, runtime), wrap_d1(bindings.db, runtime))
    results["sqlite3_imported"] = "sqlite3" in sys.modules
    return json.dumps(results, sort_keys=True, ensure_ascii=False)
