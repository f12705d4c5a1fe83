"""``powered_by()``: names the framework in an ``X-Powered-By`` response header.

```python
app.use(powered_by())                 # X-Powered-By: edgekit
app.use(powered_by("my-service/2"))   # any other value
```

Some teams remove this header to give scanners less to go on; it is opt-in here.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from ..context import Context

    Next = Callable[[], Awaitable[None]]


def powered_by(server_name: str = "edgekit") -> Callable[[Context, Next], Awaitable[None]]:
    """Middleware that sets ``X-Powered-By: server_name`` on every response.

    The value is checked once, here: a value a header cannot carry (CR, LF, NUL,
    characters above U+00FF) or an empty one raises ValueError at setup time
    rather than failing on each request.
    """
    from ..headers import Headers

    if not isinstance(server_name, str):
        raise TypeError(f"powered_by() takes a str, not {type(server_name).__name__}")
    value = Headers([("x-powered-by", server_name)]).get("x-powered-by")
    if not value:
        raise ValueError("powered_by() needs a non-empty server name")

    async def powered_by_middleware(c: Context, next: Next) -> None:
        await next()
        c.header("x-powered-by", value)

    return powered_by_middleware
