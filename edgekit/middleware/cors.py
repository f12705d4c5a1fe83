"""``cors()``: Cross-Origin Resource Sharing headers and preflight answers, as Hono's ``cors()``.

```python
from edgekit.middleware.cors import cors

app.use("/api/*", cors())                                            # any origin, no credentials
app.use("/api/*", cors(origin=["https://app.example", "https://admin.example"], credentials=True))
app.use("/api/*", cors(origin=lambda origin, c: origin if origin.endswith(".example.com") else None))
```

``origin`` decides the ``Access-Control-Allow-Origin`` value:

* ``"*"`` (the default): ``*``, for any request;
* another str: that one origin, always (the browser compares it with its own);
* a list: the request's ``Origin`` when it is in the list, else no header at all;
* a callable ``(request_origin, c) -> str | None`` (sync or async): what it returns
  (None or ``""``: no header). It sees ``""`` when the request has no Origin.

A preflight (``OPTIONS`` with ``Access-Control-Request-Method``) is answered here with
204 and ``Access-Control-Allow-Methods``, ``-Allow-Headers`` (the configured list, or
else the request's ``Access-Control-Request-Headers`` echoed), ``-Max-Age`` and
``-Allow-Credentials``; the handlers never see it. A plain ``OPTIONS`` goes to the
routes. Other requests run normally and get ``-Allow-Origin``, ``-Allow-Credentials``
and ``-Expose-Headers`` on whatever response they produce, errors included.
``Vary: Origin`` is added whenever the answer depends on the origin (anything but ``*``),
so caches never serve one origin's answer to another.

Fail-closed rules: ``credentials=True`` with ``origin="*"`` raises at setup (browsers
refuse it, and reflecting every origin instead would hand any site the user's
cookies); a list never reflects an origin it does not hold; a disallowed origin's
preflight gets no ``Access-Control-Allow-*`` header at all.
"""

from __future__ import annotations

from ..compose import resolve
from ..headers import is_token

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, Sequence

    from ..context import Context
    from ..headers import Headers
    from ..response import Response

    Next = Callable[[], Awaitable[None]]
    Middleware = Callable[[Context, Next], Awaitable[Response | None]]
    OriginOption = str | Sequence[str] | Callable[[str, Context], str | None | Awaitable[str | None]]

DEFAULT_METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "QUERY")  # Hono 4.13's default


def check_origin(origin: str) -> str:
    """``origin`` checked as a serialized origin (``https://host[:port]``, or ``null``).

    Raises ValueError for anything else (a path, a trailing slash, several origins, a
    character a header cannot carry): such an entry could never match a browser's Origin.
    """
    if not isinstance(origin, str):
        raise TypeError(f"an origin must be a str, not {type(origin).__name__}")
    if origin == "null":
        return origin
    scheme, sep, authority = origin.partition("://")
    if (
        not sep
        or not scheme.isascii()
        or not scheme.isalpha()
        or not authority
        or any(ch in authority for ch in "/?#,; \t\r\n\0")
        or not origin.isascii()
    ):
        raise ValueError(f"not an origin (scheme://host[:port], no path or trailing slash): {origin!r}")
    return origin


def add_vary(headers: Headers, name: str) -> None:
    """Add ``name`` to the ``Vary`` header unless it is listed already (or ``Vary: *``)."""
    current = headers.get("vary")
    if current is None:
        headers.set("vary", name)
        return
    listed = {item.strip().lower() for item in current.split(",")}
    if name.lower() not in listed and "*" not in listed:
        headers.set("vary", f"{current}, {name}")


def _tokens(values: Iterable[str], what: str) -> str:
    items = [values] if isinstance(values, str) else list(values)
    for item in items:
        if not isinstance(item, str) or not is_token(item):
            raise ValueError(f"cors() {what} must be HTTP tokens, not {item!r}")
    return ",".join(items)


def _origin_finder(
    origin: OriginOption, credentials: bool
) -> tuple[Callable[[str, Context], str | None | Awaitable[str | None]], bool]:
    """``(find(request_origin, c), varies)``: the Allow-Origin value for a request."""
    if isinstance(origin, str):
        if origin == "*":
            if credentials:
                raise ValueError(
                    "cors(): origin='*' cannot be used with credentials=True; list the origins or pass a callable"
                )
            return (lambda request_origin, c: "*"), False
        fixed = check_origin(origin)
        return (lambda request_origin, c: fixed), True
    if callable(origin):
        return origin, True
    allowed = frozenset(check_origin(item) for item in origin)
    if not allowed:
        raise ValueError("cors(): an empty origin list would allow no origin; leave the middleware out instead")
    return (lambda request_origin, c: request_origin if request_origin in allowed else None), True


def cors(
    origin: OriginOption = "*",
    *,
    allow_methods: Iterable[str] = DEFAULT_METHODS,
    allow_headers: Iterable[str] = (),
    expose_headers: Iterable[str] = (),
    max_age: int | None = None,
    credentials: bool = False,
) -> Middleware:
    """Middleware that adds CORS headers and answers preflight requests (see the module doc).

    Configuration errors (``"*"`` with credentials, a malformed origin, method or header
    name, a negative ``max_age``) raise here, not on a request.
    """
    find, varies = _origin_finder(origin, credentials)
    methods = _tokens(allow_methods, "allow_methods")
    allowed_headers = _tokens(allow_headers, "allow_headers")
    exposed = _tokens(expose_headers, "expose_headers")
    if max_age is not None and (isinstance(max_age, bool) or not isinstance(max_age, int) or max_age < 0):
        raise ValueError(f"cors() max_age must be a non-negative int of seconds, not {max_age!r}")

    async def allowed_origin(c: Context) -> str | None:
        value = await resolve(find(c.req.header("origin") or "", c))
        return value if isinstance(value, str) and value else None

    def allow_on(headers: Headers, allow: str | None) -> None:
        if varies:
            add_vary(headers, "Origin")
        if allow is not None:
            headers.set("access-control-allow-origin", allow)
            if credentials:
                headers.set("access-control-allow-credentials", "true")

    async def cors_middleware(c: Context, next: Next) -> Response | None:
        allow = await allowed_origin(c)
        if c.req.method == "OPTIONS" and c.req.header("access-control-request-method") is not None:
            response = c.body(None, 204)
            headers = response.headers
            allow_on(headers, allow)
            if allow is not None:
                if max_age is not None:
                    headers.set("access-control-max-age", str(max_age))
                if methods:
                    headers.set("access-control-allow-methods", methods)
                requested = c.req.header("access-control-request-headers")
                if allowed_headers:
                    headers.set("access-control-allow-headers", allowed_headers)
                elif requested:
                    headers.set("access-control-allow-headers", requested)
                    add_vary(headers, "Access-Control-Request-Headers")
            headers.delete("content-type")
            headers.delete("content-length")
            return response
        await next()
        allow_on(c.res.headers, allow)
        if allow is not None and exposed:
            c.res.headers.set("access-control-expose-headers", exposed)
        return None

    return cors_middleware
