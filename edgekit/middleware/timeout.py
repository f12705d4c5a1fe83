"""``timeout(seconds)``: a handler that takes too long is cancelled and answered with 504.

```python
app.use("/api/*", timeout(5))                                  # 504 Gateway Timeout
app.use("/slow/*", timeout(2, HTTPException(503, "try later")))
```

The wait is wall-clock time in the event loop: the handler is cancelled at its next
``await`` after the deadline (code that never awaits cannot be interrupted).  On
Cloudflare Workers the platform's CPU-time limit (10 ms on the free plan, 30 s by
default on paid plans) is separate and still applies: it ends the whole invocation
with the runtime's own error, not this 504, and time spent waiting on I/O does not
count towards it.
"""

from __future__ import annotations

from ..http_exception import HTTPException

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from ..context import Context

    Next = Callable[[], Awaitable[None]]
    TimeoutAnswer = HTTPException | Callable[[Context], HTTPException]


def timeout(seconds: float, exception: TimeoutAnswer | None = None) -> Callable[[Context, Next], Awaitable[None]]:
    """Middleware that cancels the rest of the chain after ``seconds``.

    On timeout it raises ``exception`` (an :class:`~edgekit.HTTPException`, or a
    callable ``exception(c)`` returning one), by default ``HTTPException(504)``; the
    App's error handler turns it into the response.  ``seconds`` must be a positive,
    finite number (ValueError otherwise).
    """
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"timeout seconds must be a number, not {type(seconds).__name__}")
    if not 0 < seconds < float("inf"):
        raise ValueError(f"timeout seconds must be positive and finite, not {seconds!r}")
    if exception is not None and not isinstance(exception, HTTPException) and not callable(exception):
        raise TypeError("exception must be an HTTPException or a callable returning one")

    async def timeout_middleware(c: Context, next: Next) -> None:
        import asyncio

        try:
            async with asyncio.timeout(seconds):
                await next()
        except TimeoutError:
            if exception is None:
                raise HTTPException(504) from None
            raise (exception if isinstance(exception, HTTPException) else exception(c)) from None

    return timeout_middleware
