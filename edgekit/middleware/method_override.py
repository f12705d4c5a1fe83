"""``method_override(app)``: let an HTML form (which can only GET and POST) PUT, PATCH or DELETE.

```python
app = App()
app.use(method_override(app))              # <input type="hidden" name="_method" value="DELETE">

@app.delete("/posts/:id")
async def delete_post(c): ...

app.use(method_override(app, header="X-HTTP-Method-Override"))   # or a header
app.use(method_override(app, query="_method"))                   # or ?_method=PATCH
```

Only a POST is overridden, and only to one of ``methods`` (PUT, PATCH and DELETE
by default): anything else there is a 400, so a form cannot turn itself into, say,
a CONNECT.  The request is then dispatched again through ``app.fetch`` with the new
method, the same URL, headers and body (the ``_method`` field stays in the form),
and the same ``env`` and execution context.  Middleware registered before this one
runs for both dispatches: register it first.
"""

from __future__ import annotations

from ..http_exception import HTTPException

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable

    from ..app import App
    from ..context import Context
    from ..response import Response

    Next = Callable[[], Awaitable[None]]

DEFAULT_METHODS = ("PUT", "PATCH", "DELETE")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def method_override(
    app: App,
    *,
    form: str | None = None,
    header: str | None = None,
    query: str | None = None,
    methods: Iterable[str] = DEFAULT_METHODS,
) -> Callable[[Context, Next], Awaitable[Response | None]]:
    """Middleware that re-dispatches a POST with the method it asks for.

    The method is looked for in the form field ``form``, the request header
    ``header`` and the query parameter ``query``, in that order; with none of the
    three given, the form field ``_method`` is used.  ``methods`` are the methods a
    request may ask for; an empty set is a ValueError, and so is one naming GET or
    HEAD (they cannot carry a POST's body), POST (it would dispatch forever) or
    CONNECT, TRACE or TRACK (unsafe).
    """
    from ..headers import is_token

    if not hasattr(app, "fetch"):
        raise TypeError(f"method_override() needs the App to dispatch to, not {type(app).__name__}")
    allowed = frozenset(m.upper() for m in methods)
    if not allowed:
        raise ValueError("methods must name at least one method")
    for method in allowed:
        if not is_token(method) or method in ("GET", "HEAD", "POST", "CONNECT", "TRACE", "TRACK"):
            raise ValueError(f"cannot override a POST to {method!r}")
    if header is not None and not is_token(header):
        raise ValueError(f"invalid header name {header!r}")
    if form is None and header is None and query is None:
        form = "_method"

    async def requested_method(c: Context) -> str | None:
        if form is not None:
            content_type = (c.req.header("content-type") or "").split(";", 1)[0].strip().lower()
            if content_type in _FORM_TYPES:
                value = (await c.req.form()).get(form)
                if value is not None:
                    if not isinstance(value, str):
                        raise HTTPException(400, f"the {form!r} form field must be text, not a file")
                    return value
        if header is not None:
            from_header: str | None = c.req.header(header)
            if from_header is not None:
                return from_header
        if query is not None:
            from_query: str | None = c.req.query(query)
            return from_query
        return None

    async def method_override_middleware(c: Context, next: Next) -> Response | None:
        if c.req.method != "POST":
            await next()
            return None
        asked = await requested_method(c)
        if asked is None:
            await next()
            return None
        method = asked.strip().upper()
        if method not in allowed:
            names = ", ".join(sorted(allowed))
            raise HTTPException(400, f"cannot override POST to {asked[:32]!r}: use one of {names}")
        from ..request import Request

        raw = c.req.raw
        body = await raw.bytes()
        request = Request(raw.url, method=method, headers=raw.headers, body=body or None)
        return await app.fetch(request, c.env, c.ctx)

    return method_override_middleware
