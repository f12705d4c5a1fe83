"""One KV and D1 contract, run on any implementation of edgekit's bindings API.

:func:`run_contract` takes a KV namespace and a D1 database (the local stores on
CPython, or the Cloudflare wrappers over miniflare's simulators in Pyodide), makes the
same calls on both and returns the results in a canonical, JSON-ready form:

* ``bytes`` become ``{"b64": ...}``; a ``stream`` value the base64 of its joined chunks;
* a :class:`KVListResult` becomes its keys and ``list_complete``; the cursor only as
  "present or not" (its text is opaque and belongs to the implementation);
* a D1 result keeps ``results``, ``success`` and ``meta`` without ``duration`` (a timing);
  a D1 exec result keeps ``count`` and whether ``duration`` is a number;
* an error becomes ``{"error": class name, "contains": ...}``: the expected substring when
  the message holds it, else the whole message (so a mismatch shows what was raised).

The module uses only the standard library and sqlite-free edgekit names, so it runs in
Pyodide 0.28.2, which has no ``sqlite3`` offline.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Awaitable
from typing import Any

from edgekit.bindings.d1_api import D1ExecResult, D1Result
from edgekit.bindings.kv_api import KVListResult

__all__ = ["canonical", "run_contract"]


async def canonical(value: Any) -> Any:
    """``value`` as plain JSON data, with the Python type kept where JSON would lose it."""
    if isinstance(value, AsyncIterator):
        return {"stream_b64": base64.b64encode(b"".join([chunk async for chunk in value])).decode()}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"b64": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, KVListResult):
        return {
            "keys": [[k.name, k.expiration, await canonical(k.metadata)] for k in value.keys],
            "list_complete": value.list_complete,
            "has_cursor": isinstance(value.cursor, str) and value.cursor != "",
        }
    if isinstance(value, D1Result):
        meta = {k: v for k, v in sorted(value.meta.items()) if k != "duration"}
        return {
            "results": [await canonical(row) for row in value.results],
            "success": value.success,
            "meta": meta,
        }
    if isinstance(value, D1ExecResult):
        return {"count": value.count, "duration_is_number": type(value.duration) in (int, float)}
    if isinstance(value, dict):
        return {str(k): await canonical(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return {"tuple": [await canonical(v) for v in value]}
    if isinstance(value, list):
        return [await canonical(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return {"unexpected_type": type(value).__name__, "repr": repr(value)}


async def _error(call: Awaitable[Any], contains: str) -> dict[str, Any]:
    """What ``call`` raised, canonically; a result instead of an error is recorded as such."""
    try:
        result = await call
    except Exception as e:  # noqa: BLE001 - the class name is the datum
        message = str(e)
        return {"error": type(e).__name__, "contains": contains if contains in message else message}
    return {"no_error": await canonical(result)}


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def kv_contract(kv: Any) -> dict[str, Any]:
    """The KV calls and their canonical results, by step name."""
    out: dict[str, Any] = {}
    blob = bytes(range(256)) * 3
    await kv.put("a/text", "héllo wörld")
    await kv.put("a/json", '{"x": [1, 2.5, null], "y": "z", "t": true}')
    await kv.put("a/bytes", blob)
    await kv.put("a/streamed", _chunks(b"abc", b"", b"def"))
    await kv.put("a/meta", "with metadata", metadata={"m": 1, "n": None, "s": "é"})
    await kv.put("b/other", "x")
    out["get_text"] = await kv.get("a/text")
    out["get_json"] = await canonical(await kv.get("a/json", type="json"))
    out["get_text_of_json"] = await kv.get("a/json", type="text")
    out["get_bytes"] = await canonical(await kv.get("a/bytes", type="bytes"))
    out["get_stream"] = await canonical(await kv.get("a/bytes", type="stream"))
    out["get_streamed_put"] = await kv.get("a/streamed")
    out["get_bytes_of_text"] = await canonical(await kv.get("a/text", type="bytes"))
    out["get_missing"] = await kv.get("nope")
    out["get_missing_bytes"] = await kv.get("nope", type="bytes")
    out["get_missing_json"] = await kv.get("nope", type="json")
    out["get_with_metadata"] = await canonical(await kv.get_with_metadata("a/meta"))
    out["get_with_metadata_none"] = await canonical(await kv.get_with_metadata("a/text"))
    out["get_with_metadata_missing"] = await canonical(await kv.get_with_metadata("nope"))
    out["get_with_metadata_bytes"] = await canonical(await kv.get_with_metadata("a/meta", type="bytes"))
    out["list_all"] = await canonical(await kv.list())
    pages = []
    cursor = None
    for _ in range(10):
        page = await kv.list(prefix="a/", limit=2, cursor=cursor)
        pages.append(await canonical(page))
        if page.list_complete:
            break
        cursor = page.cursor
    out["list_pages"] = pages
    out["list_prefix_none"] = await canonical(await kv.list(prefix="zzz"))
    out["bulk_text"] = await canonical(await kv.get(["a/text", "nope", "b/other"]))
    out["bulk_json"] = await canonical(await kv.get(["a/json", "nope"], type="json"))
    out["bulk_with_metadata"] = await canonical(await kv.get_with_metadata(["a/meta", "a/text", "nope"]))
    await kv.delete("a/text")
    await kv.delete("never-there")
    out["after_delete"] = await kv.get("a/text")
    out["list_after_delete"] = await canonical(await kv.list(prefix="a/"))
    out["err_key_too_long"] = await _error(kv.put("k" * 513, "v"), "exceeds key length limit of 512")
    out["err_get_key_too_long"] = await _error(kv.get("k" * 513), "exceeds key length limit of 512")
    out["err_empty_key"] = await _error(kv.get(""), "empty")
    out["err_ttl_too_short"] = await _error(kv.put("k", "v", expiration_ttl=30), "at least 60")
    out["err_metadata_too_big"] = await _error(kv.put("k", "v", metadata="m" * 1100), "exceeds limit of 1024")
    out["err_list_limit"] = await _error(kv.list(limit=1001), "key_count_limit")
    out["err_bad_json"] = await _error(kv.get("b/other", type="json"), "")
    out["err_bad_type"] = await _error(kv.get("b/other", type="blob"), "Unknown response type")
    await kv.put("c/ttl", "v", expiration_ttl=3600)
    listed = await kv.list(prefix="c/")
    # The expiration is "now + 3600" in each store's clock: compare its type, not its value.
    out["ttl_listed"] = [[k.name, type(k.expiration).__name__] for k in listed.keys]
    return out


async def d1_contract(db: Any) -> dict[str, Any]:
    """The D1 calls and their canonical results, by step name."""
    out: dict[str, Any] = {}
    out["exec_create"] = await canonical(
        await db.exec(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL, data BLOB, flag INTEGER);\n"
            "CREATE TABLE u (k TEXT PRIMARY KEY)"
        )
    )
    insert = db.prepare("INSERT INTO t (name, score, data, flag) VALUES (?, ?, ?, ?)")
    out["run_insert"] = await canonical(await insert.bind("ann", 1.5, b"\x00\x01\xff", True).run())
    out["run_insert_nulls"] = await canonical(await insert.bind("bob", None, None, False).run())
    out["first_row"] = await canonical(await db.prepare("SELECT * FROM t ORDER BY id").first())
    out["first_column"] = await canonical(await db.prepare("SELECT name FROM t WHERE id = ?").bind(2).first("name"))
    out["first_none"] = await canonical(await db.prepare("SELECT * FROM t WHERE id = 99").first())
    out["all"] = await canonical(await db.prepare("SELECT * FROM t ORDER BY id").all())
    out["all_named_param"] = await canonical(
        await db.prepare("SELECT name FROM t WHERE id = ?1 OR name = ?1").bind(1).all()
    )
    out["raw"] = await canonical(await db.prepare("SELECT id, name, data FROM t ORDER BY id").raw())
    out["raw_columns"] = await canonical(await db.prepare("SELECT id, name FROM t ORDER BY id").raw(column_names=True))
    out["run_update"] = await canonical(
        await db.prepare("UPDATE t SET score = score + 1 WHERE score IS NOT NULL").run()
    )
    out["batch"] = await canonical(
        await db.batch(
            [
                db.prepare("INSERT INTO u (k) VALUES (?)").bind("one"),
                db.prepare("INSERT INTO u (k) VALUES (?)").bind("two"),
                db.prepare("SELECT k FROM u ORDER BY k"),
            ]
        )
    )
    out["batch_rollback"] = await _error(
        db.batch(
            [
                db.prepare("INSERT INTO u (k) VALUES (?)").bind("three"),
                db.prepare("INSERT INTO u (k) VALUES (?)").bind("one"),
            ]
        ),
        "UNIQUE constraint failed: u.k",
    )
    out["after_rollback"] = await canonical(await db.prepare("SELECT count(*) AS n FROM u").first("n"))
    out["err_no_such_table"] = await _error(db.prepare("SELECT * FROM missing").all(), "no such table: missing")
    out["err_exec_syntax"] = await _error(db.exec("SELEC nonsense"), "syntax error")
    out["err_not_null"] = await _error(insert.bind(None, 1, None, 0).run(), "NOT NULL constraint failed: t.name")
    return out


async def run_contract(kv: Any, db: Any) -> dict[str, Any]:
    """Both contracts: ``{"kv": ..., "d1": ...}``, JSON-ready."""
    return {"kv": await kv_contract(kv), "d1": await d1_contract(db)}
