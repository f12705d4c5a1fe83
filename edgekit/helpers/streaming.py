"""Streamed responses: ``stream``, ``stream_text`` and server-sent events with ``stream_sse``.

```python
from edgekit.helpers.streaming import stream_sse

@app.get("/clock")
async def clock(c):
    async def run(s):
        n = 0
        while not s.aborted:
            await s.write_sse(data=f"tick {n}", event="tick", id=str(n))
            n += 1
            await s.sleep(1)
    return stream_sse(c, run)
```

The callback receives a writer and runs as a task once the runtime starts sending the
body: ``await s.write(bytes | str)``, ``await s.writeln(text)``, ``await s.sleep(seconds)``
(seconds, as ``asyncio.sleep``; Hono's takes milliseconds), ``s.on_abort(callback)``,
``s.aborted``, ``await s.close()``. A write waits while the client is more than a few
chunks behind, so a fast producer cannot fill memory. The body ends when the callback
returns or calls ``close()``; if it goes on working after ``close()``, that work is handed
to ``c.ctx.wait_until``.

When the client goes away (the runtime closes the body iterator), ``s.aborted`` turns
true, the ``on_abort`` callbacks run and the callback task is cancelled, so a producer
stops at its next ``write`` or ``sleep``. An exception in the callback goes to
``on_error(err, s)`` when given (it may still write, say a last SSE ``error`` event),
else to stderr; either way the stream then ends.
"""

from __future__ import annotations

import sys

from ..compose import resolve
from ..execution_context import ExecutionContext
from ..url import encode_utf8

TYPE_CHECKING = False
if TYPE_CHECKING:
    import asyncio
    from collections.abc import Awaitable, Callable
    from typing import Any, TypeVar

    from ..context import Context
    from ..response import Response

    W = TypeVar("W", bound="StreamWriter")

# A write waits once this many chunks are queued and not yet taken by the runtime.
_HIGH_WATER = 8


class StreamClosed(RuntimeError):
    """A write after ``close()`` or after the client went away."""


class StreamWriter:
    """What a :func:`stream` callback writes with."""

    __slots__ = ("_queue", "_closed", "_aborted", "_abort_callbacks")

    def __init__(self) -> None:
        import asyncio

        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._closed = False
        self._aborted = False
        self._abort_callbacks: list[Callable[[], Any]] = []

    @property
    def aborted(self) -> bool:
        """True once the client has gone away."""
        return self._aborted

    @property
    def closed(self) -> bool:
        """True once the stream has ended (closed, finished or aborted)."""
        return self._closed

    async def write(self, data: bytes | bytearray | memoryview | str) -> None:
        """Send ``data`` (str as UTF-8); raises :class:`StreamClosed` once the stream has ended."""
        if self._closed:
            raise StreamClosed("the stream is closed" if not self._aborted else "the client went away")
        if isinstance(data, str):
            chunk = encode_utf8(data)
        elif isinstance(data, (bytes, bytearray, memoryview)):
            chunk = bytes(data)
        else:
            raise TypeError(f"a stream writes bytes or str, not {type(data).__name__}")
        if not chunk:
            return
        self._queue.put_nowait(chunk)
        if self._queue.qsize() >= _HIGH_WATER:
            await self._queue.join()

    async def writeln(self, text: str = "") -> None:
        """Send ``text`` and a newline."""
        await self.write(text + "\n")

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (cancelled at once if the client goes away)."""
        import asyncio

        await asyncio.sleep(seconds)

    def on_abort(self, callback: Callable[[], Any]) -> None:
        """Run ``callback()`` (sync or async) when the client goes away."""
        self._abort_callbacks.append(callback)

    async def close(self) -> None:
        """End the stream; later writes raise :class:`StreamClosed`. Closing twice is harmless."""
        self._finish()

    def _finish(self) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put_nowait(None)

    async def _run_abort_callbacks(self) -> None:
        for callback in self._abort_callbacks:
            try:
                await resolve(callback())
            except Exception as err:  # one failing callback must not keep the others from running
                _report(err, "an on_abort callback")


class SSEWriter(StreamWriter):
    """The writer of :func:`stream_sse`: adds :meth:`write_sse`."""

    __slots__ = ()

    async def write_sse(
        self, data: str, *, event: str | None = None, id: str | None = None, retry: int | None = None
    ) -> None:
        """Send one event; ``data`` with line breaks becomes several ``data:`` lines.

        ``event`` and ``id`` must not contain CR or LF (nor ``id`` NUL): they would
        end the field and let the rest forge another one. ``retry`` is the client's
        reconnection delay in milliseconds.
        """
        if not isinstance(data, str):
            raise TypeError(f"SSE data must be a str (encode JSON yourself), not {type(data).__name__}")
        lines: list[str] = []
        if event is not None:
            lines.append(f"event: {_field('event', event)}")
        if id is not None:
            if "\0" in id:
                raise ValueError("SSE id must not contain NUL")
            lines.append(f"id: {_field('id', id)}")
        if retry is not None:
            if not isinstance(retry, int) or isinstance(retry, bool) or retry < 0:
                raise ValueError(f"SSE retry must be a non-negative int of milliseconds, not {retry!r}")
            lines.append(f"retry: {retry}")
        # The event stream format ends lines with CRLF, LF or CR alone.
        for line in data.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            lines.append(f"data: {line}")
        await self.write("\n".join(lines) + "\n\n")


def _field(name: str, value: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"SSE {name} must be a str, not {type(value).__name__}")
    if "\r" in value or "\n" in value:
        raise ValueError(f"SSE {name} must not contain CR or LF: {value!r}")
    return value


def _report(err: BaseException, where: str) -> None:
    import traceback

    print(f"edgekit: error in {where}", file=sys.stderr)
    traceback.print_exception(type(err), err, err.__traceback__, file=sys.stderr)


async def _produce(
    writer: W, callback: Callable[[W], Awaitable[Any]], on_error: Callable[[Exception, W], Any] | None
) -> None:
    import asyncio

    try:
        await callback(writer)
    except asyncio.CancelledError:
        if writer._aborted:
            await writer._run_abort_callbacks()
        raise
    except Exception as err:
        if on_error is None or writer.closed:
            _report(err, "a stream callback")
        else:
            try:
                await resolve(on_error(err, writer))
            except Exception as inner:
                _report(inner, "a stream on_error callback")
    finally:
        writer._finish()


class _StreamBody:
    """The response body: chunks from the writer's queue, the producer started on the first read.

    The runtime ends it with ``aclose()`` when the client goes away; a body that is
    dropped unfinished (a wrapper closed, the server's task gone) is abandoned when
    it is collected, so the producer never outlives its reader either way.
    """

    __slots__ = ("_c", "_writer", "_callback", "_on_error", "_task", "_ended")

    def __init__(
        self,
        c: Context,
        writer: StreamWriter,
        callback: Callable[[Any], Awaitable[Any]],
        on_error: Callable[[Exception, Any], Any] | None,
    ) -> None:
        self._c = c
        self._writer = writer
        self._callback = callback
        self._on_error = on_error
        self._task: asyncio.Task[None] | None = None
        self._ended = False

    def __aiter__(self) -> _StreamBody:
        return self

    async def __anext__(self) -> bytes:
        if self._ended:
            raise StopAsyncIteration
        if self._task is None:
            import asyncio

            self._task = asyncio.ensure_future(_produce(self._writer, self._callback, self._on_error))
        queue = self._writer._queue
        chunk = await queue.get()
        queue.task_done()
        if chunk is None:
            self._ended = True
            if not self._task.done():
                self._keep_alive(self._task)
            raise StopAsyncIteration
        return chunk

    def _keep_alive(self, task: asyncio.Task[None]) -> None:
        """close() was called and the callback goes on: keep it alive past the response."""
        ctx = self._c.ctx
        ctx.wait_until(task)
        if isinstance(ctx, ExecutionContext):
            # A local context was drained when the response was produced, before its body
            # was read: run the new work in the background (on Workers the runtime does).
            ctx.schedule()

    def _abandon(self) -> asyncio.Task[None] | None:
        """The reader is gone: mark the writer aborted and cancel the producer (which runs on_abort)."""
        if self._ended:
            return None
        self._ended = True
        writer = self._writer
        writer._aborted = True
        writer._closed = True
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            return task
        return None

    async def aclose(self) -> None:
        """Stop: the producer is cancelled and its on_abort callbacks have run when this returns."""
        import asyncio

        task = self._abandon()
        if task is not None:
            try:
                await task
            except asyncio.CancelledError:
                pass

    def __del__(self) -> None:
        try:
            self._abandon()
        except RuntimeError:  # the event loop is already closed: nothing left to stop
            pass


def _respond(
    c: Context,
    writer: W,
    callback: Callable[[W], Awaitable[Any]],
    on_error: Callable[[Exception, W], Any] | None,
    headers: list[tuple[str, str]] | None,
) -> Response:
    if not callable(callback):
        raise TypeError(f"a stream callback must be an async callable, not {type(callback).__name__}")
    return c.body(_StreamBody(c, writer, callback, on_error), headers=headers)


def stream(
    c: Context,
    callback: Callable[[StreamWriter], Awaitable[Any]],
    on_error: Callable[[Exception, StreamWriter], Any] | None = None,
) -> Response:
    """A response whose body ``callback`` writes as it goes (no Content-Type of its own)."""
    return _respond(c, StreamWriter(), callback, on_error, None)


def stream_text(
    c: Context,
    callback: Callable[[StreamWriter], Awaitable[Any]],
    on_error: Callable[[Exception, StreamWriter], Any] | None = None,
) -> Response:
    """Like :func:`stream`, as ``text/plain; charset=UTF-8`` (with ``X-Content-Type-Options: nosniff``)."""
    headers = [("content-type", "text/plain; charset=UTF-8"), ("x-content-type-options", "nosniff")]
    return _respond(c, StreamWriter(), callback, on_error, headers)


def stream_sse(
    c: Context,
    callback: Callable[[SSEWriter], Awaitable[Any]],
    on_error: Callable[[Exception, SSEWriter], Any] | None = None,
) -> Response:
    """A ``text/event-stream`` response (not cached) whose callback writes events with ``write_sse``."""
    headers = [("content-type", "text/event-stream"), ("cache-control", "no-cache")]
    return _respond(c, SSEWriter(), callback, on_error, headers)
