"""D1: the Python API both implementations share, without ``sqlite3``.

The local database (:class:`~edgekit.bindings.d1.D1Database`) and the Workers wrapper
(:class:`~edgekit.bindings.cloudflare.CloudflareD1`) raise the same :class:`D1Error`,
return the same :class:`D1Result`, :class:`D1Meta` and :class:`D1ExecResult`, and bind
values with the same :func:`sql_value`.  They live here so that the wrapper, on a Python
Worker, never imports ``sqlite3`` (a separate, lazily fetched package in Pyodide).
Import these names from ``edgekit.bindings.d1``, which re-exports them, unless
``sqlite3`` must stay out.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    SQLValue = None | float | str | bytes
    _Dict = dict[str, Any]
else:
    _Dict = dict

__all__ = [
    "CONSTRAINTS_RESET",
    "MAX_SAFE_INTEGER",
    "D1Error",
    "D1ExecResult",
    "D1Meta",
    "D1Result",
    "sql_value",
]

MAX_SAFE_INTEGER = 2**53 - 1
_INF = float("inf")

CONSTRAINTS_RESET = (
    "Durable Object was reset and rolled back to its last known good state because the"
    " application left the database in a state where constraints were violated: "
)


class D1Error(Exception):
    """A D1 failure: ``"<TOKEN>: <detail>"``, e.g. ``D1_ERROR: no such table: x: SQLITE_ERROR``.

    ``token`` is D1's prefix (``D1_ERROR``, ``D1_TYPE_ERROR``, ``D1_COLUMN_NOTFOUND``,
    ``D1_EXEC_ERROR``; empty for the one error D1 raises without a prefix) and
    ``detail`` the rest of the message (what D1 keeps in ``error.cause``).
    """

    def __init__(self, token: str, detail: str) -> None:
        super().__init__(f"{token}: {detail}" if token else detail)
        self.token = token
        self.detail = detail


class _Key:
    """A dict item read as an attribute: ``meta.changes`` is ``meta["changes"]``."""

    __slots__ = ("key",)

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = name

    def __get__(self, instance: dict[str, Any] | None, owner: type) -> Any:
        if instance is None:
            return self
        return instance[self.key]


class D1Meta(_Dict):
    """The ``meta`` of a result: a dict with D1's keys, also readable as attributes.

    ``duration`` (ms the database spent), ``changes`` (rows inserted, updated or
    deleted), ``last_row_id`` (SQLite's ``last_insert_rowid()``), ``changed_db``
    (rows or schema changed), ``size_after`` (database bytes after the call),
    ``rows_read`` (rows returned: D1 counts rows scanned, which SQLite does not
    expose to Python) and ``rows_written`` (rows changed).
    """

    __slots__ = ()

    if TYPE_CHECKING:
        duration: float
        changes: int
        last_row_id: int
        changed_db: bool
        size_after: int
        rows_read: int
        rows_written: int
    else:
        duration = _Key()
        changes = _Key()
        last_row_id = _Key()
        changed_db = _Key()
        size_after = _Key()
        rows_read = _Key()
        rows_written = _Key()


class D1Result(_Dict):
    """What ``all()``, ``run()`` and each ``batch()`` item return: ``results``, ``success``, ``meta``.

    A dict (JSON-serializable as it is, except BLOB ``bytes``), also readable as
    attributes: ``results`` (the rows of the last statement, one dict per row; a
    repeated column name keeps the last value), ``success`` (always ``True``: a
    failure raises :class:`D1Error`) and ``meta`` (a :class:`D1Meta`).
    """

    __slots__ = ()

    if TYPE_CHECKING:
        results: list[dict[str, Any]]
        success: bool
        meta: D1Meta
    else:
        results = _Key()
        success = _Key()
        meta = _Key()


class D1ExecResult(_Dict):
    """What ``exec()`` returns: ``count`` (queries run, one per non-blank line) and
    ``duration`` (milliseconds), as items or attributes."""

    __slots__ = ()

    if TYPE_CHECKING:
        count: int
        duration: float
    else:
        count = _Key()
        duration = _Key()


def sql_value(value: object, position: int) -> SQLValue:
    """A bound Python value as D1 stores it (see :mod:`edgekit.bindings.d1`); raises D1Error for other types."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int):
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return float(value)
        raise D1Error(
            "D1_TYPE_ERROR",
            f"Type 'bigint' not supported for value '{value}' (parameter {position}): integers beyond"
            " +-(2**53 - 1) reach D1 as JavaScript BigInts; bind them as str",
        )
    if isinstance(value, float):
        if value != value or value in (_INF, -_INF):
            return None  # JSON has no NaN or Infinity: D1 receives null
        return value + 0.0  # -0.0 + 0.0 is 0.0: JSON writes -0 as 0
    raise D1Error(
        "D1_TYPE_ERROR",
        f"Type '{type(value).__name__}' not supported for value {value!r} (parameter {position}):"
        " bind None, int, float, str, bytes or bool",
    )
