"""Serve an ASGI application (Starlette, FastAPI, ...) inside an edgekit App.

``app.mount("/legacy", asgi_app)`` routes every method on ``/legacy`` and
below to ``asgi_app`` through :func:`asgi_handler`, a bridge from Fetch to
ASGI: the edgekit Request becomes an HTTP scope, its body the ``receive``
messages, and what the ASGI app sends becomes the Response, streamed while
the app still runs.

Paths follow Starlette's ``Mount``: ``scope["path"]`` is the whole decoded
path and ``scope["root_path"]`` the mount prefix, so the mounted app routes on
what comes after the prefix and ``url_for`` builds URLs that include it.
Lifespan events are not sent: an app that needs its startup hooks must be
started by its owner.  The bridge is pure Python (asyncio and urllib only), so
it runs wherever the mounted app can.
"""

from __future__ import annotations

import asyncio
from urllib.parse import unquote

from .app import merge_path
from .headers import Headers
from .response import Response

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable
    from typing import Any

    from .context import Context
    from .request import Request
    from .runtime.asgi import Message, Receive, Scope, Send

    ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_NULL_BODY_STATUSES = frozenset((204, 205, 304))
_PATTERN_CHARACTERS = frozenset(":*?{}")


class ASGIAppError(RuntimeError):
    """The mounted ASGI app broke the protocol (no response, a message out of order)."""


def mount_root(base_path: str, prefix: str) -> str:
    """The ``root_path`` of a mount at ``prefix`` in an App whose base path is ``base_path``.

    No trailing slash; ``""`` at the root. Raises ValueError for a prefix that
    is not a plain path: a mount has no params or wildcards of its own.
    """
    if not isinstance(prefix, str) or not prefix.startswith("/"):
        raise ValueError(f"a mount prefix must be a path starting with '/', not {prefix!r}")
    if _PATTERN_CHARACTERS.intersection(prefix):
        raise ValueError(f"a mount prefix is a plain path, without params or wildcards: {prefix!r}")
    return merge_path(base_path, prefix).rstrip("/")


def asgi_handler(asgi_app: ASGIApp, root_path: str) -> Callable[[Context], Awaitable[Response]]:
    """An edgekit handler that answers with ``asgi_app``, mounted at ``root_path``."""
    if not callable(asgi_app):
        raise TypeError(f"app.mount() needs an ASGI application (a callable), not {type(asgi_app).__name__}")

    async def mounted(c: Context) -> Response:
        return await call_asgi(asgi_app, c.req.raw, root_path, c.ctx.wait_until)

    mounted.__name__ = f"mount:{getattr(asgi_app, '__name__', type(asgi_app).__name__)}"
    return mounted


def build_scope(request: Request, root_path: str) -> dict[str, Any]:
    """The ASGI HTTP scope for ``request`` under ``root_path``."""
    url = request.url_object
    raw_path = request.path
    port = int(url.port) if url.port else (443 if url.protocol == "https:" else 80)
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": url.protocol[:-1],
        "path": unquote(raw_path),
        "raw_path": raw_path.encode("latin-1"),
        "query_string": request.query_string.encode("latin-1"),
        "root_path": root_path,
        "headers": [(name.encode("latin-1"), value.encode("latin-1")) for name, value in request.headers.raw_items()],
        "client": None,
        "server": (url.hostname, port),
        "state": {},
    }


async def call_asgi(
    asgi_app: ASGIApp, request: Request, root_path: str, wait_until: Callable[[Awaitable[None]], None] | None = None
) -> Response:
    """Run ``asgi_app`` on ``request`` and return its response; the body streams while it runs.

    When the app keeps running after a complete response (Starlette's
    background tasks), its task goes to ``wait_until``, so the runtime keeps it
    alive as it would ``c.ctx.wait_until`` work. An exception the app raises
    before it starts its response propagates (the App's error handler turns it
    into a 500); one raised later ends the body stream with that exception.
    """
    exchange = _Exchange(request)
    exchange.start(asgi_app, build_scope(request, root_path))
    start = await exchange.next("http.response.start")
    status = int(start["status"])
    headers = Headers([(bytes(n).decode("latin-1"), bytes(v).decode("latin-1")) for n, v in start.get("headers", [])])
    first = await exchange.next("http.response.body")
    content = bytes(first.get("body", b""))
    if not first.get("more_body", False):
        exchange.finish(wait_until=wait_until)
        return Response(None if status in _NULL_BODY_STATUSES and not content else content, status, headers)
    return Response(exchange.stream(content), status, headers)


class _Exchange:
    """One request's conversation with the ASGI app: ``receive`` feeds it, ``send`` fills a queue."""

    def __init__(self, request: Request) -> None:
        self._body = request.body
        self._sent_last = False
        self._outbox: asyncio.Queue[Message | BaseException] = asyncio.Queue()
        self._finished = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self, asgi_app: ASGIApp, scope: dict[str, Any]) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(asgi_app, scope))

    async def _run(self, asgi_app: ASGIApp, scope: dict[str, Any]) -> None:
        try:
            await asgi_app(scope, self._receive, self._outbox.put)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001 - re-raised to whoever reads the response
            if self._finished.is_set():
                _log_late(exc)
            else:
                await self._outbox.put(exc)
        else:
            await self._outbox.put(ASGIAppError("the mounted ASGI app returned without finishing its response"))

    async def _receive(self) -> Message:
        if self._body is not None:
            try:
                chunk = await self._body.__anext__()
            except StopAsyncIteration:
                self._body = None
            else:
                return {"type": "http.request", "body": chunk, "more_body": True}
        if not self._sent_last:
            self._sent_last = True
            return {"type": "http.request", "body": b"", "more_body": False}
        # The request is all read: the next event is the end of the exchange.
        await self._finished.wait()
        return {"type": "http.disconnect"}

    async def next(self, expected: str) -> Message:
        """The app's next message, which must be of type ``expected``."""
        item = await self._outbox.get()
        if isinstance(item, BaseException):
            self.finish()
            raise item
        if item.get("type") != expected:
            self.finish(cancel=True)
            raise ASGIAppError(f"the mounted ASGI app sent {item.get('type')!r} where {expected!r} was due")
        return item

    async def stream(self, first: bytes) -> AsyncIterator[bytes]:
        """The rest of the body, chunk by chunk, after ``first``."""
        complete = False
        try:
            if first:
                yield first
            while True:
                message = await self.next("http.response.body")
                chunk = bytes(message.get("body", b""))
                if chunk:
                    yield chunk
                if not message.get("more_body", False):
                    complete = True
                    return
        finally:
            self.finish(cancel=not complete)

    def finish(self, *, cancel: bool = False, wait_until: Callable[[Awaitable[None]], None] | None = None) -> None:
        """End the exchange: the app sees a disconnect; ``cancel`` stops it if it still runs.

        A complete response is not cancelled: work the app does after its last
        message (Starlette's background tasks) runs to its end, handed to
        ``wait_until`` when there is one.
        """
        self._finished.set()
        while not self._outbox.empty():
            # Nobody reads these any more (Starlette re-raises after sending its 500): log them.
            item = self._outbox.get_nowait()
            if isinstance(item, BaseException) and not isinstance(item, ASGIAppError):
                _log_late(item)
        task = self._task
        if task is not None and not task.done():
            if cancel:
                task.cancel()
            elif wait_until is not None:
                wait_until(task)
            _running.add(task)
            task.add_done_callback(_running.discard)


def _log_late(exc: BaseException) -> None:
    """Report an exception the mounted app raised after its response was complete."""
    import sys
    import traceback

    print("edgekit: the mounted ASGI app raised after its response", file=sys.stderr)
    traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)


# Event loops keep only weak references to tasks; these keep unfinished ones alive.
_running: set[asyncio.Task[None]] = set()
