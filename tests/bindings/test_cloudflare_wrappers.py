"""The Cloudflare KV and D1 wrappers over fake JS proxies, checked against the local stores.

The contract tests run one sequence of calls twice: on a local store directly, and
through the wrapper over a fake JS binding (``fake_js``) backed by another local store.
Both must give the same Python results and the same errors.  These are fake JS proxies
on CPython; the real crossing is proven in Pyodide by the Workers lane.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from edgekit.bindings.cloudflare import (
    CloudflareD1,
    CloudflareKV,
    pyodide_runtime,
    wrap_d1,
    wrap_env,
    wrap_kv,
)
from edgekit.bindings.d1 import CONSTRAINTS_RESET, D1Database, D1Error, D1ExecResult, D1Result
from edgekit.bindings.kv import KVError, KVListResult, KVNamespace
from tests.bindings.fake_js import (
    JS_NULL,
    RUNTIME,
    FakeBuffer,
    FakeD1Binding,
    FakeJsException,
    FakeJsObject,
    FakeKVBinding,
)
from tests.conftest import run

NOW_MS = 1_700_000_000_000
NOW_S = NOW_MS // 1000
UNBINDABLE = object()  # one object for both runs: error messages show its repr


def local_kv() -> KVNamespace:
    return KVNamespace(":memory:", now_ms=lambda: NOW_MS)


def wrapped_kv() -> CloudflareKV:
    return wrap_kv(FakeKVBinding(local_kv()), RUNTIME)


def wrapped_d1() -> CloudflareD1:
    return wrap_d1(FakeD1Binding(D1Database(":memory:")), RUNTIME)


async def normal(value: Any) -> Any:
    """A result in a comparable form that keeps Python types (bytes is not memoryview, None is not null)."""
    if isinstance(value, AsyncIterator):
        return ("stream", b"".join([chunk async for chunk in value]))
    if isinstance(value, KVListResult):
        keys = [(type(k).__name__, k.name, k.expiration, k.metadata) for k in value.keys]
        return ("list", keys, value.list_complete, value.cursor)
    if isinstance(value, D1Result):
        meta = {k: v for k, v in value.meta.items() if k != "duration"}
        return (
            "D1Result",
            [await normal(row) for row in value.results],
            value.success,
            type(value.meta).__name__,
            meta,
        )
    if isinstance(value, D1ExecResult):
        return ("D1ExecResult", value.count, type(value.duration) in (int, float))
    if isinstance(value, dict):
        return ("dict", [(k, await normal(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [await normal(v) for v in value])
    return (type(value).__name__, value)


Step = Callable[[], Awaitable[Any]]
# Errors are compared by kind, as the conformance corpus does: a JavaScript SyntaxError
# from JSON is a ValueError, where the local store raises its subclass JSONDecodeError.
ERROR_KINDS = (KVError, D1Error, TypeError, ValueError, Exception)


async def outcomes(steps: list[Step]) -> list[Any]:
    out = []
    for step in steps:
        try:
            result = await step()
        except Exception as e:
            kind = next(k.__name__ for k in ERROR_KINDS if isinstance(e, k))
            out.append(("raise", kind, str(e), getattr(e, "op", None), getattr(e, "token", None)))
        else:
            out.append(("ok", await normal(result)))
    return out


async def chunks() -> AsyncIterator[bytes]:
    yield b"str"
    yield b"eam"


def kv_steps(kv: Any) -> list[Step]:
    big_meta = {"m": "x" * 2000}
    steps: list[Step] = [
        lambda: kv.put("a", "héllo"),
        lambda: kv.get("a"),
        lambda: kv.get("a", type="bytes"),
        lambda: kv.get("a", "stream"),
        lambda: kv.get("a", "json"),
        lambda: kv.put("j", '{"x": [1, null, 2.5], "y": {"z": true}}', metadata={"m": None, "n": [1, 2]}),
        lambda: kv.get("j", "json"),
        lambda: kv.get_with_metadata("j", "json"),
        lambda: kv.get_with_metadata("j"),
        lambda: kv.get_with_metadata("j", "bytes"),
        lambda: kv.put("b", b"\x00\xff\x80"),
        lambda: kv.get("b", "bytes"),
        lambda: kv.get("b"),
        lambda: kv.put("ba", bytearray(b"ba")),
        lambda: kv.put("mv", memoryview(b"mv")),
        lambda: kv.put("st", chunks()),
        lambda: kv.get("st"),
        lambda: kv.put("empty", b""),
        lambda: kv.get("empty", "stream"),
        lambda: kv.get("empty", "bytes"),
        lambda: kv.put("n", "null"),
        lambda: kv.get("n", "json"),
        lambda: kv.get("missing"),
        lambda: kv.get("missing", "bytes"),
        lambda: kv.get("missing", "stream"),
        lambda: kv.get("missing", "json"),
        lambda: kv.get_with_metadata("missing"),
        lambda: kv.put("ttl", "v", expiration_ttl=120, metadata=[1, "two"]),
        lambda: kv.put("abs", "v", expiration=NOW_S + 3600.7),
        lambda: kv.put("x", "v", expiration_ttl=30),
        lambda: kv.put("x", "v", expiration=NOW_S - 10),
        lambda: kv.put("x", "v", expiration=2**40),
        lambda: kv.put("x", "v", expiration_ttl="60"),
        lambda: kv.put("", "v"),
        lambda: kv.put(".", "v"),
        lambda: kv.put("k" * 513, "v"),
        lambda: kv.put(5, "v"),
        lambda: kv.put("x", 5),
        lambda: kv.put("x", {"a": 1}),
        lambda: kv.put("x", "v", metadata=UNBINDABLE),
        lambda: kv.put("x", "v", metadata=big_meta),
        lambda: kv.get("a", "xml"),
        lambda: kv.get("a", "arrayBuffer"),
        lambda: kv.get(""),
        lambda: kv.get(7),
        lambda: kv.put("e", ""),
        lambda: kv.put("zero", "0", metadata={"m": 0}),
        lambda: kv.put("f", "false"),
        lambda: kv.get(["a", "j", "missing", "a"]),
        lambda: kv.get(("j", "n", "zero"), "json"),
        lambda: kv.get_with_metadata(["e", "zero", "f", "j", "missing"]),
        lambda: kv.get_with_metadata(["zero", "f", "ttl"], "json"),
        lambda: kv.get(["a", "b"], "json"),
        lambda: kv.get(["a"], "bytes"),
        lambda: kv.get([]),
        lambda: kv.get(["k"] * 101),
        lambda: kv.get(["", "a"]),
        lambda: kv.get(["a", 3]),
        lambda: kv.list(),
        lambda: kv.list(prefix="zzz"),
        lambda: kv.list(limit=0),
        lambda: kv.list(limit=1001),
        lambda: kv.list(limit="3"),
        lambda: kv.list(limit=True),
        lambda: kv.list(prefix=3),
        lambda: kv.list(cursor=5),
        lambda: kv.list(cursor="not a cursor!"),
        lambda: kv.list(cursor=""),
    ]
    for i in range(5):
        steps.append(lambda i=i: kv.put(f"p{i}", str(i), metadata={"i": i} if i % 2 else None))

    async def paging() -> list[Any]:
        pages = []
        cursor = None
        while True:
            page = await kv.list(prefix="p", limit=2, cursor=cursor)
            pages.append(page)
            if page.list_complete:
                return pages
            cursor = page.cursor

    steps += [
        paging,
        lambda: kv.delete("a"),
        lambda: kv.get("a"),
        lambda: kv.delete("a"),
        lambda: kv.delete(""),
        lambda: kv.delete(1),
        lambda: kv.list(),
    ]
    return steps


def test_kv_contract_local_and_wrapper_agree() -> None:
    local = run(outcomes(kv_steps(local_kv())))
    wrapped = run(outcomes(kv_steps(wrapped_kv())))
    assert len(local) == len(kv_steps(None))
    for index, (expected, got) in enumerate(zip(local, wrapped, strict=True)):
        assert got == expected, f"step {index}"
    assert sum(1 for o in local if o[0] == "raise") >= 25


def d1_steps(db: Any) -> list[Step]:
    insert = "INSERT INTO t (id, name, score, data, flag) VALUES (?, ?, ?, ?, ?)"
    return [
        lambda: db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL, data BLOB, flag)"),
        lambda: db.prepare(insert).bind(1, "ann", 2.5, b"\x00\x01\xff", True).run(),
        lambda: db.prepare(insert).bind(2, "bob", None, None, False).run(),
        lambda: db.prepare(insert).bind(3, "cy", 7, bytearray(b"z"), float("nan")).all(),
        lambda: db.prepare(insert).bind(4, "dee", -0.0, memoryview(b""), 2**53 - 1).run(),
        lambda: db.prepare("SELECT * FROM t ORDER BY id").first(),
        lambda: db.prepare("SELECT name FROM t WHERE id = ?").bind(2).first("name"),
        lambda: db.prepare("SELECT data FROM t WHERE id = ?1").bind(1).first("data"),
        lambda: db.prepare("SELECT score FROM t WHERE id = :id").bind(2).first("score"),
        lambda: db.prepare("SELECT * FROM t").first("nope"),
        lambda: db.prepare("SELECT * FROM t WHERE id = 99").first(),
        lambda: db.prepare("SELECT * FROM t WHERE id = 99").first("name"),
        lambda: db.prepare("SELECT * FROM t ORDER BY id").all(),
        lambda: db.prepare("SELECT id, data, score / 2 AS half FROM t ORDER BY id").raw(),
        lambda: db.prepare("SELECT id, name, data, id FROM t ORDER BY id").raw(column_names=True),
        lambda: db.prepare("SELECT id FROM t WHERE id = 99").raw(column_names=True),
        lambda: db.prepare("UPDATE t SET score = score + 1 WHERE score IS NOT NULL").run(),
        lambda: db.prepare("SELECT ?1 AS big, ?2 AS third").bind(2**53 - 1, 1 / 3).first(),
        lambda: db.prepare("SELECT 9007199254740993 AS over, 1e300 * 1e300 AS inf").first(),
        lambda: db.batch(
            [db.prepare(insert).bind(5, "eve", 1, None, 0), db.prepare(insert).bind(1, "dup", 1, None, 0)]
        ),
        lambda: db.prepare("SELECT count(*) AS n FROM t").first("n"),
        lambda: db.batch(
            [db.prepare(insert).bind(5, "eve", 1, None, 0), db.prepare("SELECT name FROM t WHERE id = 5")]
        ),
        lambda: db.batch([]),
        lambda: db.batch(["SELECT 1"]),
        lambda: db.exec("INSERT INTO t (id, name) VALUES (6, 'f');\nINSERT INTO t (id, name) VALUES (7, 'g');"),
        lambda: db.exec("SELECT * FROM nope"),
        lambda: db.exec("   "),
        lambda: db.prepare("SELECT * FROM nope").all(),
        lambda: db.prepare("SELECT ?1, ?2").bind(1).all(),
        lambda: db.prepare("INSERT INTO t (id) VALUES (8)").run(),
        lambda: db.prepare("BEGIN").run(),
        lambda: db.prepare("SELECT sqlite_version()").first(),
        lambda: db.prepare("SELECT ?").bind(2**60).first(),
        lambda: db.prepare("SELECT ?").bind(UNBINDABLE).first(),
        lambda: db.prepare("SELECT ?").bind({"a": 1}).first(),
        lambda: db.prepare(5),
        lambda: db.prepare("SELECT id, name FROM t ORDER BY id").all(),
    ]


def test_d1_contract_local_and_wrapper_agree() -> None:
    local = run(outcomes(d1_steps(D1Database(":memory:"))))
    wrapped = run(outcomes(d1_steps(wrapped_d1())))
    for index, (expected, got) in enumerate(zip(local, wrapped, strict=True)):
        assert got == expected, f"step {index}"
    assert sum(1 for o in local if o[0] == "raise") >= 12


def test_d1_batch_is_atomic_through_the_wrapper() -> None:
    db = wrapped_d1()

    async def scenario() -> tuple[Any, ...]:
        await db.exec("CREATE TABLE u (id INTEGER PRIMARY KEY)")
        ok = db.prepare("INSERT INTO u VALUES (?)").bind(1)
        with pytest.raises(D1Error) as failed:
            await db.batch([ok, db.prepare("INSERT INTO u VALUES (?)").bind("x")])
        return failed.value.token, await db.prepare("SELECT count(*) AS n FROM u").first("n")

    assert run(scenario()) == ("D1_ERROR", 0)


def test_results_are_plain_python() -> None:
    kv = wrapped_kv()
    db = wrapped_d1()

    async def scenario() -> tuple[Any, ...]:
        await kv.put("j", '{"a": [null, {"b": null}]}', metadata={"m": None})
        value, metadata = await kv.get_with_metadata("j", "json")
        await db.exec("CREATE TABLE t (a, b)")
        await db.prepare("INSERT INTO t VALUES (?, ?)").bind(None, b"\x01").run()
        rows = await db.prepare("SELECT * FROM t").all()
        return value, metadata, await kv.get("nope"), rows.results, rows.meta.changes

    value, metadata, missing, rows, changes = run(scenario())
    assert value == {"a": [None, {"b": None}]} and value["a"][0] is None and value["a"][1]["b"] is None
    assert metadata == {"m": None} and metadata["m"] is None
    assert missing is None
    assert rows == [{"a": None, "b": b"\x01"}] and rows[0]["a"] is None
    assert isinstance(rows[0]["b"], bytes) and changes == 0


def test_fakes_reject_what_javascript_would_not_receive() -> None:
    kv = FakeKVBinding(local_kv())
    db = FakeD1Binding(D1Database(":memory:"))

    async def put_bytes() -> None:
        await kv.put("k", b"raw")

    with pytest.raises(FakeJsException) as e:
        run(put_bytes())
    assert e.value.name == "TypeError"
    with pytest.raises(FakeJsException, match="D1_TYPE_ERROR: Type 'undefined'"):
        db.prepare("SELECT ?").bind(None)
    with pytest.raises(FakeJsException, match="Type 'object'"):
        db.prepare("SELECT ?").bind(b"raw")

    async def options_as_python_dict() -> Any:
        await kv.put("k", "v", {"metadata": {"m": 1}})  # a PyProxy: JavaScript sees no properties
        return await kv.getWithMetadata("k")

    assert run(options_as_python_dict()).metadata is JS_NULL


def test_other_javascript_errors_pass_through() -> None:
    class Broken:
        async def get(self, key: Any, type: Any) -> Any:
            raise FakeJsException("Error", "Network connection lost.")

        def prepare(self, sql: str) -> Any:
            raise FakeJsException("Error", CONSTRAINTS_RESET + "FOREIGN KEY constraint failed")

        async def exec(self, sql: str) -> Any:
            raise FakeJsException("TypeError", "exec() needs a string")

    with pytest.raises(FakeJsException, match="Network connection lost"):
        run(wrap_kv(Broken(), RUNTIME).get("k"))
    d1 = wrap_d1(Broken(), RUNTIME)
    with pytest.raises(D1Error) as reset:
        d1.prepare("SELECT 1")
    assert reset.value.token == "" and str(reset.value).startswith(CONSTRAINTS_RESET)
    with pytest.raises(TypeError, match="exec\\(\\) needs a string"):
        run(d1.exec("x"))


class FakeJsEnv:
    """A Worker's ``env`` as JS proxies: attribute access by name, counting reads."""

    def __init__(self, **bindings: Any) -> None:
        self.bindings = bindings
        self.reads: list[str] = []

    def __getattr__(self, name: str) -> Any:
        if name not in self.bindings:
            raise AttributeError(name)
        self.reads.append(name)
        return self.bindings[name]


class FakeR2Bucket:
    def get(self) -> None: ...
    def put(self) -> None: ...
    def list(self) -> None: ...
    def delete(self) -> None: ...
    def head(self) -> None: ...


class FakeServiceStub:
    """A service binding: JavaScript RPC answers every method name."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args: None


def make_env() -> tuple[FakeJsEnv, Any]:
    js_env = FakeJsEnv(
        KV=FakeKVBinding(local_kv()),
        DB=FakeD1Binding(D1Database(":memory:")),
        GREETING="hello",
        CONFIG=FakeJsObject({"get": 1, "put": 2}),
        BUCKET=FakeR2Bucket(),
        SERVICE=FakeServiceStub(),
    )
    return js_env, wrap_env(js_env, RUNTIME)


def test_wrap_env_wraps_kv_and_d1_lazily_once() -> None:
    js_env, env = make_env()
    assert js_env.reads == []
    kv = env.KV
    assert isinstance(kv, CloudflareKV) and env.KV is kv
    assert isinstance(env.DB, CloudflareD1) and env.DB is env.DB
    assert js_env.reads == ["KV", "DB"]

    async def use() -> Any:
        await env.KV.put("k", b"v")
        await env.DB.exec("CREATE TABLE t (a)")
        return await env.KV.get("k", "bytes"), await env.DB.prepare("SELECT 1 AS one").first("one")

    assert run(use()) == (b"v", 1)


def test_wrap_env_passes_other_bindings_through() -> None:
    js_env, env = make_env()
    assert env.GREETING == "hello"
    for name in ("CONFIG", "BUCKET", "SERVICE"):
        assert getattr(env, name) is js_env.bindings[name]
    assert env.SERVICE is env.SERVICE and js_env.reads.count("SERVICE") == 1


def test_wrap_env_missing_name() -> None:
    _, env = make_env()
    with pytest.raises(AttributeError, match="'NOPE'"):
        _ = env.NOPE
    assert "KV" in env and "NOPE" not in env and 3 not in env
    assert "hello" not in repr(env)


def test_default_runtime_needs_pyodide() -> None:
    with pytest.raises(ImportError):
        pyodide_runtime()
    buffer = FakeBuffer(b"x", "ArrayBuffer")
    assert buffer.to_bytes() == b"x" and not JS_NULL and JS_NULL is not None


def test_wrappers_import_no_sqlite3() -> None:
    # On Python Workers sqlite3 is a separate package (missing offline): the wrappers must not need it.
    code = (
        "import sys, edgekit.bindings.cloudflare; "
        "print(' '.join(sorted(m for m in sys.modules if m == 'sqlite3' or m.startswith('edgekit.bindings.'))))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == ["edgekit.bindings.cloudflare", "edgekit.bindings.d1_api", "edgekit.bindings.kv_api"]
