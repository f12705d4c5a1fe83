"""``jwt()``: let a request through only with a valid HMAC-signed JSON Web Token.

```python
from edgekit.middleware.jwt import jwt

app.use("/api/*", jwt(secret="change-me"))                         # Authorization: Bearer <jwt>
app.use("/api/*", jwt(secret=key, alg="HS512", cookie="session", leeway=30))

@app.get("/api/me")
def me(c):
    return {"user": c.get("jwt_payload")["sub"]}
```

The token is read from the ``Authorization`` header (``<prefix> <token>``, prefix
``Bearer`` by default) or, when the header is absent and ``cookie=`` names one, from
that cookie. It is checked by :func:`edgekit.helpers.jwt.verify`: the header's ``alg``
must equal ``alg`` (so ``none`` and algorithm confusion are refused), the signature
must match (constant-time comparison), and ``exp``/``nbf``/``iat`` must hold within
``leeway`` seconds. The verified payload is stored as ``c.get("jwt_payload")``
(:data:`PAYLOAD_KEY`).

Every failure is a 401 (an ``HTTPException`` response) whose body and
``WWW-Authenticate`` ``error_description`` say what was wrong: no token or a malformed
header (``error="invalid_request"``), or a token that did not verify
(``error="invalid_token"``: expired, bad signature, wrong algorithm, ...).
"""

from __future__ import annotations

from ..helpers.cookie import get_cookie
from ..helpers.jwt import ALGORITHMS, JwtError, check_leeway, verify
from ..http_exception import HTTPException
from ..response import Response
from .bearer_auth import check_header_name, check_scheme, quoted_string, read_credentials

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from ..context import Context

    Next = Callable[[], Awaitable[None]]
    Middleware = Callable[[Context, Next], Awaitable[None]]

PAYLOAD_KEY = "jwt_payload"


def jwt(
    secret: str | bytes,
    *,
    alg: str = "HS256",
    cookie: str | None = None,
    header_name: str = "Authorization",
    prefix: str = "Bearer",
    leeway: float = 0,
    realm: str = "",
) -> Middleware:
    """Middleware that answers 401 unless the request carries a JWT that verifies.

    ``secret`` is the HMAC key (str or bytes, not empty); ``alg`` the one accepted
    algorithm (HS256, HS384 or HS512). Configuration errors raise here.
    """
    if not isinstance(secret, (str, bytes)) or not secret:
        raise ValueError("jwt() needs a non-empty secret (str or bytes)")
    if alg not in ALGORITHMS:
        raise ValueError(f"jwt() alg must be one of {', '.join(ALGORITHMS)}, not {alg!r}")
    check_leeway(leeway)
    scheme = check_scheme(prefix)
    check_header_name(header_name)
    label = f"{scheme or 'Bearer'} realm={quoted_string(realm, 'realm')}"

    def unauthorized(error: str, description: str) -> HTTPException:
        challenge = (
            f"{label}, error={quoted_string(error, 'error')}, "
            f"error_description={quoted_string(description, 'description')}"
        )
        response = Response.text(f"Unauthorized: {description}", status=401, headers=[("www-authenticate", challenge)])
        return HTTPException(401, description, response=response)

    async def jwt_middleware(c: Context, next: Next) -> None:
        header = c.req.header(header_name)
        if header is not None:
            token = read_credentials(header, scheme)
            if token is None:
                raise unauthorized("invalid_request", f"the {header_name} header is not '{scheme} <token>'")
        else:
            value = get_cookie(c, cookie) if cookie is not None else None
            token = value if isinstance(value, str) else None
            if not token:
                raise unauthorized("invalid_request", "no token in the request")
        try:
            payload = verify(token, secret, alg, leeway=leeway)
        except JwtError as err:
            raise unauthorized("invalid_token", str(err)) from None
        c.set(PAYLOAD_KEY, payload)
        await next()

    return jwt_middleware
