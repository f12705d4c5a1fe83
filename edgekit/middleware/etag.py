"""``etag()``: entity tags for responses, and ``304 Not Modified`` when the client has them.

```python
app.use(etag())              # ETag: "<sha1 of the body>"
app.use(etag(weak=True))     # ETag: W/"<sha1 of the body>"
```

A 200 response with a known body gets an ``ETag`` (one the handler set is kept as it
is).  When a GET or HEAD request's ``If-None-Match`` lists that tag (compared weakly,
as RFC 9110 section 13.1.2 requires: ``W/"x"`` matches ``"x"``) or is ``*``, the answer
is a ``304`` with no body that keeps only the headers RFC 9110 section 15.4.5 keeps:
Cache-Control, Content-Location, Date, ETag, Expires and Vary.

A streamed body is left untagged unless ``streams=True``, which reads the whole
stream into memory to hash it (fine for bounded responses, wrong for endless ones).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable

    from ..context import Context

    Next = Callable[[], Awaitable[None]]

RETAINED_304_HEADERS = ("cache-control", "content-location", "date", "etag", "expires", "vary")


def make_etag(body: bytes, weak: bool = False) -> str:
    """The entity tag of ``body``: its SHA-1 in hex, quoted, ``W/`` prefixed when ``weak``."""
    import hashlib

    tag = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest() + '"'
    return "W/" + tag if weak else tag


def parse_entity_tags(header: str) -> list[str] | None:
    """The opaque tags (quotes included, ``W/`` dropped) listed in an If-None-Match value.

    None stands for ``*``.  Malformed members are skipped: a comma inside quotes
    belongs to the tag, and anything that is not ``"..."`` or ``W/"..."`` is ignored.
    """
    if header.strip() == "*":
        return None
    tags: list[str] = []
    i, n = 0, len(header)
    while i < n:
        if header[i] in " \t,":
            i += 1
            continue
        if header.startswith("W/", i):
            i += 2
        if i < n and header[i] == '"':
            end = header.find('"', i + 1)
            if end < 0:
                break
            tags.append(header[i : end + 1])
            i = end + 1
        else:
            comma = header.find(",", i)
            i = n if comma < 0 else comma + 1
    return tags


def weak_match(etag: str, if_none_match: str) -> bool:
    """Whether ``if_none_match`` (a header value) matches ``etag`` by weak comparison."""
    tags = parse_entity_tags(if_none_match)
    if tags is None:
        return True
    opaque = etag[2:] if etag.startswith("W/") else etag
    return opaque in tags


def etag(
    *, weak: bool = False, streams: bool = False, retained_headers: Iterable[str] = RETAINED_304_HEADERS
) -> Callable[[Context, Next], Awaitable[None]]:
    """Middleware that tags 200 responses and answers matching ``If-None-Match`` with 304.

    ``weak`` makes generated tags weak (for bodies that are equivalent rather than
    byte-identical, for instance after compression); ``streams`` hashes streamed
    bodies too (buffering them); ``retained_headers`` are the headers a 304 keeps.
    """
    keep = frozenset(name.lower() for name in retained_headers)

    async def etag_middleware(c: Context, next: Next) -> None:
        await next()
        res = c.res
        if res.status != 200:
            return
        tag = res.headers.get("etag")
        if tag is None:
            body = res.body_bytes
            if body is None:
                if not streams:
                    return
                body = await res.bytes()
            tag = make_etag(body, weak)
            res.headers.set("etag", tag)
        if_none_match = c.req.header("if-none-match")
        if if_none_match is None or c.req.method not in ("GET", "HEAD") or not weak_match(tag, if_none_match):
            return
        from ..response import Response

        c.res = Response(None, 304)
        headers = c.res.headers
        for name in headers.keys():
            if name not in keep:
                headers.delete(name)

    return etag_middleware
