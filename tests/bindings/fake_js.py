"""Fake JS proxies for the Cloudflare wrappers: KV and D1 bindings as a Python Worker sees them.

Faithful to Pyodide's documented conversions: JavaScript ``null`` is :data:`JS_NULL`, a
falsy object that is not None; ``undefined`` is None; objects, arrays and Maps are
proxies with ``to_py()`` (safe integers become int); buffers have ``to_bytes()``; every
binding method returns an awaitable; a JavaScript error is a :class:`FakeJsException`
with ``name`` and ``message``.  A Python value that Pyodide would hand over as a PyProxy
(bytes, a dict, a list: anything not converted with ``to_js``) stays a Python object
here, and the fake bindings treat it as JavaScript would: a value of the wrong type, an
option object without properties.

The bindings are backed by the local stores, so they answer as real KV and D1 do.
"""

from __future__ import annotations

import json
from typing import Any

from edgekit.bindings.cloudflare import JsRuntime
from edgekit.bindings.d1 import D1Database, D1Error, D1PreparedStatement
from edgekit.bindings.kv import KVError, KVNamespace

MAX_SAFE_INTEGER = 2**53 - 1
JS_TYPES = {"text": "text", "json": "json", "arrayBuffer": "bytes", "stream": "stream"}


class FakeJsNull:
    """JavaScript ``null``: falsy, and not None."""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "jsnull"


JS_NULL = FakeJsNull()


class FakeJsException(Exception):
    """A JavaScript error crossing into Python."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


def _to_py(value: Any) -> Any:
    """Deep conversion as ``JsProxy.to_py()`` does; nested nulls stay :data:`JS_NULL`."""
    if isinstance(value, FakeJsProxy):
        return value.to_py()
    if type(value) is float and value.is_integer() and abs(value) <= MAX_SAFE_INTEGER:
        return int(value)
    return value


class FakeJsProxy:
    """A JavaScript object, array or Map."""


class FakeJsObject(FakeJsProxy):
    """A plain JavaScript object: properties readable and writable as attributes."""

    def __init__(self, props: dict[str, Any]) -> None:
        self.__dict__["_props"] = props

    def __getattr__(self, name: str) -> Any:
        props = self.__dict__["_props"]
        if name not in props:
            raise AttributeError(name)
        value = props[name]
        return _to_py(value) if not isinstance(value, FakeJsProxy) else value

    def __setattr__(self, name: str, value: Any) -> None:
        self._props[name] = value

    def to_py(self) -> dict[str, Any]:
        return {key: _to_py(value) for key, value in self._props.items()}


class FakeJsArray(FakeJsProxy):
    def __init__(self, items: list[Any]) -> None:
        self.items = items

    def to_py(self) -> list[Any]:
        return [_to_py(item) for item in self.items]


class FakeJsMap(FakeJsProxy):
    def __init__(self, entries: dict[str, Any]) -> None:
        self.entries = entries

    def to_py(self) -> dict[str, Any]:
        return {key: _to_py(value) for key, value in self.entries.items()}


class FakeBuffer(FakeJsProxy):
    """A ``Uint8Array`` or an ``ArrayBuffer``."""

    def __init__(self, data: bytes, kind: str) -> None:
        self.data = data
        self.kind = kind

    def to_bytes(self) -> bytes:
        return self.data

    def to_py(self) -> memoryview:
        return memoryview(self.data)


class FakeReadableStream:
    """A ``ReadableStream`` of ``Uint8Array`` chunks (async-iterable, as in Pyodide)."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    async def __aiter__(self) -> Any:
        for chunk in self.chunks:
            yield FakeBuffer(chunk, "Uint8Array")


def to_js(value: Any) -> Any:
    """``pyodide.ffi.to_js`` with ``dict_converter=Object.fromEntries``."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return FakeBuffer(bytes(value), "Uint8Array")
    if isinstance(value, dict):
        return FakeJsObject({key: to_js(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return FakeJsArray([to_js(item) for item in value])
    return value


def from_json(value: Any) -> Any:
    """A JSON value as JavaScript holds it (what ``JSON.parse`` returns)."""
    if value is None:
        return JS_NULL
    if isinstance(value, dict):
        return FakeJsObject({key: from_json(item) for key, item in value.items()})
    if isinstance(value, list):
        return FakeJsArray([from_json(item) for item in value])
    return value


def json_parse(text: str) -> Any:
    return from_json(json.loads(text))


def to_local(value: Any) -> Any:
    """A JavaScript value as the local store's Python API takes it."""
    if value is JS_NULL:
        return None
    if isinstance(value, FakeBuffer):
        return value.data
    if isinstance(value, FakeJsObject):
        return {key: to_local(item) for key, item in value._props.items()}
    if isinstance(value, FakeJsArray):
        return [to_local(item) for item in value.items]
    return value


RUNTIME = JsRuntime(to_js, json_parse, JS_NULL, FakeJsException)


def _js_error(error: Exception) -> FakeJsException:
    """The JavaScript error the binding throws for a local store's exception."""
    if isinstance(error, (KVError, D1Error)):
        return FakeJsException("Error", str(error))
    if isinstance(error, TypeError):
        return FakeJsException("TypeError", str(error))
    if isinstance(error, ValueError):
        return FakeJsException("SyntaxError", str(error))
    raise error


def _option(options: Any, name: str) -> Any:
    """A property of an options argument; a Python dict (a PyProxy in JavaScript) has none."""
    return to_local(options._props.get(name)) if isinstance(options, FakeJsObject) else None


class FakeKVBinding:
    """A Workers KV binding (``KvNamespace``) backed by a local :class:`KVNamespace`."""

    def __init__(self, store: KVNamespace) -> None:
        self.store = store

    def _type(self, type: Any) -> str:
        if isinstance(type, FakeJsObject):
            type = _option(type, "type")
        if type is None:
            return "text"
        if type not in JS_TYPES:
            raise TypeError('Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".')
        return JS_TYPES[type]

    def _keys(self, key: Any) -> Any:
        if isinstance(key, FakeJsArray):
            return [to_local(k) for k in key.items]
        if not isinstance(key, str):
            raise FakeJsException("TypeError", "a PyProxy key is stringified as '[object Object]'")
        return key

    async def _value(self, value: Any, type: str) -> Any:
        if value is None:
            return JS_NULL
        if type == "bytes":
            return FakeBuffer(value, "ArrayBuffer")
        if type == "stream":
            return FakeReadableStream([chunk async for chunk in value])
        if type == "json":
            return from_json(value)
        return value

    async def get(self, key: Any, type: Any = None) -> Any:
        try:
            keys, py_type = self._keys(key), self._type(type)
            if isinstance(keys, list):
                found = await self.store.get(keys, py_type)
                return FakeJsMap({name: from_json(value) for name, value in found.items()})
            return await self._value(await self.store.get(keys, py_type), py_type)
        except Exception as e:
            raise _js_error(e) from None

    async def getWithMetadata(self, key: Any, type: Any = None) -> Any:
        try:
            keys, py_type = self._keys(key), self._type(type)
            if isinstance(keys, list):
                found = await self.store.get_with_metadata(keys, py_type)
                return FakeJsMap(
                    {
                        name: FakeJsObject({"value": from_json(entry[0]), "metadata": from_json(entry[1])})
                        if isinstance(entry, tuple)
                        else from_json(entry)
                        for name, entry in found.items()
                    }
                )
            value, metadata = await self.store.get_with_metadata(keys, py_type)
            return FakeJsObject(
                {"value": await self._value(value, py_type), "metadata": from_json(metadata), "cacheStatus": JS_NULL}
            )
        except Exception as e:
            raise _js_error(e) from None

    async def put(self, key: Any, value: Any, options: Any = None) -> None:
        try:
            if not isinstance(value, (str, FakeBuffer)):
                raise TypeError("KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams")
            await self.store.put(
                self._keys(key),
                to_local(value),
                expiration=_option(options, "expiration"),
                expiration_ttl=_option(options, "expirationTtl"),
                metadata=_option(options, "metadata"),
            )
        except Exception as e:
            raise _js_error(e) from None

    async def delete(self, key: Any) -> None:
        try:
            await self.store.delete(self._keys(key))
        except Exception as e:
            raise _js_error(e) from None

    async def list(self, options: Any = None) -> Any:
        try:
            limit = _option(options, "limit")
            page = await self.store.list(
                prefix=_option(options, "prefix"),
                limit=1000 if limit is None else limit,
                cursor=_option(options, "cursor"),
            )
        except Exception as e:
            raise _js_error(e) from None
        keys = []
        for k in page.keys:
            props: dict[str, Any] = {"name": k.name}
            if k.expiration is not None:  # JavaScript omits absent fields
                props["expiration"] = k.expiration
            if k.metadata is not None:
                props["metadata"] = from_json(k.metadata)
            keys.append(FakeJsObject(props))
        result: dict[str, Any] = {
            "keys": FakeJsArray(keys),
            "list_complete": page.list_complete,
            "cacheStatus": JS_NULL,
        }
        if page.cursor is not None:
            result["cursor"] = page.cursor
        return FakeJsObject(result)


def _js_cell(value: Any) -> Any:
    """A D1 value as JavaScript receives it: a BLOB is an array of byte values."""
    if value is None:
        return JS_NULL
    if isinstance(value, bytes):
        return FakeJsArray(list(value))
    return value


def _js_result(result: dict[str, Any]) -> FakeJsObject:
    rows = [FakeJsObject({k: _js_cell(v) for k, v in row.items()}) for row in result["results"]]
    return FakeJsObject(
        {"results": FakeJsArray(rows), "success": result["success"], "meta": FakeJsObject(dict(result["meta"]))}
    )


class FakeD1Statement:
    """A ``D1PreparedStatement`` of the JavaScript API."""

    def __init__(self, statement: D1PreparedStatement) -> None:
        self.statement = statement

    def bind(self, *values: Any) -> FakeD1Statement:
        local = []
        for position, value in enumerate(values, 1):
            if value is None or not isinstance(value, (str, int, float, FakeBuffer, FakeJsNull)):
                kind = "undefined" if value is None else "object"
                raise FakeJsException(
                    "Error", f"D1_TYPE_ERROR: Type '{kind}' not supported for value (parameter {position})"
                )
            local.append(to_local(value))
        try:
            return FakeD1Statement(self.statement.bind(*local))
        except Exception as e:
            raise _js_error(e) from None

    async def first(self, column: Any = None) -> Any:
        try:
            row = await self.statement.first(column)
        except Exception as e:
            raise _js_error(e) from None
        if column is not None:
            return _js_cell(row)
        return JS_NULL if row is None else FakeJsObject({k: _js_cell(v) for k, v in row.items()})

    async def all(self) -> Any:
        try:
            return _js_result(await self.statement.all())
        except Exception as e:
            raise _js_error(e) from None

    async def run(self) -> Any:
        try:
            return _js_result(await self.statement.run())
        except Exception as e:
            raise _js_error(e) from None

    async def raw(self, options: Any = None) -> Any:
        try:
            rows = await self.statement.raw(bool(_option(options, "columnNames")))
        except Exception as e:
            raise _js_error(e) from None
        return FakeJsArray([FakeJsArray([_js_cell(v) for v in row]) for row in rows])


class FakeD1Binding:
    """A D1 binding (``D1Database``) backed by a local :class:`D1Database`."""

    def __init__(self, db: D1Database) -> None:
        self.db = db

    def prepare(self, sql: Any) -> FakeD1Statement:
        return FakeD1Statement(self.db.prepare(str(sql)))

    async def batch(self, statements: Any) -> Any:
        if not isinstance(statements, FakeJsArray):
            raise FakeJsException("TypeError", "Failed to execute 'batch': parameter 1 is not of type 'Array'.")
        try:
            results = await self.db.batch([s.statement for s in statements.items])
        except Exception as e:
            raise _js_error(e) from None
        return FakeJsArray([_js_result(r) for r in results])

    async def exec(self, sql: Any) -> Any:
        try:
            result = await self.db.exec(sql)
        except Exception as e:
            raise _js_error(e) from None
        return FakeJsObject(dict(result))

    async def dump(self) -> Any:
        raise FakeJsException("Error", "D1_DUMP_ERROR: not supported")
