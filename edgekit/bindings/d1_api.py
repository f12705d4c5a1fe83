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


class D1Meta(_Dict):
    """The ``meta`` of a result: a dict with D1's keys, also readable as attributes."""

    __slots__ = ()

    @property
    def duration(self) -> float:
        """Milliseconds the database spent on the call."""
        value: float = self["duration"]
        return value

    @property
    def changes(self) -> int:
        """Rows inserted, updated or deleted."""
        value: int = self["changes"]
        return value

    @property
    def last_row_id(self) -> int:
        """SQLite's ``last_insert_rowid()`` after the call."""
        value: int = self["last_row_id"]
        return value

    @property
    def changed_db(self) -> bool:
        """Whether the call changed rows or the schema."""
        value: bool = self["changed_db"]
        return value

    @property
    def size_after(self) -> int:
        """Size of the database in bytes after the call."""
        value: int = self["size_after"]
        return value

    @property
    def rows_read(self) -> int:
        """Rows returned (D1 counts rows scanned, which SQLite does not expose to Python)."""
        value: int = self["rows_read"]
        return value

    @property
    def rows_written(self) -> int:
        """Rows changed."""
        value: int = self["rows_written"]
        return value


class D1Result(_Dict):
    """What ``all()``, ``run()`` and each ``batch()`` item return: ``results``, ``success``, ``meta``.

    A dict (JSON-serializable as it is, except BLOB ``bytes``), also readable as attributes.
    """

    __slots__ = ()

    @property
    def results(self) -> list[dict[str, Any]]:
        """The rows of the last statement, one dict per row (a repeated column name keeps the last value)."""
        value: list[dict[str, Any]] = self["results"]
        return value

    @property
    def success(self) -> bool:
        """Always ``True``: a failure raises :class:`D1Error` instead."""
        value: bool = self["success"]
        return value

    @property
    def meta(self) -> D1Meta:
        """Counts and timings of the call."""
        value: D1Meta = self["meta"]
        return value


class D1ExecResult(_Dict):
    """What ``exec()`` returns: ``count`` (queries run) and ``duration`` (milliseconds)."""

    __slots__ = ()

    @property
    def count(self) -> int:
        """Number of queries run: one per non-blank line."""
        value: int = self["count"]
        return value

    @property
    def duration(self) -> float:
        """Milliseconds the database spent on the call."""
        value: float = self["duration"]
        return value


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
