"""ASGI adapter: serve an edgekit App with uvicorn or any ASGI server.

``ASGIApp(app, env=None)`` is an ASGI callable. Each HTTP request becomes an
edgekit Request (the body streamed from ``receive``, the peer's address as
``remote_address``), goes through ``app.fetch``, and the Response is sent back
(streamed bodies chunk by chunk; a stream stops when the client disconnects).
``wait_until`` work is scheduled on the event loop once the response is
produced. Lifespan events run the ``on_startup``/``on_shutdown`` hooks;
websockets are refused.
"""

from __future__ import annotations

from ..headers import Headers
from ..request import Request

TYPE_CHECKING = False
if TYPE_CHECKING:
    import os
    from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, MutableMapping
    from typing import Any

    from ..app import App

    Scope = MutableMapping[str, Any]
    Message = MutableMapping[str, Any]
    Receive = Callable[[], Awaitable[Message]]
    Send = Callable[[Message], Awaitable[None]]

_NO_BODY_METHODS = ("GET", "HEAD")


class ClientDisconnected(Exception):
    """The client went away while its request body was being read."""


class ASGIApp:
    """Wrap an App as an ASGI 3 application.

    ``env`` is what handlers see as ``c.env``. ``on_startup`` and ``on_shutdown``
    hold async callables run at the server's lifespan events (for example to
    open the local bindings and set ``self.env``); a failing startup hook is
    reported to the server, which then refuses to start.
    """

    def __init__(self, app: App, env: Any = None) -> None:
        self.app = app
        self.env = env
        self.on_startup: list[Callable[[], Awaitable[None]]] = []
        self.on_shutdown: list[Callable[[], Awaitable[None]]] = []

    @classmethod
    def with_local_bindings(
        cls,
        app: App,
        config: str | os.PathLike[str] = "wrangler.toml",
        *,
        state_dir: str | os.PathLike[str] = ".edgekit/state",
        environment: str | None = None,
        dev_vars: bool = False,
    ) -> ASGIApp:
        """``app`` with the vars, KV and D1 of ``config`` as ``c.env``, on local SQLite files.

        The env is opened at the server's startup (pending D1 migrations applied: several
        workers starting together is fine) and closed at its shutdown, so the server must
        send lifespan events (uvicorn and hypercorn do). The arguments are
        :func:`~edgekit.bindings.local_env.load_env`'s, except that ``.dev.vars`` (a file
        of local secrets) is read only with ``dev_vars=True``.
        """
        asgi = cls(app)

        async def open_env() -> None:
            from ..bindings.local_env import load_env

            asgi.env = await load_env(config, state_dir=state_dir, environment=environment, dev_vars=dev_vars)

        async def close_env() -> None:
            asgi.env.close()

        asgi.on_startup.append(open_env)
        asgi.on_shutdown.append(close_env)
        return asgi

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http":
            if kind == "lifespan":
                await self._lifespan(receive, send)
            elif kind == "websocket":
                await send({"type": "websocket.close", "code": 1003})
            return
        request = to_request(scope, receive)
        response = await self.app.fetch(request, self.env)
        headers = []
        length_given = False
        for name, value in response.headers.raw_items():
            if name == "content-length":
                length_given = True
            headers.append((name.encode("latin-1"), value.encode("latin-1")))
        fixed = response.body_bytes
        if fixed is not None and not length_given:
            # A known length spares the server chunked encoding.
            headers.append((b"content-length", b"%d" % len(fixed)))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        if fixed is not None:
            await send({"type": "http.response.body", "body": fixed})
            return
        body = response.body
        if body is None:
            await send({"type": "http.response.body", "body": b""})
        elif request.body_bytes is not None or request.method in _NO_BODY_METHODS:
            # Nothing is left to receive but the disconnect: watch for it, so that an
            # endless stream (server-sent events) stops when its client goes away.
            await _stream_until_disconnect(body, send, receive)
        else:
            await _stream(body, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    for hook in self.on_startup:
                        await hook()
                except Exception as exc:  # noqa: BLE001 - the server reports it and stops
                    await send({"type": "lifespan.startup.failed", "message": f"{type(exc).__name__}: {exc}"})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for hook in self.on_shutdown:
                    await hook()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _stream(body: AsyncIterator[bytes], send: Send) -> None:
    async for chunk in body:
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def _stream_until_disconnect(body: AsyncIterator[bytes], send: Send, receive: Receive) -> None:
    """Send ``body`` until it ends or the client disconnects, whichever comes first; then close it.

    The body is sent from this task (so per-request CPU meters see its work); a watcher
    task cancels it when the disconnect arrives.
    """
    import asyncio

    task = asyncio.current_task()
    assert task is not None  # an ASGI server always runs the app in a task
    disconnected = False

    async def watch() -> None:
        nonlocal disconnected
        while (await receive())["type"] != "http.disconnect":
            pass
        disconnected = True
        task.cancel()

    watcher = asyncio.ensure_future(watch())
    try:
        await _stream(body, send)
    except asyncio.CancelledError:
        if not disconnected:
            raise
        task.uncancel()
    finally:
        watcher.cancel()
        close = getattr(body, "aclose", None)
        if close is not None:
            await close()


def to_request(scope: Scope, receive: Receive) -> Request:
    """Build an edgekit Request from an ASGI HTTP scope (the body stays unread).

    Header names arrive lower-cased and values checked by the server (ASGI
    requires both), so they are taken as they are.
    """
    raw_path = scope.get("raw_path")
    if raw_path:
        target = raw_path.decode("latin-1")
    else:
        from urllib.parse import quote

        target = quote(scope.get("root_path", "") + scope["path"])
    query = scope.get("query_string")
    if query:
        target += "?" + query.decode("latin-1")
    raw_headers = scope["headers"]
    host = None
    for name, value in raw_headers:
        if name == b"host":
            host = value.decode("latin-1")
            break
    if host is None:
        server = scope.get("server")
        host = f"{server[0]}:{server[1]}" if server else "localhost"
    method = scope["method"]
    url = f"{scope.get('scheme', 'http')}://{host}{target}"
    stream = None if method in _NO_BODY_METHODS else _body(receive)
    # Decoded when first read: many handlers never look at a header.
    request = Request._adopt(url, method, Headers._deferred(_decode_headers, raw_headers), stream=stream)
    client = scope.get("client")
    if client:
        request.remote_address = client[0]
    return request


def _decode_headers(raw: Iterable[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in raw]


async def _body(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected("the client disconnected before sending the whole body")
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return
