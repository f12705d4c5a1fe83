"""Workers KV: the Python API and the local store on stdlib ``sqlite3``.

The API's shared types and checks (:class:`KVError`, :class:`KVListResult`,
:class:`KVListKey`) are defined in :mod:`edgekit.bindings.kv_api`, which the Workers
wrappers use without ``sqlite3``; this module re-exports them, so import them from here.

:class:`KVNamespace` behaves as a Workers KV binding does, as recorded operation by
operation from miniflare (Cloudflare's local simulator): the same limits, the same
error texts, lists in UTF-8 byte order, cursors that stay valid while keys change, and
expired keys that are never returned.  Errors the Workers runtime throws as
``TypeError`` (empty key, ``"."``, bad value type, unknown result type, expiration out
of 32-bit range) are ``TypeError`` here; what the KV service rejects is a
:class:`KVError` whose message reads like the JavaScript one
(``KV PUT failed: 413 Value length of 26214401 exceeds limit of 26214400.``).

Each namespace is one SQLite file (``":memory:"`` for tests) in WAL mode; every
``put`` and ``delete`` is committed before it returns.  The SQLite calls are small and
synchronous inside the async methods: a local store has no network to wait for.
Reads skip expired rows without deleting them (a read stays a read); an expired row
stays in the file until its key is written or deleted again.
"""

from __future__ import annotations

import binascii
import sqlite3
import time

from ..json_codec import dumps, loads
from .kv_api import BAD_VALUE, KVError, KVListKey, KVListResult, check_type, int32, read_chunks

TYPE_CHECKING = False
if TYPE_CHECKING:
    import os
    from collections.abc import AsyncIterator, Callable, Sequence
    from typing import Any

    from .kv_api import PutValue, ValueType

__all__ = ["KVError", "KVListKey", "KVListResult", "KVNamespace", "conformance_factory"]

MAX_KEY_BYTES = 512
MAX_VALUE_BYTES = 25 * 1024 * 1024  # 26214400
MAX_METADATA_BYTES = 1024
MIN_EXPIRATION_TTL = 60
MAX_LIST_LIMIT = 1000
MAX_BULK_KEYS = 100
_STREAM_CHUNK = 64 * 1024

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (
    key BLOB PRIMARY KEY,  -- UTF-8 bytes: BLOBs compare with memcmp, the byte order KV lists in
    value BLOB NOT NULL,
    expiration INTEGER,    -- seconds since the epoch; NULL: never expires
    metadata TEXT          -- JSON text; NULL: none
)
"""
# A row is live while its expiration (seconds) is after now (milliseconds).
_LIVE = "(expiration IS NULL OR expiration * 1000 > ?)"


def _utf8(text: str, what: str) -> bytes:
    """``text`` as UTF-8; a lone surrogate cannot be stored, so it is a TypeError."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise TypeError(f"{what} must be valid Unicode: lone surrogate at index {e.start}") from None


def _key_bytes(key: object, op: str) -> bytes:
    """Validate one key as Workers does; its UTF-8 bytes.

    For single-key calls the runtime rejects empty, ``"."`` and ``".."`` keys with a
    TypeError; in a bulk get (``op == "GET_BULK"``) the service does, in other words.
    """
    if not isinstance(key, str):
        raise TypeError(f"KV key must be a str, not {type(key).__name__}")
    bulk = op == "GET_BULK"
    if key == "":
        if bulk:
            raise KVError(op, 400, "Key names must not be empty")
        raise TypeError("Key name cannot be empty.")
    if key in (".", ".."):
        if bulk:
            raise KVError(op, 400, f'Illegal key name "{key}". Please use a different name.')
        raise TypeError(f'"{key}" is not allowed as a key name.')
    data = _utf8(key, "KV key")
    _check_key_length(data, op)
    return data


def _check_key_length(data: bytes, op: str) -> None:
    if len(data) > MAX_KEY_BYTES:
        raise KVError(op, 414, f"UTF-8 encoded length of {len(data)} exceeds key length limit of {MAX_KEY_BYTES}.")


def _js_falsy(value: Any) -> bool:
    """Whether JavaScript counts ``value`` as false (``[]`` and ``{}`` are true there)."""
    return value is None or value is False or value == "" or (type(value) in (int, float) and value == 0)


def _decode(data: bytes, type: str) -> Any:
    """A stored value as the result ``type`` asks for (``stream`` handled by the caller)."""
    if type == "bytes":
        return data
    # JavaScript reads text with U+FFFD for invalid UTF-8, also before JSON.parse.
    text = data.decode("utf-8", "replace")
    return loads(text) if type == "json" else text


async def _stream(data: bytes) -> AsyncIterator[bytes]:
    """A value read as a stream: its bytes in chunks (none for an empty value)."""
    for start in range(0, len(data), _STREAM_CHUNK):
        yield data[start : start + _STREAM_CHUNK]


def _result(data: bytes, type: str) -> Any:
    return _stream(data) if type == "stream" else _decode(data, type)


class KVNamespace:
    """A Workers KV namespace kept in one local SQLite file.

    ``path`` is the SQLite file (created when missing; ``":memory:"`` for a throwaway
    store).  ``now_ms`` returns the current time in milliseconds since the epoch and
    decides every expiry (validation of ``expiration``/``expiration_ttl``, ``get`` and
    ``list``); None uses the real clock.  Call :meth:`close` (or use ``with``) when done.
    """

    def __init__(self, path: str | os.PathLike[str], *, now_ms: Callable[[], int] | None = None) -> None:
        self._now_ms = now_ms if now_ms is not None else _real_now_ms
        try:
            self._db: sqlite3.Connection | None = _open(path)
        except sqlite3.Error as e:
            raise KVError("OPEN", 500, f"cannot open KV store {str(path)!r}: {e}") from e

    def close(self) -> None:
        """Close the SQLite connection; later calls raise :class:`KVError`.  Idempotent."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> KVNamespace:
        """The namespace itself; leaving the ``with`` block closes it."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the namespace."""
        self.close()

    def _query(self, op: str, sql: str, params: Sequence[object]) -> list[Any]:
        """Run one statement; storage failures become :class:`KVError`, never sqlite3's."""
        if self._db is None:
            raise KVError(op, 500, "the KV namespace is closed")
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as e:
            raise KVError(op, 500, f"local store error: {e}") from e

    async def get(self, key: str | Sequence[str], type: ValueType = "text") -> Any:
        """The value of ``key`` as ``type``, or None when it is missing or expired.

        ``type``: ``"text"`` (str; invalid UTF-8 becomes U+FFFD), ``"json"`` (parsed;
        ValueError when the value is not JSON), ``"bytes"`` or ``"stream"`` (an async
        iterator of bytes).  With a list of keys (1 to 100; ``"text"`` or ``"json"``
        only) the result is a dict in request order, None for missing keys.
        """
        if isinstance(key, (list, tuple)):
            return {name: None if found is None else found[0] for name, found in self._bulk(key, type).items()}
        return self._get_one(key, type)[0]

    async def get_with_metadata(self, key: str | Sequence[str], type: ValueType = "text") -> Any:
        """``(value, metadata)`` for ``key``; ``(None, None)`` when missing or expired.

        With a list of keys: a dict key -> ``(value, metadata)``, None for a missing key.
        As Workers does, a value JavaScript counts as false (``""``, ``0``, ``False``,
        JSON ``null``) comes back bare instead of in a pair.
        """
        if isinstance(key, (list, tuple)):
            out: dict[str, Any] = {}
            for name, found in self._bulk(key, type).items():
                out[name] = found[0] if found is not None and _js_falsy(found[0]) else found
            return out
        return self._get_one(key, type)

    def _get_one(self, key: object, type: str) -> tuple[Any, Any]:
        data = _key_bytes(key, "GET")
        check_type(type)
        rows = self._query("GET", f"SELECT value, metadata FROM kv WHERE key = ? AND {_LIVE}", (data, self._now_ms()))
        if not rows:
            return None, None
        value, metadata = rows[0]
        return _result(value, type), None if metadata is None else loads(metadata)

    def _bulk(self, keys: Sequence[str], type: str) -> dict[str, tuple[Any, Any] | None]:
        """Bulk get: key -> (value, metadata), None for a missing key, in request order."""
        check_type(type)
        if type not in ("text", "json"):
            name = "arrayBuffer" if type == "bytes" else type
            raise KVError("GET_BULK", 400, f'"{name}" is not a valid type. Use "json" or "text"')
        if not keys:
            raise KVError("GET_BULK", 400, "You must request a minimum of 1 key")
        if len(keys) > MAX_BULK_KEYS:
            raise KVError("GET_BULK", 400, f"You can request a maximum of {MAX_BULK_KEYS} keys")
        wanted = {_key_bytes(key, "GET_BULK"): key for key in keys}  # duplicates collapse, order kept
        marks = ",".join("?" * len(wanted))
        rows = self._query(
            "GET_BULK",
            f"SELECT key, value, metadata FROM kv WHERE key IN ({marks}) AND {_LIVE}",
            (*wanted, self._now_ms()),
        )
        stored = {key: (value, metadata) for key, value, metadata in rows}
        out: dict[str, tuple[Any, Any] | None] = {}
        for data, name in wanted.items():
            if data not in stored:
                out[name] = None
                continue
            value, metadata = stored[data]
            try:
                parsed = _decode(value, type)
            except ValueError:
                raise KVError(
                    "GET_BULK", 400, "At least one of the requested keys corresponds to a non-json value"
                ) from None
            out[name] = (parsed, None if metadata is None else loads(metadata))
        return out

    async def put(
        self,
        key: str,
        value: PutValue,
        expiration: float | None = None,
        expiration_ttl: float | None = None,
        metadata: Any = None,
    ) -> None:
        """Store ``value`` (str, bytes-like, or an async iterable of bytes) under ``key``.

        ``expiration`` is an absolute time in seconds since the epoch, at least 60 s
        ahead; ``expiration_ttl`` a number of seconds from now, at least 60 (it wins when
        both are given; fractions are truncated).  ``metadata`` is any JSON value, at most
        1024 bytes serialized.  The put replaces the old value, expiration and metadata
        together; a rejected put leaves them as they were.  Committed when it returns.
        """
        data = _key_bytes(key, "PUT")
        if not isinstance(value, (str, bytes, bytearray, memoryview)) and not hasattr(value, "__aiter__"):
            raise TypeError(
                f"{BAD_VALUE} In Python: str, bytes, bytearray, memoryview or an async iterable of bytes;"
                f" got {type(value).__name__}."
            )
        expires = self._expiration(expiration, expiration_ttl)
        meta_text = None
        if metadata is not None:
            try:
                meta_json = dumps(metadata)
            except TypeError as e:
                raise TypeError(f"KV metadata must be JSON-serializable: {e}") from None
            if len(meta_json) > MAX_METADATA_BYTES:
                raise KVError("PUT", 413, f"Metadata length of {len(meta_json)} exceeds limit of {MAX_METADATA_BYTES}.")
            meta_text = meta_json.decode("utf-8")
        if isinstance(value, str):
            blob = _utf8(value, "KV value")
        elif isinstance(value, (bytes, bytearray, memoryview)):
            blob = bytes(value)
        else:  # read the stream last: a put refused for its options leaves it unread
            blob = await read_chunks(value)
        if len(blob) > MAX_VALUE_BYTES:
            raise KVError("PUT", 413, f"Value length of {len(blob)} exceeds limit of {MAX_VALUE_BYTES}.")
        self._query(
            "PUT",
            "INSERT OR REPLACE INTO kv (key, value, expiration, metadata) VALUES (?, ?, ?, ?)",
            (data, blob, expires, meta_text),
        )

    def _expiration(self, expiration: object, expiration_ttl: object) -> int | None:
        """The absolute expiration in seconds for a put, validated as the service does."""
        # The runtime converts both options (range errors first), then the service decides.
        absolute = None if expiration is None else int32(expiration, "expiration")
        ttl = None if expiration_ttl is None else int32(expiration_ttl, "expiration_ttl")
        now = self._now_ms() // 1000
        if ttl is not None:
            if ttl <= 0:
                raise KVError("PUT", 400, f"Invalid expiration_ttl of {ttl}. Please specify integer greater than 0.")
            if ttl < MIN_EXPIRATION_TTL:
                raise KVError(
                    "PUT",
                    400,
                    f"Invalid expiration_ttl of {ttl}. Expiration TTL must be at least {MIN_EXPIRATION_TTL}.",
                )
            return now + ttl
        if absolute is not None:
            if absolute <= now:
                raise KVError(
                    "PUT",
                    400,
                    f"Invalid expiration of {absolute}. Please specify integer greater than the current number of"
                    " seconds since the UNIX epoch.",
                )
            if absolute < now + MIN_EXPIRATION_TTL:
                raise KVError(
                    "PUT",
                    400,
                    f"Invalid expiration of {absolute}. Expiration times must be at least {MIN_EXPIRATION_TTL}"
                    " seconds in the future.",
                )
        return absolute

    async def delete(self, key: str) -> None:
        """Remove ``key``; deleting a missing key is fine.  Committed when it returns."""
        self._query("DELETE", "DELETE FROM kv WHERE key = ?", (_key_bytes(key, "DELETE"),))

    async def list(
        self, prefix: str | None = None, limit: int = MAX_LIST_LIMIT, cursor: str | None = None
    ) -> KVListResult:
        """One page of live keys in UTF-8 byte order, without their values.

        ``prefix`` filters literally (no wildcards); ``limit`` is 1 to 1000; ``cursor`` is
        the ``cursor`` of the previous page (``""`` or None starts from the beginning).
        A cursor names the last key it returned, so keys written or deleted meanwhile
        are seen or skipped correctly on the next page.
        """
        if prefix is not None and not isinstance(prefix, str):
            raise TypeError(f"KV list prefix must be a str or None, not {type(prefix).__name__}")
        if isinstance(limit, bool) or not isinstance(limit, int):
            raise TypeError(f"KV list limit must be an int, not {type(limit).__name__}")
        if limit > MAX_LIST_LIMIT:
            raise KVError("GET", 400, f"Invalid key_count_limit of {limit}. Please specify an integer less than 1000.")
        if limit < 1:
            raise KVError("GET", 400, f"Invalid key_count_limit of {limit}. Please specify an integer from 1 to 1000.")
        where = [_LIVE]
        params: list[object] = [self._now_ms()]
        if prefix:
            low = _utf8(prefix, "KV list prefix")
            _check_key_length(low, "GET")
            # Keys starting with the prefix sort in [prefix, prefix with its last byte + 1);
            # UTF-8 has no 0xFF byte, so the increment never overflows.
            where.append("key >= ? AND key < ?")
            params += [low, low[:-1] + bytes([low[-1] + 1])]
        if cursor is not None and not isinstance(cursor, str):
            raise TypeError(f"KV list cursor must be a str or None, not {type(cursor).__name__}")
        if cursor:
            where.append("key > ?")
            params.append(_decode_cursor(cursor))
        rows = self._query(
            "GET",
            f"SELECT key, expiration, metadata FROM kv WHERE {' AND '.join(where)} ORDER BY key LIMIT ?",
            (*params, limit + 1),
        )
        complete = len(rows) <= limit
        keys = [
            KVListKey(key.decode("utf-8"), expiration, None if metadata is None else loads(metadata))
            for key, expiration, metadata in rows[:limit]
        ]
        # As miniflare: the cursor is the base64 of the last returned key's UTF-8 bytes.
        next_cursor = None if complete else binascii.b2a_base64(rows[limit - 1][0], newline=False).decode()
        return KVListResult(keys, complete, next_cursor)


def _open(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """Connect to the store's SQLite file and prepare it (WAL, busy timeout, schema)."""
    # Autocommit (isolation_level=None): each put/delete is one statement, committed
    # before it returns.  check_same_thread=False: an app may build its env on one
    # thread and serve on another; every call is one short statement.
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        # Wait for other processes' locks instead of failing with "database is locked".
        db.execute("PRAGMA busy_timeout = 5000")
        db.execute("PRAGMA journal_mode = WAL")
        # FULL: an acknowledged write survives a crash of the process or of the machine.
        db.execute("PRAGMA synchronous = FULL")
        db.execute(_SCHEMA)
    except BaseException:
        db.close()
        raise
    return db


def _decode_cursor(cursor: str) -> bytes:
    """The last key named by a list cursor; KVError when it is not one of ours."""
    try:
        last = binascii.a2b_base64(cursor.encode("ascii"), strict_mode=True)
        last.decode("utf-8")
    except (UnicodeError, binascii.Error):
        raise KVError("GET", 400, f"Invalid cursor {cursor!r}: pass the cursor of a previous list() page.") from None
    return last


def _real_now_ms() -> int:
    return time.time_ns() // 1_000_000


def conformance_factory(now_ms: Callable[[], int] | None = None) -> KVNamespace:
    """A fresh, empty in-memory namespace: the factory the bindings conformance checker calls.

    Used as ``BINDINGS_KV_FACTORY=edgekit.bindings.kv:conformance_factory``; ``now_ms`` is
    the checker's fake clock (None for the real one).
    """
    return KVNamespace(":memory:", now_ms=now_ms)
