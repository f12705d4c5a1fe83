"""``compress()``: gzip or deflate response bodies the client accepts.

```python
app.use(compress())                      # gzip or deflate, by Accept-Encoding
app.use(compress(encoding="gzip", threshold=2048, level=9))
```

The coding comes from the request's ``Accept-Encoding`` and its q-values (``q=0``
refuses a coding; ``*`` stands for the ones not named; gzip wins a tie).  A body is
compressed only when it is worth it and safe to:

- its Content-Type is a text-like type (``text/*``, JSON, JavaScript, XML, SVG,
  ``+json``/``+xml`` types, uncompressed fonts, WebAssembly); images, video, audio,
  archives and unknown types are already compressed or opaque and are left alone;
- it is at least ``threshold`` bytes (default 1024; a stream counts when its
  Content-Length says it is smaller);
- the response has no ``Content-Encoding`` or ``Content-Range`` yet, is not a 206,
  and its Cache-Control does not say ``no-transform``; the request is not HEAD.

A compressible response gets ``Vary: Accept-Encoding`` whether or not this client
took the compressed form (a shared cache must know it could differ).  Content-Length
is dropped (the runtime computes the new one) and a strong ETag becomes weak, since
the bytes sent are no longer the ones it was computed from.  A streamed body is
compressed chunk by chunk with :func:`zlib.compressobj`, each chunk flushed, so
nothing is buffered and server-sent events still arrive as they are written.
"""

from __future__ import annotations

from .cors import add_vary

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from ..context import Context

    Next = Callable[[], Awaitable[None]]

ENCODINGS = ("gzip", "deflate")
# zlib's wbits for each coding: 31 is the gzip container, 15 the zlib one, which is
# what HTTP calls "deflate" (RFC 9110 section 8.4.1.2).
_WBITS = {"gzip": 31, "deflate": 15}
_TEXTUAL_APPLICATION = frozenset(
    (
        "json",
        "javascript",
        "ecmascript",
        "x-javascript",
        "xml",
        "xhtml+xml",
        "rss+xml",
        "atom+xml",
        "x-www-form-urlencoded",
        "wasm",
        "graphql",
        "x-ndjson",
        "vnd.ms-fontobject",
        "x-font-ttf",
    )
)
_TEXTUAL_OTHER = frozenset(("image/svg+xml", "image/x-icon", "image/vnd.microsoft.icon", "font/ttf", "font/otf"))


def is_compressible(content_type: str | None) -> bool:
    """Whether a body of this Content-Type gains from compression (None: unknown, no)."""
    if not content_type:
        return False
    essence = content_type.split(";", 1)[0].strip().lower()
    kind, _, sub = essence.partition("/")
    if kind == "text":
        return True
    if essence in _TEXTUAL_OTHER:
        return True
    if kind != "application":
        return False
    return sub in _TEXTUAL_APPLICATION or sub.endswith(("+json", "+xml", "+text"))


def _qvalue(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value.strip())
            except ValueError:
                return 0.0  # an unreadable weight is no consent
            return q if 0 <= q <= 1 else 0.0
    return 1.0


def choose_encoding(accept_encoding: str | None, offered: tuple[str, ...] = ENCODINGS) -> str | None:
    """The coding of ``offered`` the client prefers by ``Accept-Encoding``, or None.

    Explicit entries win over ``*``; ``q=0`` (or an invalid q) refuses; ties go to
    the earlier of ``offered``; a coding listed twice counts as first listed.
    """
    if not accept_encoding:
        return None
    weights: dict[str, float] = {}
    for member in accept_encoding.split(","):
        coding, *params = member.split(";")
        coding = coding.strip().lower()
        if coding:
            weights.setdefault(coding, _qvalue(params))
    star = weights.get("*", 0.0)
    best, best_q = None, 0.0
    for coding in offered:
        q = weights.get(coding, star)
        if q > best_q:
            best, best_q = coding, q
    return best


async def _compress_stream(source: AsyncIterator[bytes], encoding: str, level: int) -> AsyncIterator[bytes]:
    import zlib

    compressor = zlib.compressobj(level, zlib.DEFLATED, _WBITS[encoding])
    async for chunk in source:
        if chunk:
            # A sync flush after each chunk: the client gets what the app wrote now,
            # not when the compressor's window fills up.
            yield compressor.compress(chunk) + compressor.flush(zlib.Z_SYNC_FLUSH)
    yield compressor.flush()


def compress(
    *, encoding: str | None = None, threshold: int = 1024, level: int = 6
) -> Callable[[Context, Next], Awaitable[None]]:
    """Middleware that compresses responses with gzip or deflate.

    ``encoding`` limits it to one of ``"gzip"`` or ``"deflate"`` (default: either,
    by the client's preference); ``threshold`` is the smallest body worth
    compressing, in bytes; ``level`` is zlib's 1 (fast) .. 9 (small).
    """
    if encoding is not None and encoding not in ENCODINGS:
        raise ValueError(f"encoding must be 'gzip' or 'deflate', not {encoding!r}")
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
        raise ValueError(f"threshold must be an int >= 0, not {threshold!r}")
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 9:
        raise ValueError(f"level must be an int from 1 to 9, not {level!r}")
    offered = ENCODINGS if encoding is None else (encoding,)

    async def compress_middleware(c: Context, next: Next) -> None:
        await next()
        res = c.res
        headers = res.headers
        if (
            res.status in (204, 206, 304)
            or c.req.method == "HEAD"
            or headers.has("content-encoding")
            or headers.has("content-range")
            or "no-transform" in (headers.get("cache-control") or "").lower()
            or not is_compressible(headers.get("content-type"))
        ):
            return
        body = res.body_bytes
        size = len(body) if body is not None else _declared_length(headers.get("content-length"))
        if size is not None and size < threshold:
            return
        add_vary(headers, "Accept-Encoding")
        chosen = choose_encoding(c.req.header("accept-encoding"), offered)
        if chosen is None:
            return
        if body is None:
            stream = res.body
            if stream is None:
                return
            compressed: bytes | AsyncIterator[bytes] = _compress_stream(stream, chosen, level)
        else:
            import zlib

            compressed = zlib.compress(body, level, wbits=_WBITS[chosen])
        from ..response import Response

        c.res = Response(compressed, res.status, {"content-type": headers.get("content-type") or ""})
        out = c.res.headers
        out.delete("content-length")
        out.set("content-encoding", chosen)
        tag = out.get("etag")
        if tag is not None and not tag.startswith("W/"):
            out.set("etag", "W/" + tag)

    return compress_middleware


def _declared_length(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())
