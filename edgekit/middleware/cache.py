"""HTTP caching: ``Cache-Control`` helpers and a ``cache()`` middleware over a response store.

```python
from edgekit.middleware.cache import MemoryCache, cache, cache_control

@app.get("/about")
def about(c):
    c.header("cache-control", cache_control(public=True, max_age=300, stale_while_revalidate=60))
    return c.html(ABOUT)

app.use("/api/catalog/*", cache(MemoryCache(), cache_control="public, max-age=60"))
```

``cache()`` serves GET and HEAD requests from a :class:`ResponseCache` and stores
the 200 responses it may: those with an explicit lifetime (``s-maxage`` or
``max-age`` above 0) and without ``no-store``, ``no-cache``, ``private``,
``Vary: *``, a Vary it does not key on, or ``Set-Cookie``.  Requests with an
``Authorization`` header bypass it (RFC 9111 section 3.5: a shared cache must not
serve one user's authorized answer to another).  The client's own Cache-Control is
not honoured, as on Cloudflare: otherwise anyone could make every request miss.

The store is a protocol, so the same middleware runs on :class:`MemoryCache` (a
bounded LRU in this isolate or process) and on the Workers Cache API.  Register it
inside ``compress()`` (after it), so that bodies are stored uncompressed and
compressed per client on the way out.
"""

from __future__ import annotations

from typing import Protocol

from ..response import Response

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections import OrderedDict
    from collections.abc import Awaitable, Callable, Iterable

    from ..context import Context

    Next = Callable[[], Awaitable[None]]


class ResponseCache(Protocol):
    """Where :func:`cache` keeps responses, keyed by URL (the Workers Cache API's shape)."""

    async def match(self, url: str) -> Response | None:
        """The stored, still fresh response for ``url``, or None."""
        ...

    async def put(self, url: str, response: Response) -> None:
        """Store ``response`` (the store may decline, for instance when it has no lifetime)."""
        ...

    async def delete(self, url: str) -> bool:
        """Forget ``url``; whether there was an entry."""
        ...


# -- Cache-Control ------------------------------------------------------------

_DURATIONS = frozenset(("max-age", "s-maxage", "stale-while-revalidate", "stale-if-error"))


def cache_control(
    *,
    max_age: int | None = None,
    s_maxage: int | None = None,
    public: bool = False,
    private: bool = False,
    no_cache: bool = False,
    no_store: bool = False,
    no_transform: bool = False,
    must_revalidate: bool = False,
    proxy_revalidate: bool = False,
    must_understand: bool = False,
    immutable: bool = False,
    stale_while_revalidate: int | None = None,
    stale_if_error: int | None = None,
) -> str:
    """A Cache-Control value from keyword arguments (RFC 9111, RFC 5861, RFC 8246).

    ``cache_control(public=True, max_age=600, immutable=True)`` is
    ``"public, max-age=600, immutable"``.  Durations are whole seconds >= 0;
    ``public`` with ``private`` and an empty result raise ValueError.
    """
    if public and private:
        raise ValueError("a response cannot be both public and private")
    directives: tuple[tuple[str, bool | int | None], ...] = (
        ("public", public),
        ("private", private),
        ("no-cache", no_cache),
        ("no-store", no_store),
        ("max-age", max_age),
        ("s-maxage", s_maxage),
        ("stale-while-revalidate", stale_while_revalidate),
        ("stale-if-error", stale_if_error),
        ("must-revalidate", must_revalidate),
        ("proxy-revalidate", proxy_revalidate),
        ("no-transform", no_transform),
        ("must-understand", must_understand),
        ("immutable", immutable),
    )
    parts = []
    for name, arg in directives:
        if name not in _DURATIONS:
            if arg:
                parts.append(name)
        elif arg is not None:
            if isinstance(arg, bool) or not isinstance(arg, int) or arg < 0:
                raise ValueError(f"{name} must be a whole number of seconds >= 0, not {arg!r}")
            parts.append(f"{name}={arg}")
    if not parts:
        raise ValueError("cache_control() needs at least one directive")
    return ", ".join(parts)


def parse_cache_control(value: str | None) -> dict[str, str | None]:
    """The directives of a Cache-Control value: lowercase names to values (None when bare).

    Quoted values are unquoted; a directive given twice keeps its first value.
    """
    directives: dict[str, str | None] = {}
    if not value:
        return directives
    for part in _split_outside_quotes(value):
        name, eq, arg = part.partition("=")
        name = name.strip().lower()
        if not name:
            continue
        arg = arg.strip()
        if len(arg) >= 2 and arg[0] == arg[-1] == '"':
            arg = arg[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        directives.setdefault(name, arg if eq else None)
    return directives


def _split_outside_quotes(value: str) -> list[str]:
    parts, start, quoted, escaped = [], 0, False, False
    for i, ch in enumerate(value):
        if escaped:
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            parts.append(value[start:i])
            start = i + 1
    parts.append(value[start:])
    return parts


def _seconds(directives: dict[str, str | None], name: str) -> int | None:
    arg = directives.get(name)
    return int(arg) if arg is not None and arg.isascii() and arg.isdigit() else None


def shared_lifetime(directives: dict[str, str | None]) -> int | None:
    """How long a shared cache may serve the response: ``s-maxage``, else ``max-age``, else None."""
    lifetime = _seconds(directives, "s-maxage")
    return _seconds(directives, "max-age") if lifetime is None else lifetime


def is_storable(response: Response, varies_on: Iterable[str] = ()) -> bool:
    """Whether a shared cache may store ``response`` (see the module doc for the rules).

    ``varies_on`` are the lowercase request headers the cache keys on, the only ones
    a ``Vary`` may name.
    """
    if response.status != 200:
        return False
    headers = response.headers
    if headers.has("set-cookie"):
        return False
    directives = parse_cache_control(headers.get("cache-control"))
    if "no-store" in directives or "private" in directives or "no-cache" in directives:
        return False
    lifetime = shared_lifetime(directives)
    if not lifetime:
        return False
    vary = headers.get("vary")
    if vary:
        keyed = set(varies_on)
        for name in vary.split(","):
            name = name.strip().lower()
            if name and name not in keyed:
                return False  # "*" included: it can never be keyed on
    return True


# -- the in-memory store -----------------------------------------------------


class _Entry:
    __slots__ = ("status", "headers", "body", "stored_at", "expires_at", "size")

    def __init__(
        self, status: int, headers: list[tuple[str, str]], body: bytes, stored_at: float, expires_at: float
    ) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.stored_at = stored_at
        self.expires_at = expires_at
        self.size = len(body) + sum(len(n) + len(v) for n, v in headers)


class MemoryCache:
    """A :class:`ResponseCache` in memory: least recently used entries go first.

    ``max_entries`` and ``max_bytes`` (bodies plus headers) bound it; a response
    larger than ``max_bytes`` is not stored.  An entry lives for its ``s-maxage``
    or ``max-age``; one without either is not stored.  ``clock`` returns seconds
    (default :func:`time.monotonic`).  On Workers it lives per isolate: each isolate
    has its own, and it is gone when the isolate is.
    """

    def __init__(
        self, max_entries: int = 1000, max_bytes: int = 16 * 1024 * 1024, clock: Callable[[], float] | None = None
    ) -> None:
        from collections import OrderedDict

        for name, limit in (("max_entries", max_entries), ("max_bytes", max_bytes)):
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
                raise ValueError(f"{name} must be a positive int, not {limit!r}")
        from time import monotonic

        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._clock: Callable[[], float] = clock or monotonic
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        """The bytes held (bodies plus headers)."""
        return self._bytes

    async def match(self, url: str) -> Response | None:
        """A fresh copy of the stored response, with an ``Age`` header; None when absent or expired."""
        entry = self._entries.get(url)
        if entry is None:
            return None
        now = self._clock()
        if now >= entry.expires_at:
            self._drop(url)
            return None
        self._entries.move_to_end(url)
        response = Response(entry.body, entry.status, entry.headers)
        response.headers.set("age", str(int(now - entry.stored_at)))
        return response

    async def put(self, url: str, response: Response) -> None:
        """Store ``response`` (its body is read, once) for its lifetime; too large or no lifetime: skipped."""
        lifetime = shared_lifetime(parse_cache_control(response.headers.get("cache-control")))
        body = await response.bytes()
        if url in self._entries:
            self._drop(url)
        if not lifetime:
            return
        now = self._clock()
        headers = [(n, v) for n, v in response.headers.raw_items() if n != "age"]
        entry = _Entry(response.status, headers, body, now, now + lifetime)
        if entry.size > self.max_bytes:
            return
        while self._entries and (len(self._entries) >= self.max_entries or self._bytes + entry.size > self.max_bytes):
            self._drop(next(iter(self._entries)))
        self._entries[url] = entry
        self._bytes += entry.size

    async def delete(self, url: str) -> bool:
        """Forget ``url``; True when there was an entry."""
        if url not in self._entries:
            return False
        self._drop(url)
        return True

    def _drop(self, url: str) -> None:
        self._bytes -= self._entries.pop(url).size


# -- the middleware ----------------------------------------------------------


def _default_key(c: Context) -> str:
    url = c.req.url
    cut = url.find("#")
    return url if cut < 0 else url[:cut]


def cache(
    store: ResponseCache,
    *,
    cache_control: str | None = None,
    vary: Iterable[str] = (),
    key: Callable[[Context], str] | None = None,
    wait: bool = False,
) -> Callable[[Context, Next], Awaitable[Response | None]]:
    """Middleware that answers GET and HEAD from ``store`` and stores what GET produced, if it may.

    ``cache_control`` is set on responses that have no Cache-Control of their own
    (build it with :func:`cache_control`); ``vary`` names request headers whose
    values become part of the key (and are added to the response's Vary);
    ``key(c)`` makes the key (default: the URL without its fragment); ``wait=True``
    stores before answering instead of after it (through ``c.ctx.wait_until``).
    """
    if not hasattr(store, "match") or not hasattr(store, "put"):
        raise TypeError(f"store must be a ResponseCache (match, put, delete), not {type(store).__name__}")
    from ..headers import Headers
    from .cors import add_vary

    vary_names = tuple(vary)
    varies_on = tuple(name.lower() for name in vary_names)
    Headers([(name, "x") for name in vary_names])  # names checked once, here
    make_key = key or _default_key

    def cache_key(c: Context) -> str:
        base = make_key(c)
        if not varies_on:
            return base
        import hashlib

        values = "\n".join(f"{name}:{c.req.header(name) or ''}" for name in varies_on)
        digest = hashlib.sha1(values.encode(), usedforsecurity=False).hexdigest()
        # The key stays a URL, as the Workers Cache API needs one.
        return base + ("&" if "?" in base else "?") + "edgekit-vary=" + digest

    async def cache_middleware(c: Context, next: Next) -> Response | None:
        if c.req.method not in ("GET", "HEAD") or c.req.header("authorization") is not None:
            await next()
            return None
        url = cache_key(c)
        hit = await store.match(url)
        if hit is not None:
            return hit
        await next()
        res = c.res
        if res.status != 200 or c.req.method != "GET":
            return None  # a HEAD answer may lack the body a later GET needs
        if cache_control is not None and not res.headers.has("cache-control"):
            res.headers.set("cache-control", cache_control)
        for name in vary_names:
            add_vary(res.headers, name)
        if not is_storable(res, varies_on):
            return None
        # Read once (a stream too): c.res keeps the content and the store gets a copy.
        body = await res.bytes()
        stored = store.put(url, Response(body, res.status, res.headers))
        if wait:
            await stored
        else:
            c.ctx.wait_until(stored)
        return None

    return cache_middleware
