"""``pretty_json()``: indented JSON for humans, on request.

```python
app.use(pretty_json())          # GET /users?pretty -> indented JSON
app.use(pretty_json(space=4, query="indent"))
```

A JSON response (``application/json`` or any ``+json`` type) is re-serialized with
``space`` spaces of indentation when the request has the query parameter (any value,
even none: ``?pretty``), or always with ``force=True``.  The output is what
JavaScript's ``JSON.stringify(data, null, space)`` writes, so it matches Hono's.
Streamed bodies and bodies that are not valid JSON are passed through unchanged.

Register it inside (after) ``etag()`` and ``compress()`` so that they see the
indented body.
"""

from __future__ import annotations

from ..json_codec import dumps, loads

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from typing import Any

    from ..context import Context

    Next = Callable[[], Awaitable[None]]


def is_json_type(content_type: str | None) -> bool:
    """Whether a Content-Type names JSON (``application/json``, ``application/problem+json``, ...)."""
    if not content_type:
        return False
    essence = content_type.split(";", 1)[0].strip().lower()
    return essence == "application/json" or (essence.startswith("application/") and essence.endswith("+json"))


def _indented(value: Any, pad: str, depth: int, out: list[str]) -> None:
    if isinstance(value, dict) and value:
        inner = "\n" + pad * (depth + 1)
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            out.append(("," if i else "") + inner + dumps(key).decode() + ": ")
            _indented(item, pad, depth + 1, out)
        out.append("\n" + pad * depth + "}")
    elif isinstance(value, list) and value:
        inner = "\n" + pad * (depth + 1)
        out.append("[")
        for i, item in enumerate(value):
            out.append(("," if i else "") + inner)
            _indented(item, pad, depth + 1, out)
        out.append("\n" + pad * depth + "]")
    else:
        out.append(dumps(value).decode())


def pretty_dumps(value: Any, space: int = 2) -> str:
    """``value`` as indented JSON, exactly as ``JSON.stringify(value, null, space)``."""
    out: list[str] = []
    _indented(value, " " * space, 0, out)
    return "".join(out)


def pretty_json(
    *, space: int = 2, query: str = "pretty", force: bool = False
) -> Callable[[Context, Next], Awaitable[None]]:
    """Middleware that indents JSON responses when ``?{query}`` is in the URL.

    ``space`` is 1..10 as in JavaScript (ValueError otherwise); ``query`` must be a
    non-empty name; ``force=True`` indents every JSON response.
    """
    if isinstance(space, bool) or not isinstance(space, int) or not 1 <= space <= 10:
        raise ValueError(f"space must be an int from 1 to 10, not {space!r}")
    if not isinstance(query, str) or not query:
        raise ValueError("query must be a non-empty str")

    async def pretty_json_middleware(c: Context, next: Next) -> None:
        await next()
        if not force and c.req.query(query) is None:
            return
        res = c.res
        content_type = res.headers.get("content-type")
        body = res.body_bytes
        if body is None or not is_json_type(content_type):
            return
        from ..response import Response

        try:
            data = loads(body)
        except ValueError:
            return
        c.res = Response(pretty_dumps(data, space), res.status, {"content-type": content_type or ""})
        c.res.headers.delete("content-length")

    return pretty_json_middleware
