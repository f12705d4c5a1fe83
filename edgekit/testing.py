"""Test clients: call an App through httpx, in-process, with no server and no ASGI in between.

``TestClient(app, env=None, base_url="http://testserver")`` is an ``httpx.Client``
and ``AsyncTestClient`` an ``httpx.AsyncClient``: everything httpx offers works
(``params=``, ``json=``, ``files=``, cookies kept between requests, ``stream()``).
Their transport turns each httpx request into an edgekit :class:`~edgekit.Request`,
calls ``app.fetch(request, env, ctx)`` and turns the edgekit
:class:`~edgekit.Response` back into an httpx response; a streamed body stays a
stream, read chunk by chunk as the test reads it.

Work handed to ``c.ctx.wait_until`` has finished when a request returns, so a
test sees its effects right away (on Workers it runs after the response).

The sync client runs the app on a private event loop in the calling thread, so
bindings and app state stay on one thread; inside a running event loop (an
``async def`` test) use :class:`AsyncTestClient`. Close a client (``with``
block) to close its loop.

httpx is an optional dependency, imported only here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx

from .execution_context import ExecutionContext
from .headers import Headers
from .request import Request

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine
    from typing import Any, TypeVar

    from .app import App
    from .response import Response

    T = TypeVar("T")

__all__ = ["AsyncTestClient", "TestClient"]

_NO_BODY_METHODS = ("GET", "HEAD")


async def _fetch(app: App, env: Any, request: httpx.Request, body: bytes) -> Response:
    """``app.fetch`` for an httpx request whose body is ``body``; ``wait_until`` work drained."""
    pairs = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in request.headers.raw]
    method = request.method
    edge = Request(
        str(request.url),
        method=method,
        headers=Headers(pairs),
        body=None if method in _NO_BODY_METHODS and not body else body,
    )
    ctx = ExecutionContext()
    response = await app.fetch(edge, env, ctx)
    await ctx.drain()
    return response


def _to_httpx(
    response: Response, request: httpx.Request, stream: httpx.SyncByteStream | httpx.AsyncByteStream
) -> httpx.Response:
    return httpx.Response(response.status, headers=response.headers.raw_items(), stream=stream, request=request)


class _SyncBody(httpx.SyncByteStream):
    """An edgekit body read through the client's event loop, one chunk at a time."""

    def __init__(self, response: Response, run: Callable[[Coroutine[Any, Any, bytes]], bytes]) -> None:
        self._response = response
        self._run = run

    def __iter__(self) -> Iterator[bytes]:
        fixed = self._response.body_bytes
        if fixed is not None:
            yield fixed
            return
        chunks = self._response.body
        if chunks is None:
            return
        while True:
            try:
                yield self._run(_next_chunk(chunks))
            except StopAsyncIteration:
                return


async def _next_chunk(chunks: AsyncIterator[bytes]) -> bytes:
    return await chunks.__anext__()


class _AsyncBody(httpx.AsyncByteStream):
    """An edgekit body as httpx's async stream."""

    def __init__(self, response: Response) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = self._response.body
        if chunks is not None:
            async for chunk in chunks:
                yield chunk


class FetchTransport(httpx.BaseTransport):
    """An httpx transport that answers with ``app.fetch`` on a private event loop."""

    def __init__(self, app: App, env: Any = None) -> None:
        self.app = app
        self.env = env
        self._loop: asyncio.AbstractEventLoop | None = None

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on this transport's loop (created on first use)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            coro.close()
            raise RuntimeError("TestClient cannot run inside a running event loop: use AsyncTestClient there")
        if self._loop is None or self._loop.is_closed():
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(coro)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.run(_fetch(self.app, self.env, request, request.read()))
        return _to_httpx(response, request, _SyncBody(response, self.run))

    def close(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        # Tasks the app left running (timers, unfinished streams) end with the client.
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


class AsyncFetchTransport(httpx.AsyncBaseTransport):
    """An httpx async transport that answers with ``app.fetch`` on the running loop."""

    def __init__(self, app: App, env: Any = None) -> None:
        self.app = app
        self.env = env

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await _fetch(self.app, self.env, request, await request.aread())
        return _to_httpx(response, request, _AsyncBody(response))


class _ReplaceableEnv:
    """The ``env`` property both clients share."""

    fetch_transport: FetchTransport | AsyncFetchTransport

    @property
    def env(self) -> Any:
        """The ``env`` handlers see; may be replaced between requests."""
        return self.fetch_transport.env

    @env.setter
    def env(self, env: Any) -> None:
        self.fetch_transport.env = env


class TestClient(_ReplaceableEnv, httpx.Client):
    """A sync httpx client whose requests go to ``app`` in-process (see the module docstring).

    ``env`` is what handlers see as ``c.env``; relative URLs resolve against
    ``base_url``. Extra keyword arguments go to ``httpx.Client``.
    """

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self, app: App, env: Any = None, base_url: str = "http://testserver", **kwargs: Any) -> None:
        self.fetch_transport = FetchTransport(app, env)
        super().__init__(transport=self.fetch_transport, base_url=base_url, **kwargs)


class AsyncTestClient(_ReplaceableEnv, httpx.AsyncClient):
    """The async twin of :class:`TestClient`, for ``async def`` tests (``async with``)."""

    __test__ = False

    def __init__(self, app: App, env: Any = None, base_url: str = "http://testserver", **kwargs: Any) -> None:
        self.fetch_transport = AsyncFetchTransport(app, env)
        super().__init__(transport=self.fetch_transport, base_url=base_url, **kwargs)
