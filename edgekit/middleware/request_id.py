"""``request_id()``: one identifier per request, for logs and for the client.

```python
app.use(request_id())

@app.get("/")
def index(c):
    return {"request": c.get("request_id")}
```

An incoming ``X-Request-Id`` (say, from a load balancer) is reused only when it is
short enough and made of safe characters (letters, digits, ``-``, ``_``, ``.``,
``=``, ``+``, ``/``, ``:``): an id ends up in log lines and response headers, so a
client must not be able to smuggle anything else in.  Otherwise a new one is made
with :func:`uuid.uuid4` (or the ``generator`` given).  The id is stored as
``c.get("request_id")`` and sent back in the same response header.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from ..context import Context

    Next = Callable[[], Awaitable[None]]

_SAFE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/:"


def is_safe_request_id(value: str, limit: int = 255) -> bool:
    """Whether ``value`` is 1..``limit`` characters, all from the safe set."""
    return 0 < len(value) <= limit and not value.strip(_SAFE_CHARS)


def _uuid4(c: Context) -> str:
    import uuid

    return str(uuid.uuid4())


def request_id(
    *,
    header_name: str = "X-Request-Id",
    limit: int = 255,
    generator: Callable[[Context], str] | None = None,
    variable: str = "request_id",
) -> Callable[[Context, Next], Awaitable[None]]:
    """Middleware that gives each request an id.

    ``header_name`` is read from the request and written on the response (an empty
    string turns both off: every request gets a fresh id, the response carries
    none); ``limit`` caps the length of an id taken from the request; ``generator(c)``
    makes a new id (default: a random UUID); ``variable`` names the context variable.
    A generator that returns something other than a non-empty ``str`` raises TypeError.
    """
    from ..headers import is_token

    if header_name and not is_token(header_name):
        raise ValueError(f"invalid header name {header_name!r}")
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise ValueError(f"limit must be a positive int, not {limit!r}")
    make = generator or _uuid4

    async def request_id_middleware(c: Context, next: Next) -> None:
        incoming = c.req.header(header_name) if header_name else None
        if incoming is not None and is_safe_request_id(incoming, limit):
            rid = incoming
        else:
            rid = make(c)
            if not isinstance(rid, str) or not rid:
                raise TypeError(f"the request id generator must return a non-empty str, not {rid!r}")
        c.set(variable, rid)
        await next()
        if header_name:
            c.header(header_name, rid)

    return request_id_middleware
