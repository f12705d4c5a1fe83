"""Workers KV: the Python API both implementations share, without ``sqlite3``.

The local store (:class:`~edgekit.bindings.kv.KVNamespace`) and the Workers wrapper
(:class:`~edgekit.bindings.cloudflare.CloudflareKV`) raise the same :class:`KVError`,
return the same :class:`KVListResult` and :class:`KVListKey`, and check their arguments
with the same helpers.  They live here so that the wrapper, on a Python Worker, never
imports ``sqlite3`` (a separate, lazily fetched package in Pyodide).  Import these names
from ``edgekit.bindings.kv``, which re-exports them, unless ``sqlite3`` must stay out.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import AsyncIterable
    from typing import Any, Literal

    ValueType = Literal["text", "json", "bytes", "stream"]
    PutValue = str | bytes | bytearray | memoryview | AsyncIterable[bytes]

__all__ = ["BAD_VALUE", "KVError", "KVListKey", "KVListResult", "check_type", "int32", "read_chunks"]

_INT32 = (-(2**31), 2**31 - 1)
_TYPES = ("text", "json", "bytes", "stream")
BAD_VALUE = "KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values."
_BAD_TYPE = 'Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".'


class KVError(Exception):
    """An operation the KV service refused, or a failure of the local store.

    ``str(error)`` reads as the Workers message, ``KV <OP> failed: <status> <text>``;
    ``op`` and ``status`` hold its parts (``status`` is 500 for a storage failure).
    """

    def __init__(self, op: str, status: int, text: str) -> None:
        super().__init__(f"KV {op} failed: {status} {text}")
        self.op = op
        self.status = status


class _Record:
    """Fields read as attributes or, like a JavaScript object's, by name: ``page["keys"]``."""

    __slots__: tuple[str, ...] = ()

    def __getitem__(self, field: str) -> Any:
        """The field called ``field``; KeyError for a name that is not a field."""
        if field not in self.__slots__:
            raise KeyError(field)
        return getattr(self, field)

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


class KVListKey(_Record):
    """One key of a :meth:`KVNamespace.list` page: ``name``, ``expiration``, ``metadata``.

    ``expiration`` (seconds since the epoch) and ``metadata`` are None when the key has
    none.
    """

    __slots__ = ("name", "expiration", "metadata")

    def __init__(self, name: str, expiration: int | None, metadata: Any) -> None:
        self.name = name
        self.expiration = expiration
        self.metadata = metadata


class KVListResult(_Record):
    """One page of :meth:`KVNamespace.list`: ``keys``, ``list_complete`` and ``cursor``.

    ``cursor`` is None when the listing is complete (JavaScript omits the field); pass it
    to the next ``list`` call otherwise.
    """

    __slots__ = ("keys", "list_complete", "cursor")

    def __init__(self, keys: list[KVListKey], list_complete: bool, cursor: str | None) -> None:
        self.keys = keys
        self.list_complete = list_complete
        self.cursor = cursor


def check_type(type: object) -> None:
    """TypeError, worded as the runtime's, unless ``type`` is a result type ``get`` knows."""
    if type not in _TYPES:
        raise TypeError(f'{_BAD_TYPE} In Python: "text", "bytes", "json" or "stream"; got {type!r}.')


def int32(value: object, name: str) -> int:
    """``value`` as the runtime's ``[EnforceRange] long``: truncated, within 32 bits."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, not {type(value).__name__}")
    if value != value:
        raise TypeError(f"{name} must be a number of seconds, not NaN")
    if value in (float("inf"), float("-inf")) or not _INT32[0] <= int(value) <= _INT32[1]:
        raise TypeError(f"Value out of range. Must be between {_INT32[0]} and {_INT32[1]} (inclusive).")
    return int(value)


async def read_chunks(value: AsyncIterable[bytes]) -> bytes:
    """Collect an async iterable of byte chunks (the Python side of a ReadableStream)."""
    chunks = []
    async for chunk in value:
        if not isinstance(chunk, (bytes, bytearray, memoryview)):
            raise TypeError(f"KV put() stream chunks must be bytes, not {type(chunk).__name__}")
        chunks.append(bytes(chunk))
    return b"".join(chunks)
