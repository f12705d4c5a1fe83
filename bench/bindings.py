"""Local bindings: KV and D1 operations per second, next to raw ``sqlite3`` doing the same work.

The stores (``edgekit.bindings.kv.KVNamespace``, ``edgekit.bindings.d1.D1Database``)
are Python wrappers around stdlib ``sqlite3``; each row pair runs the same SQLite work
twice, once through the wrapper and once as the shortest ``sqlite3`` code that does
it, so the ``edgekit/sqlite3`` ratio (and the difference, in µs) is the wrapper's cost.

Operations (one op = one call as a Worker would make it):

* ``KV get``: ``await kv.get(key)`` of an existing key (text, 12 bytes), cycling
  over 1,000 keys. Raw: the store's own statement (``SELECT value, metadata FROM kv
  WHERE key = ? AND <not expired>``) with the key's UTF-8 bytes and the clock in ms,
  ``fetchone()``, the value decoded to ``str``. The wrapper adds: key and type
  validation, its error mapping, ``fetchall``, the coroutine.
* ``KV put``: ``await kv.put(key, value)`` overwriting one of those keys with the same
  12-byte value (so the table never changes size). Raw: the store's ``INSERT OR
  REPLACE`` in autocommit mode, as the store runs it: each op is one committed
  transaction. The wrapper adds: validation, the expiration logic (it reads the
  clock), the coroutine.
* ``D1 select``: ``await db.prepare("SELECT id, name, qty FROM items WHERE id = ?")
  .bind(i).first()`` on a 10,000-row table, ``i`` cycling through every id. Raw:
  ``execute(same SQL, (i,)).fetchone()``, a tuple. The wrapper adds: the statement
  objects, binding as JavaScript numbers (floats), its SQL plan cache and
  refusals, ``fetchall``, the value conversion, the row dict and ``meta`` counters.
* ``D1 insert``: ``await db.prepare("INSERT INTO events (name, qty) VALUES (?, ?)")
  .bind(name, i).run()`` (a 16-byte name). Raw: ``BEGIN IMMEDIATE``, the same
  INSERT, ``COMMIT``: the store's transaction pattern. The wrapper adds the above
  plus a ``PRAGMA page_count`` after each write (for ``meta.size_after``).

Same durability and settings for both: the raw connection is opened with
``isolation_level=None`` (autocommit, as both stores) and given the ``journal_mode``,
``synchronous``, ``busy_timeout`` and ``foreign_keys`` read back from the store's own
connection (KV: WAL, FULL, 5000 ms, off; D1: WAL, FULL, 30000 ms, on); the note
under the table (and ``settings`` in the JSON) shows them. With WAL and
``synchronous=FULL`` every commit fsyncs the WAL, so the write rows mostly measure
the disk: the µs difference says more than the ratio there. Before anything is
timed, both sides of each file store write until their WAL file stops growing
(``settle``): a growing WAL makes every fsync 2-3x dearer, and the two sides' fills
leave their WALs in different states.

Stores: a file in a fresh temporary directory (the judged rows), and ``":memory:"``
(info rows: no file, no fsync, so the wrapper's share of a write shows).
The raw side uses its own database of the same schema and data, never the store's.

Every operation is run once and its answer checked first (value read, row
returned, row written); a wrong answer is reported, not timed. Then each row runs
``n`` sequential ops in ONE asyncio event loop (raw calls are plain calls in the
same coroutine), best of several repeats (``harness.best_of``), in rounds (3; 1
with ``--quick``) where the wrapper and raw sqlite3 take turns to go first, as this
machine's speed drifts; each row keeps its best round. GC stays on. The figures
include the harness loop (an index and a call, tens of ns: below the noise here).

``python -m bench.bindings [--quick] [--json]`` prints the table (or the raw JSON)
with any interpreter that has edgekit importable; ``bench/run.sh --only bindings``
runs it as part of the suite.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import tempfile
import time

from bench.harness import best_of, now_ns
from edgekit.bindings.d1 import D1Database
from edgekit.bindings.kv import _LIVE, _SCHEMA, KVNamespace  # the store's own schema and SQL

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from typing import Any

KEYS = 1000
ROWS = 10_000
SETTINGS = ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
KV_GET = f"SELECT value, metadata FROM kv WHERE key = ? AND {_LIVE}"
KV_PUT = "INSERT OR REPLACE INTO kv (key, value, expiration, metadata) VALUES (?, ?, ?, ?)"
D1_SCHEMA = (
    "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER NOT NULL)",
    "CREATE TABLE events (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER NOT NULL)",
)
D1_SELECT = "SELECT id, name, qty FROM items WHERE id = ?"
D1_INSERT = "INSERT INTO events (name, qty) VALUES (?, ?)"
COLUMNS = ("id", "name", "qty")
OPERATIONS = ("KV get", "KV put", "D1 select", "D1 insert")
STORES = {"file": "file (WAL)", "memory": ":memory: (info)"}


class Pair:
    """One operation on one store: the wrapper's call and raw sqlite3's, and their check.

    ``wrapper(i)`` returns an awaitable and ``raw(i)`` does the same work directly, for
    op number ``i``; ``verify()`` runs both once and returns an error text, or "" when
    both did the right thing. ``writes``: the op commits a write.
    """

    __slots__ = ("operation", "raw", "verify", "wrapper", "writes")

    def __init__(self, operation: str, wrapper: Callable[[int], Awaitable], raw: Callable[[int], object],
                 verify: Callable[[], Awaitable[str]], *, writes: bool = False) -> None:
        self.operation = operation
        self.wrapper = wrapper
        self.raw = raw
        self.verify = verify
        self.writes = writes


def read_settings(query: Callable[[str], list]) -> dict:
    """The PRAGMAs that decide durability and locking, as ``query`` reads them."""
    return {name: query(f"PRAGMA {name}")[0][0] for name in SETTINGS}


def raw_connect(path: str, settings: dict) -> sqlite3.Connection:
    """A plain autocommit connection given the store's settings (read back to be sure)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for name in SETTINGS:
        conn.execute(f"PRAGMA {name} = {settings[name]}")
    got = read_settings(lambda sql: conn.execute(sql).fetchall())
    if got != settings:
        raise RuntimeError(f"raw sqlite3 settings {got} differ from the store's {settings}")
    return conn


def mismatch(what: str, got: object, raw_got: object, want: object) -> str:
    """An empty text when the wrapper and raw sqlite3 both gave ``want``, else what went wrong."""
    return "" if got == want and raw_got == want else f"{what}: edgekit {got!r}, sqlite3 {raw_got!r}, expected {want!r}"


async def kv_pairs(path: str, raw_path: str) -> tuple[list[Pair], dict, list]:
    """KV get and put: the store at ``path``, raw sqlite3 at ``raw_path``, both holding the same keys.

    Returns the pairs, the store's settings and what to close.
    """
    kv = KVNamespace(path)
    settings = read_settings(lambda sql: kv._db.execute(sql).fetchall())  # the store's own connection
    raw = raw_connect(raw_path, settings)
    keys = [f"key:{j:04d}" for j in range(KEYS)]
    values = [f"value-{j:06d}" for j in range(KEYS)]  # 12 bytes
    raw.execute(_SCHEMA)
    raw.execute("BEGIN IMMEDIATE")
    raw.executemany(KV_PUT, [(k.encode(), v.encode(), None, None) for k, v in zip(keys, values)])
    raw.execute("COMMIT")
    for key, value in zip(keys, values):
        await kv.put(key, value)

    def get(i: int) -> Awaitable:
        return kv.get(keys[i % KEYS])

    def raw_get(i: int) -> str:
        return raw.execute(KV_GET, (keys[i % KEYS].encode(), time.time_ns() // 1_000_000)).fetchone()[0].decode()

    def put(i: int) -> Awaitable:
        return kv.put(keys[i % KEYS], values[i % KEYS])

    def raw_put(i: int) -> None:
        raw.execute(KV_PUT, (keys[i % KEYS].encode(), values[i % KEYS].encode(), None, None))

    async def verify_get() -> str:
        return mismatch("get", await get(5), raw_get(5), values[5])

    async def verify_put() -> str:
        await kv.put(keys[7], "changed")
        raw.execute(KV_PUT, (keys[7].encode(), b"changed", None, None))
        await put(7)
        raw_put(7)  # the original value again: read back below, and the gets stay valid
        return mismatch("put then get", await get(7), raw_get(7), values[7])

    pairs = [Pair("KV get", get, raw_get, verify_get), Pair("KV put", put, raw_put, verify_put, writes=True)]
    return pairs, settings, [kv, raw]


async def d1_pairs(path: str, raw_path: str) -> tuple[list[Pair], dict, list]:
    """D1 point select and insert: the database at ``path``, raw sqlite3 at ``raw_path``, filled alike.

    Returns the pairs, the store's settings and what to close.
    """
    db = D1Database(path)
    settings = read_settings(db._internal)  # the store's own connection, past its authorizer
    raw = raw_connect(raw_path, settings)
    rows = [(j, f"item-{j:05d}", j * 3) for j in range(1, ROWS + 1)]
    fill = "INSERT INTO items (id, name, qty) VALUES (?, ?, ?)"
    await db.batch([db.prepare(sql) for sql in D1_SCHEMA])
    await db.batch([db.prepare(fill).bind(*row) for row in rows])
    raw.execute("BEGIN IMMEDIATE")
    for sql in D1_SCHEMA:
        raw.execute(sql)
    raw.executemany(fill, rows)
    raw.execute("COMMIT")
    name = "event-name-00000"  # 16 bytes

    # prepare() per op on purpose: a handler prepares its statement on each request.
    def select(i: int) -> Awaitable:
        return db.prepare(D1_SELECT).bind(i % ROWS + 1).first()

    def raw_select(i: int) -> tuple:
        return raw.execute(D1_SELECT, (i % ROWS + 1,)).fetchone()

    def insert(i: int) -> Awaitable:
        return db.prepare(D1_INSERT).bind(name, i).run()

    def raw_insert(i: int) -> int:
        raw.execute("BEGIN IMMEDIATE")
        changed = raw.execute(D1_INSERT, (name, i)).rowcount
        raw.execute("COMMIT")
        return changed

    async def verify_select() -> str:
        got, raw_got = await select(41), raw_select(41)
        return mismatch("select", got, dict(zip(COLUMNS, raw_got or ())), dict(zip(COLUMNS, rows[41])))

    async def verify_insert() -> str:
        result = await insert(3)
        got = (result.meta.changes, await db.prepare("SELECT name, qty FROM events WHERE id = ?")
               .bind(result.meta.last_row_id).first())
        raw_got = (raw_insert(3), dict(zip(("name", "qty"), raw.execute(
            "SELECT name, qty FROM events WHERE id = last_insert_rowid()").fetchone())))
        return mismatch("insert", got, raw_got, (1, {"name": name, "qty": 3}))

    pairs = [
        Pair("D1 select", select, raw_select, verify_select),
        Pair("D1 insert", insert, raw_insert, verify_insert, writes=True),
    ]
    return pairs, settings, [db, raw]


async def timed(call: Callable[[int], Any], n: int, awaits: bool) -> int:
    """ns for ``n`` sequential calls ``call(0..n-1)``, each awaited when ``awaits``."""
    if awaits:
        t0 = now_ns()
        for i in range(n):
            await call(i)
        return now_ns() - t0
    t0 = now_ns()
    for i in range(n):
        call(i)
    return now_ns() - t0


async def settle(call: Callable[[int], Any], awaits: bool, wal: str, *, chunk: int = 100, most: int = 20_000) -> int:
    """Commit writes through ``call`` until the WAL file stops growing; the writes made.

    A WAL that is still growing makes each commit's fsync extend the file (a metadata
    update too), which costs 2-3x an fsync of a WAL that checkpointed and is being
    overwritten from its start, the steady state of a store in use. Both sides of a pair
    are brought there before anything is timed, whatever their fill left behind.
    """
    size, done = -1, 0
    while done < most:
        await timed(call, chunk, awaits)
        done += chunk
        if os.path.getsize(wal) == size:
            break
        size = os.path.getsize(wal)
    return done


def filesystem(path: str) -> str:
    """The filesystem type ``path`` lives on (from /proc/mounts), or "" when unknown."""
    best = ("", "")
    try:
        with open("/proc/mounts") as f:
            for line in f:
                _dev, mount, kind = line.split()[:3]
                if (path + "/").startswith(mount.rstrip("/") + "/") and len(mount) >= len(best[0]):
                    best = (mount, kind)
    except OSError:
        pass
    return best[1]


def measure(quick: bool, rounds: int = 3) -> dict:
    """Every operation on every store, wrapper and raw: rows for ``report``, plus the settings.

    Each pair is timed ``rounds`` times (1 with ``quick``), who goes first alternating;
    each row keeps its best round and lists them all.
    """
    min_ns, repeats = (30_000_000, 3) if quick else (200_000_000, 5)
    rounds = 1 if quick else rounds
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    result: dict = {"rows": [], "settings": {}, "warmup_writes": {}, "min_ns": min_ns, "repeats": repeats,
                    "rounds": rounds}
    with tempfile.TemporaryDirectory(prefix="edgekit-bench-bindings-") as tmp:
        result["temp_filesystem"] = filesystem(tmp)
        for store in STORES:
            for kind, build in (("KV", kv_pairs), ("D1", d1_pairs)):
                paths = [os.path.join(tmp, f"{kind}-{who}.sqlite3") if store == "file" else ":memory:"
                         for who in ("edgekit", "sqlite3")]
                try:
                    measure_store(loop, kind, build, store, paths, result)
                except Exception as exc:  # noqa: BLE001 - reported, the run goes on
                    done = {r["operation"] for r in result["rows"] if r["store"] == store}
                    result["rows"] += [{"operation": op, "store": store, "impl": impl, "error": repr(exc)}
                                       for op in OPERATIONS if op.startswith(kind) and op not in done
                                       for impl in ("edgekit", "sqlite3")]
    loop.close()
    return result


def measure_store(loop: asyncio.AbstractEventLoop, kind: str, build: Callable, store: str, paths: list[str],
                  result: dict) -> None:
    """The ``kind`` store's pairs (``build(*paths)``): settle the WALs of a file store, then time every pair.

    Appends to ``result``'s rows and records the settings and the warm-up writes; the
    timing parameters are ``result``'s ``min_ns``, ``repeats`` and ``rounds``.
    """
    min_ns, repeats, rounds = result["min_ns"], result["repeats"], result["rounds"]
    pairs, settings, opened = loop.run_until_complete(build(*paths))
    result["settings"][f"{kind} {store}"] = settings
    try:
        if store == "file":
            for pair in filter(lambda p: p.writes, pairs):
                result["warmup_writes"][pair.operation] = [
                    loop.run_until_complete(settle(call, awaits, path + "-wal"))
                    for call, awaits, path in ((pair.wrapper, True, paths[0]), (pair.raw, False, paths[1]))
                ]
        for pair in pairs:
            error = loop.run_until_complete(pair.verify())
            sides = [("edgekit", pair.wrapper, True), ("sqlite3", pair.raw, False)]
            rows = {impl: {"operation": pair.operation, "store": store, "impl": impl, "info": store != "file",
                           "rounds": []} for impl, _, _ in sides}
            for r in range(0 if error else rounds):
                for impl, call, awaits in sides[::-1] if r % 2 else sides:  # who goes first alternates
                    ns, n = best_of(lambda n, c=call, a=awaits: loop.run_until_complete(timed(c, n, a)),
                                    min_ns=min_ns, repeats=repeats)
                    row = rows[impl]
                    row["rounds"].append(ns)
                    if ns <= row.get("ns", ns):
                        row.update(ns=ns, ops_per_s=1e9 / ns, ops=n)
            for row in rows.values():
                result["rows"].append(dict(row, error=error) if error else row)
    finally:
        for handle in opened:
            handle.close()


def report(result: dict) -> str:
    """The markdown table: one line per operation and store, edgekit next to raw sqlite3."""
    by = {(r["operation"], r["store"], r["impl"]): r for r in result["rows"]}
    lines = ["| operation | store | edgekit ops/s | edgekit µs/op | sqlite3 ops/s | sqlite3 µs/op | edgekit/sqlite3 "
             "| wrapper µs/op | notes |", "|---|---|---|---|---|---|---|---|---|"]
    for store, label in STORES.items():
        for op in OPERATIONS:
            mine, raw = by.get((op, store, "edgekit"), {}), by.get((op, store, "sqlite3"), {})
            a, b = mine.get("ns"), raw.get("ns")
            cells = [f"{1e9 / ns:,.0f} | {ns / 1000:,.2f}" if ns else "n/a | n/a" for ns in (a, b)]
            ratio = f"{a / b:.2f}x" if a and b else "n/a"
            extra = f"{(a - b) / 1000:+,.2f}" if a and b else "n/a"
            lines.append(f"| {op} | {label} | {cells[0]} | {cells[1]} | {ratio} | {extra} | {mine.get('error', '')} |")
    settings = "; ".join(f"{k}: " + ", ".join(f"{n}={v}" for n, v in s.items()) for k, s in result["settings"].items())
    return "\n".join(lines) + (
        f"\n\nSequential ops in one asyncio loop, best of {result['repeats']} repeats x {result['rounds']} "
        "round(s), edgekit and sqlite3 taking turns to go first. 'edgekit/sqlite3' = the wrapper's µs/op over raw "
        "sqlite3's doing the same SQLite work with the same settings; 'wrapper µs/op' = the difference. Writes are "
        "durable commits (an fsync of the WAL each), timed once every WAL file has stopped growing; the files are "
        f"in a temporary directory on {result['temp_filesystem'] or 'an unknown filesystem'}. Settings read from "
        f"the stores: {settings}. See bench/bindings.py for exactly what each row includes.")


def main() -> None:
    import argparse
    import json

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="short smoke run")
    ap.add_argument("--json", action="store_true", help="print the raw results as JSON instead of the table")
    args = ap.parse_args()
    result = measure(args.quick)
    print(json.dumps(result, indent=1) if args.json else report(result))


if __name__ == "__main__":
    main()
