"""KV and D1 on Cloudflare Workers: the JavaScript bindings behind the local stores' Python API.

A Python Worker receives its bindings as JavaScript proxies.  :func:`wrap_kv`,
:func:`wrap_d1` and :func:`wrap_env` put them behind the API of
:class:`~edgekit.bindings.kv.KVNamespace` and :class:`~edgekit.bindings.d1.D1Database`:
the same methods and arguments, the same result classes (:class:`KVListResult`,
:class:`D1Result`, :class:`D1Meta`, :class:`D1ExecResult`), the same errors, so a
handler runs unchanged locally and on Cloudflare.

The crossing, in both directions:

* ``null``/``undefined`` results are None, JavaScript objects and arrays plain dicts and
  lists, an ``ArrayBuffer`` value ``bytes``, a D1 BLOB (an array of byte values) ``bytes``,
  a bulk get's ``Map`` a dict and a ``ReadableStream`` an async iterator of ``bytes``;
* ``bytes`` go out as ``Uint8Array``, keyword options as JavaScript option objects
  (``expirationTtl``, ``columnNames``), KV metadata as the JSON value it serializes to,
  and a D1 parameter as the local store binds it (None as ``null``, bool as 1.0/0.0);
* a JavaScript error becomes what the local store raises: ``KV <OP> failed: ...`` a
  :class:`KVError`, a ``TypeError`` a ``TypeError``, a ``SyntaxError`` (JSON) a
  ``ValueError``, a ``D1_*`` message a :class:`D1Error` with the same message.

The conversions come from a :class:`JsRuntime`; by default :func:`pyodide_runtime`
builds it from ``pyodide.ffi`` and ``js``, imported only then, so this module imports on
any Python.
"""

from __future__ import annotations

import importlib
import re

from ..json_codec import dumps
from .d1_api import CONSTRAINTS_RESET, D1Error, D1ExecResult, D1Meta, D1Result, sql_value
from .kv_api import BAD_VALUE, KVError, KVListKey, KVListResult, check_type, int32, read_chunks

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Sequence
    from typing import Any

    from .kv_api import PutValue, ValueType

__all__ = [
    "CloudflareD1",
    "CloudflareD1Statement",
    "CloudflareEnv",
    "CloudflareKV",
    "JsRuntime",
    "pyodide_runtime",
    "wrap_d1",
    "wrap_env",
    "wrap_kv",
]

_KV_ERROR = re.compile(r"KV ([A-Z_]+) failed: (\d+) (.*)", re.DOTALL)
_KV_METHODS = ("get", "put", "list", "getWithMetadata")


class JsRuntime:
    """The JavaScript side of the crossing: what the wrappers call to convert values.

    ``to_js`` turns a Python value into a JavaScript one (dict -> object, list -> Array,
    bytes -> Uint8Array); ``json_parse`` is JavaScript's ``JSON.parse``; ``null`` is the
    Python face of JavaScript ``null``; ``error`` the exception class JavaScript errors
    arrive as (it has ``name`` and ``message``).
    """

    __slots__ = ("to_js", "json_parse", "null", "error")

    def __init__(
        self, to_js: Callable[[Any], Any], json_parse: Callable[[str], Any], null: object, error: type[Exception]
    ) -> None:
        self.to_js = to_js
        self.json_parse = json_parse
        self.null = null
        self.error = error

    def py(self, value: Any) -> Any:
        """A JavaScript result as plain Python: None for null/undefined, dicts and lists for proxies."""
        if value is None or value is self.null:
            return None
        if hasattr(value, "to_py"):
            value = value.to_py()
        return self._plain(value)

    def _plain(self, value: Any) -> Any:
        if value is None or value is self.null:
            return None
        if isinstance(value, dict):
            return {key: self._plain(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._plain(item) for item in value]
        return value


def pyodide_runtime() -> JsRuntime:
    """The :class:`JsRuntime` of Pyodide (a Python Worker): ``pyodide.ffi`` and ``js``."""
    ffi = importlib.import_module("pyodide.ffi")
    js = importlib.import_module("js")
    to_js = ffi.to_js
    from_entries = js.Object.fromEntries

    def convert(value: Any) -> Any:
        return to_js(value, dict_converter=from_entries)

    return JsRuntime(convert, js.JSON.parse, ffi.jsnull, ffi.JsException)


def _message(error: Exception) -> tuple[str, str]:
    """The JavaScript ``name`` and ``message`` of a JavaScript error."""
    return str(getattr(error, "name", "Error")), str(getattr(error, "message", error))


def _kv_error(error: Exception) -> Exception:
    """What the local KV store raises for the failure this JavaScript error reports."""
    name, message = _message(error)
    found = _KV_ERROR.fullmatch(message)
    if found:
        return KVError(found[1], int(found[2]), found[3])
    if name == "TypeError":
        return TypeError(message)
    if name == "SyntaxError":
        return ValueError(message)
    return error


def _d1_error(error: Exception) -> Exception:
    """What the local D1 store raises for the failure this JavaScript error reports."""
    name, message = _message(error)
    if message.startswith("D1_"):
        token, _, detail = message.partition(": ")
        return D1Error(token, detail)
    if message.startswith(CONSTRAINTS_RESET):
        return D1Error("", message)
    if name == "TypeError":
        return TypeError(message)
    return error


def _check_key(key: object) -> None:
    # JavaScript would turn any key into a string; the local store accepts only str.
    if not isinstance(key, str):
        raise TypeError(f"KV key must be a str, not {type(key).__name__}")


def _check_optional_str(value: object, what: str) -> None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"KV list {what} must be a str or None, not {type(value).__name__}")


async def _chunks(stream: Any) -> AsyncIterator[bytes]:
    """A JavaScript ``ReadableStream`` of ``Uint8Array`` chunks as an async iterator of bytes."""
    async for chunk in stream:
        yield chunk.to_bytes()


class CloudflareKV:
    """A Workers KV binding with the API of :class:`~edgekit.bindings.kv.KVNamespace`."""

    __slots__ = ("_js", "_rt")

    def __init__(self, js_kv: Any, runtime: JsRuntime) -> None:
        self._js = js_kv
        self._rt = runtime

    async def _call(self, method: str, *args: Any) -> Any:
        try:
            return await getattr(self._js, method)(*args)
        except self._rt.error as error:
            raise _kv_error(error) from error

    def _keys(self, key: str | Sequence[str]) -> tuple[Any, bool]:
        """``key`` as the binding takes it, and whether it is a bulk get."""
        if isinstance(key, (list, tuple)):
            for name in key:
                _check_key(name)
            return self._rt.to_js(list(key)), True
        _check_key(key)
        return key, False

    async def _fetch(self, method: str, key: str | Sequence[str], type: str) -> tuple[bool, Any]:
        """Whether it is a bulk get, and the binding's answer."""
        check_type(type)
        js_key, bulk = self._keys(key)
        return bulk, await self._call(method, js_key, "arrayBuffer" if type == "bytes" else type)

    def _value(self, value: Any, type: str) -> Any:
        if value is None or value is self._rt.null:
            return None
        if type == "bytes":
            return value.to_bytes()
        if type == "stream":
            return _chunks(value)
        return self._rt.py(value)

    async def get(self, key: str | Sequence[str], type: ValueType = "text") -> Any:
        """The value of ``key`` as ``type`` (``text``, ``json``, ``bytes``, ``stream``), None when missing.

        With a list of keys (``text`` or ``json``): a dict in request order, None for a missing key.
        """
        bulk, result = await self._fetch("get", key, type)
        return self._rt.py(result) if bulk else self._value(result, type)

    async def get_with_metadata(self, key: str | Sequence[str], type: ValueType = "text") -> Any:
        """``(value, metadata)`` for ``key``, ``(None, None)`` when missing.

        With a list of keys: a dict key -> ``(value, metadata)``, None for a missing key,
        a value JavaScript counts as false bare, as the binding gives it.
        """
        bulk, result = await self._fetch("getWithMetadata", key, type)
        if not bulk:
            return self._value(result.value, type), self._rt.py(result.metadata)
        return {
            name: (entry["value"], entry["metadata"]) if isinstance(entry, dict) else entry
            for name, entry in self._rt.py(result).items()
        }

    async def put(
        self,
        key: str,
        value: PutValue,
        expiration: float | None = None,
        expiration_ttl: float | None = None,
        metadata: Any = None,
    ) -> None:
        """Store ``value`` (str, bytes-like, or an async iterable of bytes) under ``key``, as the local store does."""
        _check_key(key)
        options: dict[str, Any] = {}
        if expiration is not None:
            options["expiration"] = int32(expiration, "expiration")
        if expiration_ttl is not None:
            options["expirationTtl"] = int32(expiration_ttl, "expiration_ttl")
        if metadata is not None:
            options["metadata"] = metadata
        try:
            # Through JSON, as the local store keeps metadata: None inside it stays null.
            js_options = self._rt.json_parse(dumps(options).decode("utf-8"))
        except TypeError as e:
            raise TypeError(f"KV metadata must be JSON-serializable: {e}") from None
        if isinstance(value, str):
            js_value: Any = value
        elif isinstance(value, (bytes, bytearray, memoryview)):
            js_value = self._rt.to_js(bytes(value))
        elif hasattr(value, "__aiter__"):
            js_value = self._rt.to_js(await read_chunks(value))
        else:
            raise TypeError(
                f"{BAD_VALUE} In Python: str, bytes, bytearray, memoryview or an async iterable of bytes;"
                f" got {type(value).__name__}."
            )
        await self._call("put", key, js_value, js_options)

    async def delete(self, key: str) -> None:
        """Remove ``key``; deleting a missing key is fine."""
        _check_key(key)
        await self._call("delete", key)

    async def list(self, prefix: str | None = None, limit: int = 1000, cursor: str | None = None) -> KVListResult:
        """One page of keys in UTF-8 byte order; pass ``cursor`` from the previous page for the next."""
        _check_optional_str(prefix, "prefix")
        if isinstance(limit, bool) or not isinstance(limit, int):
            raise TypeError(f"KV list limit must be an int, not {type(limit).__name__}")
        _check_optional_str(cursor, "cursor")
        options: dict[str, Any] = {"limit": limit}
        if prefix:
            options["prefix"] = prefix
        if cursor:
            options["cursor"] = cursor
        page = self._rt.py(await self._call("list", self._rt.to_js(options)))
        keys = [KVListKey(k["name"], k.get("expiration"), k.get("metadata")) for k in page["keys"]]
        complete = bool(page["list_complete"])
        return KVListResult(keys, complete, None if complete else page.get("cursor") or None)


def _cell(value: Any) -> Any:
    """A D1 value as plain Python: a BLOB (an array of byte values) is bytes."""
    return bytes(value) if isinstance(value, list) else value


def _row(row: dict[str, Any]) -> dict[str, Any]:
    return {name: _cell(value) for name, value in row.items()}


class CloudflareD1Statement:
    """A D1 prepared statement with the API of :class:`~edgekit.bindings.d1.D1PreparedStatement`."""

    __slots__ = ("_js", "_rt")

    def __init__(self, js_statement: Any, runtime: JsRuntime) -> None:
        self._js = js_statement
        self._rt = runtime

    def bind(self, *values: object) -> CloudflareD1Statement:
        """This statement with ``values`` for its parameters; types as the local store accepts them."""
        rt = self._rt
        converted = []
        for position, value in enumerate(values, 1):
            bound = sql_value(value, position)
            if bound is None:
                converted.append(rt.null)
            elif isinstance(bound, bytes):
                converted.append(rt.to_js(bound))
            else:
                converted.append(bound)
        try:
            return CloudflareD1Statement(self._js.bind(*converted), rt)
        except rt.error as error:
            raise _d1_error(error) from error

    async def _call(self, method: str, *args: Any) -> Any:
        try:
            return self._rt.py(await getattr(self._js, method)(*args))
        except self._rt.error as error:
            raise _d1_error(error) from error

    async def first(self, column: str | None = None) -> Any:
        """The first row as a dict (None without rows), or its value in ``column``."""
        if column is None:
            row = await self._call("first")
            return None if row is None else _row(row)
        return _cell(await self._call("first", column))

    async def all(self) -> D1Result:
        """Run the statement: its rows as dicts, ``success`` and ``meta``."""
        return _d1_result(await self._call("all"))

    async def run(self) -> D1Result:
        """Run the statement; the same result as :meth:`all`."""
        return _d1_result(await self._call("run"))

    async def raw(self, column_names: bool = False) -> list[list[Any]]:
        """The rows as lists of values; the column names first if asked."""
        rows = await self._call("raw", self._rt.to_js({"columnNames": bool(column_names)}))
        if column_names and rows:
            return [rows[0], *([_cell(v) for v in row] for row in rows[1:])]
        return [[_cell(v) for v in row] for row in rows]


def _d1_result(result: dict[str, Any]) -> D1Result:
    return D1Result(
        results=[_row(row) for row in result["results"]], success=result["success"], meta=D1Meta(result["meta"])
    )


class CloudflareD1:
    """A D1 binding with the API of :class:`~edgekit.bindings.d1.D1Database`."""

    __slots__ = ("_js", "_rt")

    def __init__(self, js_db: Any, runtime: JsRuntime) -> None:
        self._js = js_db
        self._rt = runtime

    def prepare(self, sql: str) -> CloudflareD1Statement:
        """A statement for ``sql``."""
        if not isinstance(sql, str):
            raise TypeError(f"prepare() takes SQL as str, not {type(sql).__name__}")
        try:
            return CloudflareD1Statement(self._js.prepare(sql), self._rt)
        except self._rt.error as error:
            raise _d1_error(error) from error

    async def batch(self, statements: Sequence[CloudflareD1Statement]) -> list[D1Result]:
        """Run the statements in one transaction: all of them, or none if one fails."""
        for stmt in statements:
            if not isinstance(stmt, CloudflareD1Statement):
                raise TypeError(f"batch() takes prepared statements, not {type(stmt).__name__}")
        try:
            results = self._rt.py(await self._js.batch(self._rt.to_js([s._js for s in statements])))
        except self._rt.error as error:
            raise _d1_error(error) from error
        return [_d1_result(result) for result in results]

    async def exec(self, sql: str) -> D1ExecResult:
        """Run ``sql`` line by line in one call: ``count`` queries run, ``duration``."""
        try:
            result = self._rt.py(await self._js.exec(sql))
        except self._rt.error as error:
            raise _d1_error(error) from error
        return D1ExecResult(count=result["count"], duration=result["duration"])


def wrap_kv(js_kv: Any, runtime: JsRuntime | None = None) -> CloudflareKV:
    """The KV binding ``js_kv`` behind the Python KV API."""
    return CloudflareKV(js_kv, runtime or pyodide_runtime())


def wrap_d1(js_db: Any, runtime: JsRuntime | None = None) -> CloudflareD1:
    """The D1 binding ``js_db`` behind the Python D1 API."""
    return CloudflareD1(js_db, runtime or pyodide_runtime())


def _has(value: Any, names: Sequence[str]) -> bool:
    return all(hasattr(value, name) for name in names)


class CloudflareEnv:
    """A Worker's ``env`` by name, KV namespaces and D1 databases wrapped on first access.

    A binding with ``prepare`` and ``batch`` or ``exec`` is a D1 database; one with
    ``get``, ``put``, ``list`` and ``getWithMetadata`` a KV namespace.  An object that
    also has ``fetch`` is neither: service bindings and Durable Object stubs answer every
    method name (JavaScript RPC).  Everything else (vars, secrets, R2, Queues, services)
    is returned as it is.  A name that is not a binding raises AttributeError.
    """

    __slots__ = ("_js", "_rt", "_cache")

    def __init__(self, js_env: Any, runtime: JsRuntime) -> None:
        self._js = js_env
        self._rt = runtime
        self._cache: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        """The binding called ``name``, wrapped when it is KV or D1."""
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self._cache[name]
        except KeyError:
            pass
        try:
            value = getattr(self._js, name)
        except AttributeError:
            raise AttributeError(f"env has no binding {name!r}") from None
        if hasattr(value, "fetch"):
            wrapped = value
        elif hasattr(value, "prepare") and (hasattr(value, "batch") or hasattr(value, "exec")):
            wrapped = CloudflareD1(value, self._rt)
        elif _has(value, _KV_METHODS):
            wrapped = CloudflareKV(value, self._rt)
        else:
            wrapped = value
        self._cache[name] = wrapped
        return wrapped

    def __contains__(self, name: object) -> bool:
        """Whether ``name`` is a binding."""
        if not isinstance(name, str):
            return False
        try:
            self.__getattr__(name)
        except AttributeError:
            return False
        return True

    def __repr__(self) -> str:
        """``CloudflareEnv(...)``, without values (secrets stay out of logs)."""
        return "CloudflareEnv(...)"


def wrap_env(js_env: Any, runtime: JsRuntime | None = None) -> CloudflareEnv:
    """A Worker's ``env`` with its KV and D1 bindings behind the Python API (see :class:`CloudflareEnv`)."""
    return CloudflareEnv(js_env, runtime or pyodide_runtime())
