"""``body_limit()``: refuse request bodies larger than a limit, without reading past it.

```python
from edgekit.middleware.body_limit import body_limit

app.use("/upload/*", body_limit(10 * 1024 * 1024))                       # 10 MiB
app.use("/api/*", body_limit(64 * 1024, on_error=lambda c: c.json({"error": "too large"}, 413)))
```

* A ``Content-Length`` above ``max_size`` is answered with 413 at once: the body is never
  read (the handler does not run). A ``Content-Length`` that is not a decimal number
  (or repeats with different values) is a 400.
* A body without a length (chunked, streamed), or with a length that lies, is counted
  as the handler reads it: the read stops with :class:`BodyLimitExceeded` (an
  ``HTTPException(413)``) as soon as one chunk takes the total past ``max_size``, so no
  more than ``max_size`` bytes are ever kept, plus the one chunk that went over. The
  rest of the stream is closed, not drained.
* The 413 is ``on_error(c)``'s response (sync or async; anything a handler may return),
  or a plain ``413 Payload Too Large``; it replaces whatever the handler answered after
  the limit was hit.

A stream is counted in place (:meth:`~edgekit.body.Body.wrap_stream`): ``c.req.raw``
stays the same Request, and a body the app never reads stays unread (and uncounted),
so a runtime adapter can still drain it.
"""

from __future__ import annotations

from ..compose import resolve, to_response
from ..http_exception import HTTPException

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable
    from typing import Any

    from ..context import Context
    from ..response import Response

    Next = Callable[[], Awaitable[None]]
    Middleware = Callable[[Context, Next], Awaitable[Response | None]]


class BodyLimitExceeded(HTTPException):
    """Raised by a limited body's reader once the body passes the limit (status 413)."""

    def __init__(self, max_size: int) -> None:
        super().__init__(413, f"Payload Too Large: the request body exceeds {max_size} bytes")


def declared_length(value: str) -> int | None:
    """The length a Content-Length value declares, or None when it is not a valid one.

    Repeated identical values (``"5, 5"``, as a proxy may join them) count once (RFC 9110).
    """
    values = {part.strip(" \t") for part in value.split(",")}
    if len(values) != 1:
        return None
    (text,) = values
    if not text or not text.isascii() or not text.isdigit():
        return None
    return int(text)


class _Counter:
    """Counts a stream's bytes and remembers that it went over the limit."""

    __slots__ = ("max_size", "exceeded")

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        self.exceeded = False

    async def limit(self, stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        total = 0
        try:
            async for chunk in stream:
                total += len(chunk)
                if total > self.max_size:
                    self.exceeded = True
                    raise BodyLimitExceeded(self.max_size)
                yield chunk
        finally:
            close = getattr(stream, "aclose", None)
            if close is not None:
                await close()


def body_limit(
    max_size: int,
    on_error: Callable[[Context], Any] | None = None,
) -> Middleware:
    """Middleware that answers 413 to request bodies larger than ``max_size`` bytes (see the module doc)."""
    if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 0:
        raise ValueError(f"body_limit() max_size must be a non-negative int of bytes, not {max_size!r}")
    if on_error is not None and not callable(on_error):
        raise TypeError("body_limit() on_error must be callable: on_error(c) -> response")

    async def too_large(c: Context) -> Response:
        if on_error is not None:
            return to_response(c, await resolve(on_error(c)))
        return BodyLimitExceeded(max_size).get_response()

    async def body_limit_middleware(c: Context, next: Next) -> Response | None:
        raw = c.req.raw
        length = raw.headers.get("content-length")
        if length is not None:
            declared = declared_length(length)
            if declared is None:
                raise HTTPException(400, "Bad Request: invalid Content-Length")
            if declared > max_size:
                return await too_large(c)
        fixed = raw.body_bytes
        if fixed is not None and len(fixed) > max_size:
            return await too_large(c)
        counter = _Counter(max_size)
        # Only an unread stream is metered: a fixed body was checked above, and one already
        # consumed as a stream by earlier middleware has nothing left to limit.
        raw.wrap_stream(counter.limit)
        await next()
        if counter.exceeded:
            c.res = await too_large(c)
        return None

    return body_limit_middleware
