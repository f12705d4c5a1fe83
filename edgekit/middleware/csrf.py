"""``csrf()``: refuse cross-site form submissions, by ``Origin`` and ``Sec-Fetch-Site``.

```python
from edgekit.middleware.csrf import csrf

app.use(csrf())                                                   # same origin as the request URL
app.use(csrf(origin=["https://example.com", "https://admin.example.com"]))
app.use(csrf(origin=lambda origin, c: origin.endswith(".example.com"), sec_fetch_site=["same-origin", "same-site"]))
```

What is checked: requests with an unsafe method (anything but GET, HEAD and OPTIONS)
whose ``Content-Type`` is one an HTML form or a simple cross-site ``fetch`` can send
without a CORS preflight: ``application/x-www-form-urlencoded``, ``multipart/form-data``,
``text/plain``, or none at all. Other content types (``application/json``...) cannot
come cross-site without a preflight, which the browser only lets through under a CORS
policy, so they pass; use :mod:`~edgekit.middleware.cors` to control those.

A checked request passes when either

* its ``Sec-Fetch-Site`` header is allowed (``sec_fetch_site``, default ``"same-origin"``;
  a str, several, or a callable ``(value, c) -> bool``; None turns this check off), or
* its ``Origin`` header is allowed (``origin``: default the request URL's own origin; a
  str, several, or a callable ``(origin, c) -> bool``).

Everything else is a 403 (an ``HTTPException``): a cross-site Origin, ``Origin: null``,
and a form POST with neither header, which fails closed. Behind a proxy that changes the
scheme or host, the URL's origin is not the browser's: pass ``origin=`` explicitly.
"""

from __future__ import annotations

from ..compose import resolve
from ..http_exception import HTTPException
from .cors import check_origin

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable

    from ..context import Context

    Next = Callable[[], Awaitable[None]]
    Middleware = Callable[[Context, Next], Awaitable[None]]
    Check = Callable[[str, Context], bool | Awaitable[bool]]

SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))
# Prefixes, not exact types: a value that merely starts like a form type is checked too.
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
SEC_FETCH_SITE_VALUES = frozenset(("same-origin", "same-site", "none", "cross-site"))


def is_form_like(content_type: str | None) -> bool:
    """Whether a request with this Content-Type may come cross-site without a preflight."""
    if content_type is None:
        return True
    media = content_type.lstrip(" \t").lower()
    return media == "" or media.startswith(FORM_TYPES)


def _own_origin(origin: str, c: Context) -> bool:
    own = c.req.raw.url_object.origin
    return own != "null" and origin == own


def _origin_check(origin: str | Iterable[str] | Check | None) -> Check:
    if origin is None:
        return _own_origin
    if callable(origin):
        return origin
    allowed = frozenset(check_origin(item) for item in ([origin] if isinstance(origin, str) else origin))
    if not allowed:
        raise ValueError("csrf(): an empty origin list would refuse every form; leave origin= out for the default")
    return lambda value, c: value in allowed


def _site_check(sec_fetch_site: str | Iterable[str] | Check | None) -> Check | None:
    if sec_fetch_site is None or callable(sec_fetch_site):
        return sec_fetch_site
    allowed = frozenset([sec_fetch_site] if isinstance(sec_fetch_site, str) else sec_fetch_site)
    unknown = allowed - SEC_FETCH_SITE_VALUES
    if unknown:
        raise ValueError(f"csrf(): Sec-Fetch-Site values are {sorted(SEC_FETCH_SITE_VALUES)}, not {sorted(unknown)}")
    return lambda value, c: value in allowed


def csrf(
    origin: str | Iterable[str] | Check | None = None,
    *,
    sec_fetch_site: str | Iterable[str] | Check | None = "same-origin",
) -> Middleware:
    """Middleware that answers 403 to cross-site form-like requests (see the module doc).

    Configuration errors (a malformed origin, an unknown Sec-Fetch-Site value) raise here.
    """
    origin_allowed = _origin_check(origin)
    site_allowed = _site_check(sec_fetch_site)

    async def csrf_middleware(c: Context, next: Next) -> None:
        if c.req.method not in SAFE_METHODS and is_form_like(c.req.header("content-type")):
            site = c.req.header("sec-fetch-site")
            request_origin = c.req.header("origin")
            if not (
                (site_allowed is not None and site is not None and await resolve(site_allowed(site, c)))
                or (request_origin is not None and await resolve(origin_allowed(request_origin, c)))
            ):
                raise HTTPException(403, "Forbidden: cross-site request refused")
        await next()

    return csrf_middleware
