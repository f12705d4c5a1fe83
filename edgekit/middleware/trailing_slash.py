"""``trim_trailing_slash()`` and ``append_trailing_slash()``: one canonical URL per page.

```python
app = App()
app.use(trim_trailing_slash())     # /about/ -> 301 /about, when only /about exists
```

Each redirects only when the request was not found (status 404 after the rest of
the chain ran), so routes that really end in ``/`` keep working.  GET and HEAD get a
301; every other method a 308, which tells the client to repeat the method and body.
The query string is kept.  ``Location`` is always an absolute URL on the request's
own origin: a path such as ``//evil.com/`` becomes ``http://host//evil.com``, never
the protocol-relative ``//evil.com`` that a browser would follow to another site.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from ..context import Context

    Next = Callable[[], Awaitable[None]]
    Middleware = Callable[[Context, Next], Awaitable[None]]


def _redirect_to(c: Context, path: str) -> None:
    raw = c.req.raw
    query = raw.query_string
    location = raw.url_object.origin + path + ("?" + query if query else "")
    c.res = c.redirect(location, 301 if raw.method in ("GET", "HEAD") else 308)


def trim_trailing_slash() -> Middleware:
    """Middleware: a 404 for ``/path/`` becomes a redirect to ``/path`` (every trailing slash goes)."""

    async def trim_trailing_slash_middleware(c: Context, next: Next) -> None:
        await next()
        path = c.req.raw.path
        if c.res.status != 404 or len(path) < 2 or path[-1] != "/":
            return
        _redirect_to(c, path.rstrip("/") or "/")

    return trim_trailing_slash_middleware


def append_trailing_slash() -> Middleware:
    """Middleware: a 404 for ``/path`` becomes a redirect to ``/path/``."""

    async def append_trailing_slash_middleware(c: Context, next: Next) -> None:
        await next()
        path = c.req.raw.path
        if c.res.status != 404 or path[-1:] == "/":
            return
        _redirect_to(c, path + "/")

    return append_trailing_slash_middleware
