"""Cloudflare Workers adapter: serve an App as a Python Worker.

In the Worker's entry module (``main`` in ``wrangler.toml``)::

    from edgekit.runtime.cloudflare import worker_entrypoint
    from app import app

    Default = worker_entrypoint(app)

Each request then crosses like this:

* the JavaScript ``Request`` becomes an edgekit :class:`~edgekit.request.Request`: the
  method as JavaScript spells it, the headers as they arrive (JavaScript has already
  lowercased and checked them), fetched from JavaScript when the app reads them: one
  ``headers.get`` per name read, all in one conversion when the app asks for all (a
  handler that reads none pays nothing for them), the body read once,
  with ``arrayBuffer()``, when the app first reads it;
* ``app.fetch(request, env, ctx)`` runs with ``env`` wrapped by
  :func:`~edgekit.bindings.cloudflare.wrap_env` (KV and D1 behind the Python API; once
  for all the requests that bring the same ``env`` object) and a ``ctx`` whose
  ``wait_until`` hands the work to the Worker's ``ctx.waitUntil``;
* a body the app left unread is drained (``wrangler dev`` hangs the next request
  otherwise);
* the edgekit Response becomes a JavaScript ``Response``: status, every header line in
  one conversion (several ``Set-Cookie`` stay separate), the body as a ``Uint8Array`` or, for a stream, a
  ``ReadableStream`` pulled chunk by chunk; no body for HEAD, 204, 205 and 304;
* anything escaping, even a ``BaseException`` such as ``SystemExit`` (which would break
  the isolate until it is reloaded), becomes a plain 500 with the traceback on stderr; a
  request edgekit cannot represent (a forbidden method) is a 400.

Nothing here imports ``js``, ``pyodide`` or ``workers`` until a request arrives or the
entry class is made, so this module imports on any Python.
"""

from __future__ import annotations

import importlib
import sys
import traceback

from ..bindings.cloudflare import pyodide_runtime, wrap_env
from ..headers import Headers
from ..request import Request
from ..response import Response

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
    from typing import Any

    from ..app import App
    from ..bindings.cloudflare import CloudflareEnv, JsRuntime

    OnFetch = Callable[..., Coroutine[Any, Any, Any]]

__all__ = [
    "JsSide",
    "WorkerHandler",
    "WorkersCache",
    "WorkersExecutionContext",
    "from_js_response",
    "make_on_fetch",
    "to_js_response",
    "to_request",
    "worker_entrypoint",
]

_NULL_BODY_STATUSES = (204, 205, 304)
_NO_BODY_METHODS = ("GET", "HEAD")


class JsSide:
    """The JavaScript globals and Pyodide helpers the adapter uses, looked up once per isolate."""

    __slots__ = (
        "js",
        "runtime",
        "create_proxy",
        "create_once_callable",
        "to_js",
        "null",
        "JsProxy",
        "Response",
        "_array_from",
    )

    def __init__(self) -> None:
        ffi = importlib.import_module("pyodide.ffi")
        self.js: Any = importlib.import_module("js")
        self.runtime: JsRuntime = pyodide_runtime()
        self.create_proxy: Callable[[Any], Any] = ffi.create_proxy
        self.create_once_callable: Callable[[Any], Any] = ffi.create_once_callable
        # Plain to_js: bytes and header pairs need no dict converter; a keyword costs on the hot path.
        self.to_js: Callable[[Any], Any] = ffi.to_js
        self.null: object = ffi.jsnull
        self.JsProxy: type = ffi.JsProxy
        # Looked up once: each attribute of ``js`` is a lookup on the JavaScript global object.
        self.Response: Any = self.js.Response
        self._array_from: Any = getattr(self.js.Array, "from")

    def is_null(self, value: object) -> bool:
        """Whether a JavaScript value is ``null`` or ``undefined``."""
        return value is None or value is self.null

    def header_pairs(self, js_headers: Any) -> list[tuple[str, str]]:
        """The ``(name, value)`` lines of a JavaScript ``Headers``, as JavaScript iterates them.

        One array crosses: iterating the ``Headers`` from Python would cost several calls
        into JavaScript per header (about 9 µs each in Pyodide 0.28).
        """
        return [(name, value) for name, value in self._array_from(js_headers).to_py()]

    def request_header_pairs(self, js_request: Any) -> list[tuple[str, str]]:
        """:meth:`header_pairs` of a JavaScript ``Request``'s headers."""
        return self.header_pairs(js_request.headers)

    def request_header_value(self, js_request: Any, name: str) -> str | None:
        """One header of a JavaScript ``Request``, by ``headers.get(name)``: two calls into
        JavaScript, where :meth:`request_header_pairs` converts every header."""
        value = js_request.headers.get(name)
        return None if self.is_null(value) else value

    def text_response(self, status: int, text: str) -> Any:
        """A small ``text/plain`` JavaScript Response (errors the adapter answers itself)."""
        headers = self.to_js([("content-type", "text/plain; charset=UTF-8")])
        return self.Response.new(text, status=status, headers=headers)


_side: list[JsSide] = []


def js_side() -> JsSide:
    """The isolate's :class:`JsSide` (made on first use: the imports exist only in Pyodide)."""
    if not _side:
        _side.append(JsSide())
    return _side[0]


# -- JavaScript Request -> edgekit Request


class _JsBody:
    """A JavaScript request body as an async iterator: one ``bytes`` chunk, read on first use."""

    __slots__ = ("_request", "_started")

    def __init__(self, js_request: Any) -> None:
        self._request = js_request
        self._started = False

    def __aiter__(self) -> _JsBody:
        return self

    async def __anext__(self) -> bytes:
        if self._started:
            raise StopAsyncIteration
        self._started = True
        data: bytes = (await self._request.arrayBuffer()).to_bytes()
        return data

    async def drain(self) -> None:
        """Read and drop the body if nothing read it."""
        if not self._started:
            self._started = True
            await self._request.arrayBuffer()


def _convert_request(js_request: Any, side: JsSide) -> tuple[Request, _JsBody | None]:
    # An isinstance check, not getattr(.., "js_object", ..): on a JsProxy a missing
    # attribute is a failed lookup in JavaScript and a raised AttributeError.
    if not isinstance(js_request, side.JsProxy):
        js_request = js_request.js_object
    # The SDK's ``request.method`` is an enum that refuses unknown methods: read the JS one.
    method: str = js_request.method
    body = None
    if method not in _NO_BODY_METHODS and not side.is_null(js_request.body):
        body = _JsBody(js_request)
    # The JsProxy keeps the JavaScript Request alive, so the headers can still be read
    # after the response (in wait_until work).
    headers = Headers._deferred(side.request_header_pairs, js_request, side.request_header_value)
    return Request._adopt(js_request.url, method, headers, stream=body), body


def to_request(js_request: Any, side: JsSide | None = None) -> Request:
    """The edgekit Request for a JavaScript ``Request`` (or the ``workers`` SDK's wrapper of one).

    The body stays unread until the app reads it, and the headers are fetched from
    JavaScript when the app first reads one.  Raises ValueError for a method or URL
    edgekit refuses.
    """
    return _convert_request(js_request, side or js_side())[0]


# -- edgekit Response -> JavaScript Response


def _readable_stream(chunks: AsyncIterator[bytes], side: JsSide) -> Any:
    """A JavaScript ``ReadableStream`` pulling ``chunks`` one at a time (nothing is buffered)."""
    proxies: list[Any] = []

    def release() -> None:
        while proxies:
            proxies.pop().destroy()

    async def pull(controller: Any) -> None:
        try:
            chunk = b""
            while not chunk:
                chunk = await chunks.__anext__()
        except StopAsyncIteration:
            release()
            controller.close()
            return
        except BaseException as exc:  # noqa: BLE001 - the client must see a broken stream, not a hang
            release()
            print(f"edgekit: the response stream failed: {exc!r}", file=sys.stderr)
            controller.error(side.js.Error.new(f"edgekit: the response stream failed: {exc!r}"))
            return
        controller.enqueue(side.to_js(chunk))

    async def cancel(reason: Any) -> None:
        release()
        closer = getattr(chunks, "aclose", None)
        if closer is not None:
            await closer()

    proxies.extend((side.create_proxy(pull), side.create_proxy(cancel)))
    source = side.js.Object.new()
    source.pull, source.cancel = proxies
    return side.js.ReadableStream.new(source)


def to_js_response(response: Response, side: JsSide | None = None, *, head: bool = False) -> Any:
    """The JavaScript ``Response`` for an edgekit Response.

    Every header line is appended, so several ``Set-Cookie`` stay separate.  The body is
    a ``Uint8Array`` when known, else a ``ReadableStream`` over the stream (which is then
    consumed); there is none for ``head`` (a HEAD request) and statuses 204, 205 and 304.
    ``Response.error()`` becomes JavaScript's ``Response.error()``.
    """
    side = side or js_side()
    if response.type == "error":
        return side.Response.error()
    status = response.status
    body: Any = None
    if not head and status not in _NULL_BODY_STATUSES:
        fixed = response.body_bytes
        if fixed is not None:
            body = side.to_js(fixed)
        else:
            stream = response.body
            if stream is not None:
                body = _readable_stream(stream, side)
    # Keyword arguments measured cheaper than a ResponseInit object made with to_js; the
    # headers cross as one array of pairs, so repeated names stay separate lines.
    headers = side.to_js(response.headers.raw_items())
    if response.status_text:
        return side.Response.new(body, status=status, statusText=response.status_text, headers=headers)
    return side.Response.new(body, status=status, headers=headers)


async def from_js_response(js_response: Any) -> Response:
    """An edgekit Response for a JavaScript ``Response``, its body read into bytes."""
    side = js_side()
    pairs = side.header_pairs(js_response.headers)
    status = int(js_response.status)
    body = None
    if not side.is_null(js_response.body):
        body = (await js_response.arrayBuffer()).to_bytes()
        if status in _NULL_BODY_STATUSES:
            body = None
    return Response._adopt(body, status, Headers._trusted(pairs))


# -- the execution context


class WorkersExecutionContext:
    """``c.ctx`` on Workers: ``wait_until`` and ``pass_through_on_exception`` of the Worker's ``ctx``.

    The awaitable runs as a task of the isolate's event loop; the Worker is kept alive
    until it has finished (a JavaScript promise handed to ``ctx.waitUntil``).  Its
    failure is logged, never raised, as with the local ExecutionContext.
    """

    __slots__ = ("_js_ctx", "_side")

    def __init__(self, js_ctx: Any, side: JsSide) -> None:
        self._js_ctx = js_ctx
        self._side = side

    def wait_until(self, awaitable: Awaitable[object]) -> None:
        """Run ``awaitable`` after the response, keeping the Worker alive until it is done."""
        if not hasattr(awaitable, "__await__"):
            raise TypeError(f"wait_until() needs an awaitable, not {type(awaitable).__name__}")
        import asyncio

        task = asyncio.ensure_future(_logged(awaitable))

        # A Python coroutine handed to JavaScript as it is would be a borrowed proxy,
        # destroyed when the call returns: hand over a JavaScript promise instead.
        def executor(resolve: Any, reject: Any) -> None:
            task.add_done_callback(lambda _: resolve(None))

        self._js_ctx.waitUntil(self._side.js.Promise.new(self._side.create_once_callable(executor)))

    def pass_through_on_exception(self) -> None:
        """On an uncaught exception, forward the request to the origin (Workers routes only)."""
        self._js_ctx.passThroughOnException()


async def _logged(awaitable: Awaitable[object]) -> None:
    try:
        await awaitable
    except Exception as exc:  # noqa: BLE001 - background work must not break the Worker
        print(f"edgekit: wait_until task failed: {exc!r}", file=sys.stderr)


# -- the entry points


class WorkerHandler:
    """``await handler(request, env, ctx)``: one Worker request through ``app``, a JavaScript Response back.

    ``request`` is the JavaScript ``Request`` or the ``workers`` SDK's wrapper of one;
    ``env`` and ``ctx`` are the Worker's (``ctx`` may be None: ``wait_until`` work then
    runs on the event loop, unguarded by the platform).  While ``env`` is the same
    JavaScript object (``===``), as Workers passes it to every request of an isolate, the
    app sees the same wrapped env: its KV and D1 bindings are recognised once, not per
    request.
    """

    __slots__ = ("app", "_env")

    def __init__(self, app: App) -> None:
        self.app = app
        self._env: tuple[Any, CloudflareEnv] | None = None

    def _wrapped_env(self, env: Any, side: JsSide) -> CloudflareEnv:
        # Recognising a binding costs several lookups in JavaScript (far more in the preview,
        # where miniflare answers them over a synchronous round trip): do it once per env.
        known = self._env
        if known is not None and known[0] == env:
            return known[1]
        wrapped = wrap_env(env, side.runtime)
        self._env = (env, wrapped)
        return wrapped

    async def __call__(self, request: Any, env: Any = None, ctx: Any = None) -> Any:
        side = js_side()
        try:
            req, body = _convert_request(request, side)
        except (ValueError, TypeError) as exc:
            return side.text_response(400, f"Bad Request: {exc}")
        try:
            response = await self.app.fetch(
                req,
                None if env is None else self._wrapped_env(env, side),
                None if ctx is None else WorkersExecutionContext(ctx, side),
            )
            if body is not None and not req.body_used:
                await body.drain()
            return to_js_response(response, side, head=req.method == "HEAD")
        except BaseException:  # noqa: BLE001 - a SystemExit escaping would break the isolate
            traceback.print_exc()
            return side.text_response(500, "Internal Server Error")


def worker_entrypoint(app: App) -> type[Any]:
    """The ``WorkerEntrypoint`` class serving ``app``: ``Default = worker_entrypoint(app)``.

    Workers looks for a class called ``Default`` in the entry module.  ``workers`` (the
    Python Workers SDK) exists only inside a Worker: outside one this raises RuntimeError.
    """
    try:
        workers = importlib.import_module("workers")
    except ImportError:
        raise RuntimeError(
            "worker_entrypoint() needs the `workers` module, which only a Python Worker has: "
            "run it with `npx wrangler dev`, `npx wrangler deploy` or the offline preview "
            "(edgekit dev --runtime pyodide); on CPython serve the app with `edgekit dev`"
        ) from None
    handler = WorkerHandler(app)

    class Default(workers.WorkerEntrypoint):  # type: ignore[misc, name-defined]
        """The Worker's entry: every ``fetch`` goes through the edgekit app."""

        async def fetch(self, request: Any) -> Any:
            return await handler(request, self.env, self.ctx)

    return Default


def make_on_fetch(app: App) -> OnFetch:
    """A module-level ``on_fetch(request, env, ctx=None)`` handler serving ``app``.

    The older Python Workers entry form: ``on_fetch = make_on_fetch(app)`` in the entry
    module.  Workers only calls it with the ``disable_python_no_global_handlers``
    compatibility flag; without the flag use :func:`worker_entrypoint`.
    """
    handler = WorkerHandler(app)

    async def on_fetch(request: Any, env: Any = None, ctx: Any = None) -> Any:
        return await handler(request, env, ctx)

    return on_fetch


# -- the Cache API


class WorkersCache:
    """A response cache over the Workers Cache API (``caches.default``, or ``caches.open(name)``).

    Implements the ``ResponseCache`` protocol of :mod:`edgekit.middleware.cache`:
    ``match(url)``, ``put(url, response)``, ``delete(url)``.  The Cache API's own rules
    apply: only GET-able URLs, no 206 or ``Vary: *`` responses, ``Cache-Control`` decides
    the lifetime; ``put`` reads a streamed body to the end.
    """

    __slots__ = ("name", "_cache")

    def __init__(self, name: str | None = None) -> None:
        if name is not None and (not isinstance(name, str) or not name):
            raise ValueError("a cache name must be a non-empty str (or None for caches.default)")
        self.name = name
        self._cache: Any = None

    async def _store(self) -> Any:
        if self._cache is None:
            caches = js_side().js.caches
            self._cache = caches.default if self.name is None else await caches.open(self.name)
        return self._cache

    async def match(self, url: str) -> Response | None:
        """The cached response for ``url``, or None."""
        found = await (await self._store()).match(url)
        if js_side().is_null(found):
            return None
        return await from_js_response(found)

    async def put(self, url: str, response: Response) -> None:
        """Store ``response`` for ``url`` (a streamed body is consumed)."""
        await (await self._store()).put(url, to_js_response(response))

    async def delete(self, url: str) -> bool:
        """Remove the entry for ``url``; whether there was one."""
        return bool(await (await self._store()).delete(url))
