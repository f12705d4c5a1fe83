"""``bearer_auth()``: let a request through only with a known bearer token (RFC 6750).

```python
from edgekit.middleware.bearer_auth import bearer_auth

app.use("/api/*", bearer_auth(token="s3cret"))                   # one token
app.use("/api/*", bearer_auth(token=["key-a", "key-b"]))         # any of several
app.use("/api/*", bearer_auth(verify_token=lambda token, c: token in c.env.KEYS))
```

The request must carry ``Authorization: Bearer <token>`` (the scheme name matched in
any letter case, ``prefix=`` changes it; ``header_name=`` reads another header). Answers,
as ``HTTPException`` responses so an ``on_error`` handler sees them:

* no header: 401 with ``WWW-Authenticate: Bearer realm="..."``;
* a header that is not ``<prefix> <token68>``: 400, ``error="invalid_request"``;
* an unknown token: 401, ``error="invalid_token"``.

Tokens are compared through their SHA-256 digests with :func:`hmac.compare_digest`, and
every configured token is compared, so timing tells neither the token nor its length.
"""

from __future__ import annotations

import hashlib
import hmac

from ..compose import resolve
from ..headers import is_token
from ..http_exception import HTTPException
from ..response import Response

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable
    from typing import Any

    from ..context import Context

    Next = Callable[[], Awaitable[None]]
    Middleware = Callable[[Context, Next], Awaitable[None]]

_TOKEN68 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/")


def secret_digest(secret: str | bytes) -> bytes:
    """The SHA-256 digest compared in place of ``secret``, so comparisons leak no length."""
    return hashlib.sha256(secret.encode("utf-8") if isinstance(secret, str) else secret).digest()


def matches_any(candidate: str | bytes, digests: Iterable[bytes]) -> bool:
    """Whether ``candidate`` equals one of the secrets behind ``digests``, in constant time.

    Every digest is compared (no early exit), so the time does not say which one matched.
    """
    probe = secret_digest(candidate)
    found = False
    for digest in digests:
        found |= hmac.compare_digest(probe, digest)
    return found


def quoted_string(value: str, what: str) -> str:
    """``value`` as an HTTP quoted-string; ValueError for characters a header cannot carry."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    if any(ch in value for ch in "\r\n\0") or any(ord(ch) > 0xFF for ch in value):
        raise ValueError(f"{what} contains a character a header cannot carry: {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def read_credentials(header: str, prefix: str) -> str | None:
    """The token in ``<prefix> <token68>`` (prefix in any case), or None when malformed.

    With an empty ``prefix`` the whole header is the token. Spaces around are allowed.
    """
    value = header.strip(" \t")
    if prefix:
        scheme, space, rest = value.partition(" ")
        if not space or scheme.lower() != prefix.lower():
            return None
        value = rest.lstrip(" ")
    bare = value.rstrip("=")
    if not bare or not _TOKEN68.issuperset(bare):
        return None
    return value


def check_scheme(prefix: str) -> str:
    """``prefix`` checked as an auth-scheme name (letters, digits and ``!#$%&'*+-.^_`|~``)."""
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a str, not {type(prefix).__name__}")
    if prefix and not is_token(prefix):
        raise ValueError(f"prefix must be an HTTP token (an auth-scheme name), not {prefix!r}")
    return prefix


def check_header_name(name: str) -> str:
    """``name`` checked as a header name (ValueError otherwise), so no request trips on it."""
    if not isinstance(name, str) or not is_token(name):
        raise ValueError(f"not a header name: {name!r}")
    return name


def _challenge(status: int, message: str, www_authenticate: str) -> HTTPException:
    response = Response.text(message, status=status, headers=[("www-authenticate", www_authenticate)])
    return HTTPException(status, message, response=response)


def bearer_auth(
    token: str | Iterable[str] | None = None,
    *,
    verify_token: Callable[[str, Context], bool | Awaitable[bool]] | None = None,
    realm: str = "",
    prefix: str = "Bearer",
    header_name: str = "Authorization",
) -> Middleware:
    """Middleware that answers 401/400 unless the request carries an accepted bearer token.

    Give exactly one of ``token`` (a str or several) and ``verify_token(token, c)`` (sync
    or async, truthy to accept). ``realm`` goes into the ``WWW-Authenticate`` challenge.
    Configuration errors (no token, empty token, a realm or prefix a header cannot carry)
    raise here, not on a request.
    """
    if (token is None) == (verify_token is None):
        raise TypeError("bearer_auth() takes either token= or verify_token=, not both or neither")
    digests: list[bytes] = []
    if token is not None:
        tokens = [token] if isinstance(token, str) else list(token)
        if not tokens or not all(isinstance(t, str) and t for t in tokens):
            raise ValueError("bearer_auth(token=...) needs non-empty str tokens")
        digests = [secret_digest(t) for t in tokens]
    scheme = check_scheme(prefix)
    check_header_name(header_name)
    label = scheme or "Bearer"
    missing = f"{label} realm={quoted_string(realm, 'realm')}"
    malformed = f'{label} error="invalid_request"'
    rejected = f'{label} error="invalid_token"'

    async def bearer_auth_middleware(c: Context, next: Next) -> None:
        header = c.req.header(header_name)
        if header is None:
            raise _challenge(401, "Unauthorized", missing)
        credentials = read_credentials(header, scheme)
        if credentials is None:
            raise _challenge(400, "Bad Request", malformed)
        if verify_token is not None:
            accepted: Any = await resolve(verify_token(credentials, c))
        else:
            accepted = matches_any(credentials, digests)
        if not accepted:
            raise _challenge(401, "Unauthorized", rejected)
        await next()

    return bearer_auth_middleware
