"""WASI adapter: serve an edgekit App from a WebAssembly component (wasi:http 0.2).

A component built by :mod:`edgekit.build.wasi` exports two entry points, both made by
:func:`exports`:

* ``wasi:http/incoming-handler.handle`` (what ``wasmtime serve`` and every wasi:http
  host call): the incoming request becomes an edgekit :class:`~edgekit.Request`
  (method, ``scheme://authority/path?query``, headers, the body streamed from the
  host in chunks), goes through ``App.fetch``, and the Response is sent back as an
  outgoing response, its body written in chunks within the stream's ``check-write``
  budget;
* ``handle(plain-request) -> plain-response``: the same with plain values, for hosts
  that cannot drive wasi:http (wasmtime-py in tests and benchmarks).

Neither ever traps: an exception before the response is sent becomes a 500; a body
larger than ``max_body_bytes`` a 413; a request edgekit cannot parse (bad URL, bad
header) a 400. ``wait_until`` work runs after the response is out. Async code runs on
:class:`~edgekit.runtime.wasi_loop.StepLoop`, one request at a time.

The modules componentize-py generates (``wit_world``, ``componentize_py_types``) exist
only inside the component build, so they are imported by :func:`exports`, which the
generated entry module calls while componentize-py pre-initialises it.
"""

from __future__ import annotations

import sys
import traceback

from ..execution_context import ExecutionContext
from ..headers import Headers
from ..http_exception import HTTPException
from ..request import Request
from ..response import Response
from .wasi_loop import run

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable
    from typing import Any

    from ..app import App

    EnvFactory = Callable[[], Awaitable[Any]]

__all__ = ["DEFAULT_MAX_BODY_BYTES", "exports"]

DEFAULT_MAX_BODY_BYTES = 100 * 1024 * 1024
"""The largest request body accepted by default: Cloudflare's limit on the Free and Pro plans."""

_READ_CHUNK = 64 * 1024
_DRAIN_LIMIT = 1024 * 1024
_NO_BODY_METHODS = ("GET", "HEAD")


class BodyTooLarge(HTTPException):
    """The request body is over the component's limit: a 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over the limit of {limit} bytes")


def exports(
    app: App, *, env: EnvFactory | None = None, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
) -> tuple[type, type]:
    """The ``(IncomingHandler, WitWorld)`` classes componentize-py looks for in the entry module.

    ``env`` is called (and awaited) on the first request an instance serves; what it
    returns is ``c.env`` from then on. If it fails, that request is a 500 naming the
    error and the next request tries again. ``max_body_bytes`` bounds what a request
    body may hold (by its ``content-length`` and by what is actually read).
    """
    from componentize_py_types import Err, Ok  # type: ignore[import-not-found]
    from wit_world import PlainResponse  # type: ignore[import-not-found]
    from wit_world import WitWorld as WorldProtocol
    from wit_world.exports import IncomingHandler as HandlerProtocol  # type: ignore[import-not-found]
    from wit_world.imports import streams, types  # type: ignore[import-not-found]

    methods = {
        types.Method_Get: "GET",
        types.Method_Head: "HEAD",
        types.Method_Post: "POST",
        types.Method_Put: "PUT",
        types.Method_Delete: "DELETE",
        types.Method_Connect: "CONNECT",
        types.Method_Options: "OPTIONS",
        types.Method_Trace: "TRACE",
        types.Method_Patch: "PATCH",
    }
    state: dict[str, Any] = {}

    async def get_env() -> Any:
        if env is None:
            return None
        if "env" not in state:
            state["env"] = await env()
        return state["env"]

    async def respond(request: Request | Response) -> tuple[Response, ExecutionContext]:
        """The app's answer to ``request`` (an early error response passes through)."""
        ctx = ExecutionContext()
        if isinstance(request, Response):
            return request, ctx
        try:
            bindings = await get_env()
        except Exception as exc:  # noqa: BLE001 - reported to the client and the log, retried next time
            _log(f"edgekit: could not open the bindings: {exc!r}")
            return Response(f"Internal Server Error: could not open the bindings: {exc}", status=500), ctx
        return await app.fetch(request, bindings, ctx), ctx

    def read_request(request: Any) -> tuple[Request | Response, IncomingBody | None]:
        """The edgekit Request for a wasi:http incoming request, or the error response it earns."""
        method_value = request.method()
        method = methods.get(type(method_value)) or method_value.value
        scheme_value = request.scheme()
        if scheme_value is None or isinstance(scheme_value, types.Scheme_Http):
            scheme = "http"
        elif isinstance(scheme_value, types.Scheme_Https):
            scheme = "https"
        else:
            scheme = scheme_value.value
        with request.headers() as fields:
            entries = fields.entries()
        authority = request.authority() or _host(entries) or "localhost"
        target = request.path_with_query() or "/"
        early = _check_length(entries, max_body_bytes)
        if early is not None:
            return early, None
        body = None if method in _NO_BODY_METHODS else IncomingBody(request.consume(), max_body_bytes, streams, types)
        built = _build_request(
            method, f"{scheme}://{authority}{target}", entries, stream=body.chunks() if body else None
        )
        return built, body

    async def send(response: Response, response_out: Any, sent: list[bool]) -> None:
        """Set the outgoing response's status and headers (then ``sent`` holds True), stream its body."""
        fields = types.Fields()
        for name, value in response.headers.raw_items():
            try:
                fields.append(name, value.encode("latin-1"))
            except Err as err:
                # The host refuses hop-by-hop fields (connection, transfer-encoding, ...).
                _log(f"edgekit: header {name!r} dropped by the host: {type(err.value).__name__}")
        fixed = response.body_bytes
        if fixed is not None and not response.headers.has("content-length"):
            # A known length spares the client chunked encoding.
            fields.append("content-length", str(len(fixed)).encode("ascii"))
        outgoing = types.OutgoingResponse(fields)
        outgoing.set_status_code(response.status)
        body = outgoing.body()
        types.ResponseOutparam.set(response_out, Ok(outgoing))
        sent.append(True)
        await _write_body(response, body, types, streams)

    class IncomingHandler(HandlerProtocol):  # type: ignore[misc]
        """The wasi:http entry point."""

        def handle(self, request: Any, response_out: Any) -> None:
            """Answer one request; never raises (an escaping exception would trap the host)."""
            sent: list[bool] = []
            body: IncomingBody | None = None

            async def serve() -> None:
                nonlocal body
                try:
                    built, body = read_request(request)
                except (TypeError, ValueError) as exc:
                    built = _bad_request(exc)
                response, ctx = await respond(built)
                await send(response, response_out, sent)
                await ctx.drain()

            try:
                run(serve())
            except BaseException as exc:  # noqa: BLE001 - SystemExit too: nothing may escape to the host
                _log_exception(exc)
                if not sent:
                    try:
                        run(send(_plain_500(), response_out, sent))
                    except BaseException as again:  # noqa: BLE001
                        _log_exception(again)
                        types.ResponseOutparam.set(response_out, Err(types.ErrorCode_InternalError(repr(again))))
            finally:
                if body is not None:
                    body.close()
                request.__exit__(None, None, None)

    class WitWorld(WorldProtocol):  # type: ignore[misc]
        """The plain ``handle`` export."""

        def handle(self, request: Any) -> Any:
            """Answer one plain request with a plain response; never raises."""
            try:
                return run(self._answer(request))
            except BaseException as exc:  # noqa: BLE001 - nothing may escape to the host
                _log_exception(exc)
                return PlainResponse(500, [("content-type", b"text/plain; charset=utf-8")], b"Internal Server Error")

        async def _answer(self, plain: Any) -> Any:
            method = plain.method
            url = "http://localhost" + plain.url if plain.url.startswith("/") or not plain.url else plain.url
            early = _check_length(plain.headers, max_body_bytes)
            if early is None and len(plain.body) > max_body_bytes:
                early = BodyTooLarge(max_body_bytes).get_response()
            built: Request | Response
            try:
                body = plain.body if plain.body or method not in _NO_BODY_METHODS else None
                built = early or _build_request(method, url, plain.headers, body)
            except (TypeError, ValueError) as exc:
                built = _bad_request(exc)
            response, ctx = await respond(built)
            chunks = [chunk async for chunk in response.body] if response.body is not None else []
            await ctx.drain()
            headers = [(name, value.encode("latin-1")) for name, value in response.headers.raw_items()]
            return PlainResponse(response.status, headers, b"".join(chunks))

    return IncomingHandler, WitWorld


class IncomingBody:
    """A wasi:http incoming body read as an async iterator of chunks, within a size limit.

    The stream is a child of the body and the body a child of the request: the host
    traps if a parent goes first, so :meth:`close` drops them in order.
    """

    def __init__(self, body: Any, limit: int, streams: Any, types: Any) -> None:
        self._body: Any = body
        self._stream: Any = None
        self._limit = limit
        self._streams = streams
        self._types = types

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body's bytes as they arrive; :class:`BodyTooLarge` past the limit."""
        from componentize_py_types import Err

        if self._body is None:
            return
        self._stream = self._body.stream()
        total = 0
        while True:
            try:
                chunk = self._stream.blocking_read(_READ_CHUNK)
            except Err as err:
                if isinstance(err.value, self._streams.StreamError_Closed):
                    return
                raise OSError(f"reading the request body failed: {err.value}") from None
            total += len(chunk)
            if total > self._limit:
                raise BodyTooLarge(self._limit)
            if chunk:
                yield chunk

    def close(self) -> None:
        """Release the stream, then the body (its trailers are not read).

        What the app left unread is skipped first, up to :data:`_DRAIN_LIMIT`: a
        connection closed with unread data in it is reset, and a client still sending
        (most send the whole body before reading) would lose the response.
        """
        from componentize_py_types import Err

        if self._stream is None and self._body is not None:
            self._stream = self._body.stream()  # never read by the app
        if self._stream is not None:
            drained = 0
            try:
                while drained < _DRAIN_LIMIT:
                    drained += self._stream.blocking_skip(_READ_CHUNK)
            except Err:
                pass  # closed: everything was read
            self._stream.__exit__(None, None, None)
            self._stream = None
        if self._body is not None:
            body, self._body = self._body, None
            self._types.IncomingBody.finish(body).__exit__(None, None, None)


async def _write_body(response: Response, body: Any, types: Any, streams: Any) -> None:
    """Stream ``response``'s body into an outgoing body, then finish it.

    A client that goes away mid-body is no error of the app's: the stream stops, the body
    is dropped unfinished (the host knows it is incomplete) and one line says so.
    """
    from componentize_py_types import Err

    stream = body.write()
    gone = False
    try:
        fixed = response.body_bytes
        if fixed is not None:
            _write(stream, fixed)
        elif response.body is not None:
            async for chunk in response.body:
                _write(stream, chunk)
        _flush(stream, streams)
    except Err as err:
        if not isinstance(err.value, streams.StreamError_Closed):
            raise
        gone = True
    finally:
        stream.__exit__(None, None, None)  # the stream before its body: a child goes first
    if not gone:
        types.OutgoingBody.finish(body, None)
        return
    _log("edgekit: the client closed the connection before the whole response body was sent")
    body.__exit__(None, None, None)
    close = getattr(response.body, "aclose", None)
    if close is not None:
        await close()


def _write(stream: Any, data: bytes) -> None:
    """Write all of ``data``, never more at once than ``check-write`` permits."""
    view = memoryview(data)
    while view:
        permit = stream.check_write()
        if permit == 0:
            with stream.subscribe() as ready:
                ready.block()
            continue
        stream.write(bytes(view[:permit]))
        view = view[permit:]


def _flush(stream: Any, streams: Any) -> None:
    """Flush and wait until the host has taken everything.

    A body whose ``content-length`` is reached is closed by the host: nothing is left to flush.
    """
    from componentize_py_types import Err

    try:
        stream.flush()
        with stream.subscribe() as ready:
            ready.block()
        stream.check_write()
    except Err as err:
        if not isinstance(err.value, streams.StreamError_Closed):
            raise


def _host(entries: list[tuple[str, bytes]]) -> str | None:
    for name, value in entries:
        if name.lower() == "host":
            return value.decode("latin-1")
    return None


def _check_length(entries: list[tuple[str, bytes]], limit: int) -> Response | None:
    """A 413 when ``content-length`` announces a body over ``limit`` (nothing is read then)."""
    for name, value in entries:
        if name.lower() == "content-length" and value.strip().isdigit() and int(value) > limit:
            return BodyTooLarge(limit).get_response()
    return None


def _build_request(
    method: str,
    url: str,
    entries: list[tuple[str, bytes]],
    body: bytes | None = None,
    *,
    stream: AsyncIterator[bytes] | None = None,
) -> Request:
    """An edgekit Request (``stream``: the incoming body's chunks, taken as they are);
    TypeError or ValueError for a URL or header it cannot hold."""
    headers = Headers([(name, value.decode("latin-1")) for name, value in entries])
    return Request._adopt(url, method, headers, body, stream=stream)


def _bad_request(exc: Exception) -> Response:
    return Response(f"Bad Request: {exc}", status=400, headers={"content-type": "text/plain; charset=utf-8"})


def _plain_500() -> Response:
    return Response("Internal Server Error", status=500, headers={"content-type": "text/plain; charset=utf-8"})


def _log(message: str) -> None:
    print(message, file=sys.stderr)


def _log_exception(exc: BaseException) -> None:
    _log("edgekit: the WASI adapter caught an exception:\n" + "".join(traceback.format_exception(exc)))
