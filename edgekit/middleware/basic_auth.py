"""``basic_auth()``: HTTP Basic authentication (RFC 7617).

```python
from edgekit.middleware.basic_auth import basic_auth

app.use("/admin/*", basic_auth(username="ada", password="lovelace"))
app.use("/admin/*", basic_auth(users={"ada": "lovelace", "alan": "turing"}))
app.use("/admin/*", basic_auth(verify_user=check_password))   # (username, password, c) -> bool
```

Anything but a correct ``Authorization: Basic <base64(user:password)>`` answers 401 with
``WWW-Authenticate: Basic realm="...", charset="UTF-8"`` (as an ``HTTPException``
response): no header, another scheme, malformed base64, no colon, credentials that are
not UTF-8, an unknown user or a wrong password, all alike. The accepted username is
stored for later handlers: ``c.get("basic_auth_user")``.

Credentials are compared through SHA-256 digests with :func:`hmac.compare_digest`,
against every configured user, so timing tells neither which user exists nor the
length of a password.
"""

from __future__ import annotations

import binascii

from ..compose import resolve
from ..http_exception import HTTPException
from ..response import Response
from .bearer_auth import matches_any, quoted_string, read_credentials, secret_digest

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping
    from typing import Any

    from ..context import Context

    Next = Callable[[], Awaitable[None]]
    Middleware = Callable[[Context, Next], Awaitable[None]]
    VerifyUser = Callable[[str, str, Context], bool | Awaitable[bool]]

USER_KEY = "basic_auth_user"


def decode_basic(header: str) -> tuple[str, str] | None:
    """``(username, password)`` from a ``Basic`` Authorization value, or None if malformed."""
    encoded = read_credentials(header, "Basic")
    if encoded is None:
        return None
    try:
        data = binascii.a2b_base64(encoded, strict_mode=True)
        # Python versions differ on excess padding: accept only the one canonical spelling.
        if binascii.b2a_base64(data, newline=False).decode("ascii") != encoded:
            return None
        decoded = data.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, colon, password = decoded.partition(":")
    if not colon:
        return None
    return username, password


def basic_auth(
    username: str | None = None,
    password: str | None = None,
    *,
    users: Mapping[str, str] | None = None,
    verify_user: VerifyUser | None = None,
    realm: str = "Secure Area",
) -> Middleware:
    """Middleware that answers 401 unless the request carries accepted Basic credentials.

    Give ``username`` and ``password``, or ``users`` (a mapping of usernames to
    passwords), or ``verify_user(username, password, c)`` (sync or async, truthy to
    accept). Usernames may not contain ``:`` (RFC 7617). Configuration errors raise here.
    """
    pairs = dict(users or {})
    if username is not None or password is not None:
        if username is None or password is None:
            raise TypeError("basic_auth() needs both username= and password=")
        pairs[username] = password
    if bool(pairs) == (verify_user is not None):
        raise TypeError("basic_auth() takes username=/password= or users=, or verify_user=, exactly one way")
    for name, secret in pairs.items():
        if not isinstance(name, str) or not isinstance(secret, str):
            raise TypeError("basic_auth() usernames and passwords must be str")
        if not name or ":" in name:
            raise ValueError(f"a Basic-auth username must be non-empty and contain no ':', not {name!r}")
    digests = [secret_digest(f"{name}:{secret}") for name, secret in pairs.items()]
    challenge = f'Basic realm={quoted_string(realm, "realm")}, charset="UTF-8"'

    def unauthorized() -> HTTPException:
        response = Response.text("Unauthorized", status=401, headers=[("www-authenticate", challenge)])
        return HTTPException(401, "Unauthorized", response=response)

    async def basic_auth_middleware(c: Context, next: Next) -> None:
        header = c.req.header("authorization")
        credentials = None if header is None else decode_basic(header)
        if credentials is None:
            raise unauthorized()
        name, secret = credentials
        if verify_user is not None:
            accepted: Any = await resolve(verify_user(name, secret, c))
        else:
            accepted = matches_any(f"{name}:{secret}", digests)
        if not accepted:
            raise unauthorized()
        c.set(USER_KEY, name)
        await next()

    return basic_auth_middleware
