"""``secure_headers()``: the security response headers Hono's ``secureHeaders()`` sets.

```python
from edgekit.middleware.secure_headers import NONCE, secure_headers

app.use(secure_headers())                                   # the defaults below
app.use(secure_headers(
    x_frame_options="DENY",                                 # another value
    strict_transport_security=False,                        # left out
    content_security_policy={"default-src": ["'self'"], "script-src": ["'self'", NONCE]},
))

@app.get("/")
def page(c):
    return c.html(f'<script nonce="{c.get("secure_headers_nonce")}">...</script>')
```

Defaults (each a keyword argument named after the header in snake case: a str replaces
the value, ``False`` leaves the header out, ``True`` keeps the default):

| header | default |
| --- | --- |
| Cross-Origin-Embedder-Policy | off (``True`` gives ``require-corp``) |
| Cross-Origin-Opener-Policy | ``same-origin`` |
| Cross-Origin-Resource-Policy | ``same-origin`` |
| Origin-Agent-Cluster | ``?1`` |
| Referrer-Policy | ``no-referrer`` |
| Strict-Transport-Security | ``max-age=15552000; includeSubDomains`` |
| X-Content-Type-Options | ``nosniff`` |
| X-DNS-Prefetch-Control | ``off`` |
| X-Download-Options | ``noopen`` |
| X-Frame-Options | ``SAMEORIGIN`` |
| X-Permitted-Cross-Domain-Policies | ``none`` |
| X-XSS-Protection | ``0`` (the old filters did more harm than good) |

``X-Powered-By`` is removed (``remove_powered_by=False`` keeps it). These headers are set
on every response after the handler ran, replacing a value the handler gave: the
policy lives in one place. ``content_security_policy`` (and ``..._report_only``) and
``permissions_policy`` are built from dicts (see :func:`build_csp`,
:func:`build_permissions_policy`). Where a CSP source list holds :data:`NONCE`, each
request gets a fresh random nonce, written into the policy as ``'nonce-...'`` and
stored as ``c.get("secure_headers_nonce")`` (:data:`NONCE_KEY`) before the handler runs.

Every value is checked when the middleware is made: CR, LF or NUL (header injection),
or a ``;`` or ``,`` inside a CSP source (directive injection), raises ValueError.
"""

from __future__ import annotations

import os

from ..headers import Headers

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, Mapping

    from ..context import Context

    Next = Callable[[], Awaitable[None]]
    Middleware = Callable[[Context, Next], Awaitable[None]]
    Sources = str | Iterable[object]

NONCE_KEY = "secure_headers_nonce"


class _Nonce:
    """The placeholder for the per-request nonce in a CSP source list."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NONCE"


NONCE = _Nonce()

DEFAULTS = {
    "cross-origin-embedder-policy": "require-corp",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "origin-agent-cluster": "?1",
    "referrer-policy": "no-referrer",
    "strict-transport-security": "max-age=15552000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "x-dns-prefetch-control": "off",
    "x-download-options": "noopen",
    "x-frame-options": "SAMEORIGIN",
    "x-permitted-cross-domain-policies": "none",
    "x-xss-protection": "0",
}
_DIRECTIVE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def header_value(name: str, value: str) -> str:
    """``value`` as a ``name`` header would hold it; ValueError for CR, LF, NUL and the like."""
    if not isinstance(value, str):
        raise TypeError(f"the value for {name} must be a str, not {type(value).__name__}")
    checked = Headers([(name, value)]).get(name)
    if not checked:
        raise ValueError(f"the value for {name} must not be empty")
    return checked


def _directive_name(key: str) -> str:
    name = key.replace("_", "-").lower() if isinstance(key, str) else ""
    if not name or not _DIRECTIVE_CHARS.issuperset(name):
        raise ValueError(f"not a policy directive name: {key!r}")
    return name


def build_csp(directives: Mapping[str, Sources], nonce: str | None = None) -> str:
    """A Content-Security-Policy value from ``{directive: sources}``.

    Names may be written ``default-src`` or ``default_src``; sources are a str or a list
    (``[]`` for a directive without value, like ``upgrade-insecure-requests``).
    :data:`NONCE` in a list becomes ``'nonce-<nonce>'``. Raises ValueError for a source
    holding ``;``, ``,``, CR, LF or NUL, or for a :data:`NONCE` without ``nonce``.
    """
    parts = []
    for key, sources in directives.items():
        words = [_directive_name(key)]
        for source in [sources] if isinstance(sources, str) else sources:
            if source is NONCE:
                if nonce is None:
                    raise ValueError("build_csp(): NONCE in the policy but no nonce given")
                source = f"'nonce-{nonce}'"
            if not isinstance(source, str) or not source or any(ch in source for ch in ";,\r\n\0"):
                raise ValueError(f"not a CSP source for {key!r}: {source!r}")
            words.append(source.strip())
        parts.append(" ".join(words))
    return header_value("content-security-policy", "; ".join(parts))


def build_permissions_policy(features: Mapping[str, str | Iterable[str]]) -> str:
    """A Permissions-Policy value from ``{feature: allowlist}``.

    An allowlist is ``"*"``, ``"self"``, an origin, or a list of them (``[]``: no one);
    ``{"camera": [], "geolocation": ["self", "https://maps.example"]}`` gives
    ``camera=(), geolocation=(self "https://maps.example")``.
    """
    parts = []
    for key, allowlist in features.items():
        items = [allowlist] if isinstance(allowlist, str) else list(allowlist)
        words = []
        for item in items:
            if not isinstance(item, str) or not item or any(ch in item for ch in ' ,;()"\r\n\0'):
                raise ValueError(f"not a Permissions-Policy allowlist entry for {key!r}: {item!r}")
            words.append(item if item in ("*", "self", "src") else f'"{item}"')
        name = _directive_name(key)
        parts.append(f"{name}=*" if words == ["*"] else f"{name}=({' '.join(words)})")
    return header_value("permissions-policy", ", ".join(parts))


def _uses_nonce(directives: Mapping[str, Sources] | None) -> bool:
    if not directives:
        return False
    return any(not isinstance(sources, str) and any(s is NONCE for s in sources) for sources in directives.values())


def secure_headers(
    *,
    content_security_policy: Mapping[str, Sources] | None = None,
    content_security_policy_report_only: Mapping[str, Sources] | None = None,
    permissions_policy: Mapping[str, str | Iterable[str]] | None = None,
    cross_origin_embedder_policy: str | bool = False,
    cross_origin_opener_policy: str | bool = True,
    cross_origin_resource_policy: str | bool = True,
    origin_agent_cluster: str | bool = True,
    referrer_policy: str | bool = True,
    strict_transport_security: str | bool = True,
    x_content_type_options: str | bool = True,
    x_dns_prefetch_control: str | bool = True,
    x_download_options: str | bool = True,
    x_frame_options: str | bool = True,
    x_permitted_cross_domain_policies: str | bool = True,
    x_xss_protection: str | bool = True,
    remove_powered_by: bool = True,
) -> Middleware:
    """Middleware that sets security headers on every response (see the module doc)."""
    chosen = {
        "cross-origin-embedder-policy": cross_origin_embedder_policy,
        "cross-origin-opener-policy": cross_origin_opener_policy,
        "cross-origin-resource-policy": cross_origin_resource_policy,
        "origin-agent-cluster": origin_agent_cluster,
        "referrer-policy": referrer_policy,
        "strict-transport-security": strict_transport_security,
        "x-content-type-options": x_content_type_options,
        "x-dns-prefetch-control": x_dns_prefetch_control,
        "x-download-options": x_download_options,
        "x-frame-options": x_frame_options,
        "x-permitted-cross-domain-policies": x_permitted_cross_domain_policies,
        "x-xss-protection": x_xss_protection,
    }
    fixed: list[tuple[str, str]] = []
    for name, option in chosen.items():
        if option is True:
            fixed.append((name, DEFAULTS[name]))
        elif option is not False:
            fixed.append((name, header_value(name, option)))
    if permissions_policy:
        fixed.append(("permissions-policy", build_permissions_policy(permissions_policy)))
    policies = [
        (name, directives)
        for name, directives in (
            ("content-security-policy", content_security_policy),
            ("content-security-policy-report-only", content_security_policy_report_only),
        )
        if directives
    ]
    with_nonce = any(_uses_nonce(directives) for _, directives in policies)
    # Built once here (with a sample nonce) so a bad policy fails at setup, not per request.
    built = [(name, build_csp(directives, "0")) for name, directives in policies]
    if not with_nonce:
        fixed.extend(built)

    async def secure_headers_middleware(c: Context, next: Next) -> None:
        nonce = None
        if with_nonce:
            nonce = os.urandom(16).hex()  # 128 bits; `secrets` would import `random` too
            c.set(NONCE_KEY, nonce)
        await next()
        headers = c.res.headers
        for name, value in fixed:
            headers.set(name, value)
        if nonce is not None:
            for name, directives in policies:
                headers.set(name, build_csp(directives, nonce))
        if remove_powered_by:
            headers.delete("x-powered-by")

    return secure_headers_middleware
