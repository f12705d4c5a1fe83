"""JSON Web Tokens signed with HMAC (HS256, HS384, HS512): ``sign``, ``verify`` and ``decode``.

The equivalent of Hono's ``hono/jwt``, on the standard library only (``hmac`` and
``hashlib``), so it runs unchanged in Pyodide and on WASI.

```python
from edgekit.helpers.jwt import sign, verify, JwtError

token = sign({"sub": "ada", "exp": int(time.time()) + 3600}, secret)
try:
    payload = verify(token, secret)                 # HS256 unless alg= says otherwise
except JwtError as err:
    ...                                             # str(err) says what was wrong
```

What :func:`verify` guarantees, failing with a :class:`JwtError` subclass otherwise:

* the token is three base64url segments (unpadded, canonical: no two spellings of
  one token verify), the header and payload are JSON objects;
* the header's ``alg`` is exactly the algorithm the caller configured: ``none``,
  RSA/EC names and any other algorithm are refused before any signature is looked at
  (no algorithm confusion), and a header with ``crit`` extensions is refused;
* the HMAC signature matches, compared in constant time;
* ``exp`` (expiry), ``nbf`` (not before) and ``iat`` (issued at) hold for the current
  time within ``leeway`` seconds, when present; present but not a number is an error.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time

from .. import json_codec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

__all__ = [
    "ALGORITHMS",
    "AlgorithmMismatch",
    "BadSignature",
    "JwtError",
    "MalformedToken",
    "TokenExpired",
    "TokenIssuedInFuture",
    "TokenNotYetValid",
    "UnsupportedAlgorithm",
    "check_leeway",
    "decode",
    "sign",
    "verify",
]

ALGORITHMS: dict[str, Callable[..., Any]] = {
    "HS256": hashlib.sha256,
    "HS384": hashlib.sha384,
    "HS512": hashlib.sha512,
}
_BASE64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


class JwtError(ValueError):
    """A token that must not be trusted; the message says why."""


class MalformedToken(JwtError):
    """Not three base64url segments of JSON objects, or a claim of the wrong type."""


class UnsupportedAlgorithm(JwtError):
    """The header names an algorithm this module does not verify (``none``, RS256, ...)."""


class AlgorithmMismatch(JwtError):
    """The header names a supported algorithm other than the configured one."""


class BadSignature(JwtError):
    """The signature does not match the header and payload under the secret."""


class TokenExpired(JwtError):
    """The ``exp`` claim has passed."""


class TokenNotYetValid(JwtError):
    """The ``nbf`` claim is still in the future."""


class TokenIssuedInFuture(JwtError):
    """The ``iat`` claim is in the future."""


def _b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(segment: str, what: str) -> bytes:
    # The stdlib decoder skips characters outside the alphabet and accepts
    # non-zero padding bits: both would let many strings stand for one token.
    if not segment or not _BASE64URL.issuperset(segment) or len(segment) % 4 == 1:
        raise MalformedToken(f"the {what} is not base64url")
    try:
        data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except binascii.Error:
        raise MalformedToken(f"the {what} is not base64url") from None
    if _b64url_encode(data) != segment:
        raise MalformedToken(f"the {what} is not canonical base64url")
    return data


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json_codec.loads(data)
    except ValueError:
        raise MalformedToken(f"the {what} is not JSON") from None
    if not isinstance(value, dict):
        raise MalformedToken(f"the {what} is not a JSON object")
    return value


def _key(secret: str | bytes) -> bytes:
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    elif not isinstance(secret, bytes):
        raise TypeError(f"a JWT secret must be str or bytes, not {type(secret).__name__}")
    if not secret:
        raise ValueError("a JWT secret must not be empty")
    return secret


def _digest(alg: str) -> Callable[..., Any]:
    digest = ALGORITHMS.get(alg) if isinstance(alg, str) else None
    if digest is None:
        raise UnsupportedAlgorithm(f"unsupported JWT algorithm {alg!r}; use one of {', '.join(ALGORITHMS)}")
    return digest


def sign(payload: Mapping[str, Any], secret: str | bytes, alg: str = "HS256") -> str:
    """A compact JWT for ``payload`` (a JSON object), signed with ``secret``.

    ``alg`` is HS256, HS384 or HS512 (anything else raises UnsupportedAlgorithm); the
    header is ``{"alg": alg, "typ": "JWT"}``. The payload is written as JavaScript's
    ``JSON.stringify`` writes it, so Hono verifies these tokens and the other way round.
    """
    digest = _digest(alg)
    if not isinstance(payload, dict):
        payload = dict(payload)
    signing_input = (
        _b64url_encode(json_codec.dumps({"alg": alg, "typ": "JWT"})) + "." + _b64url_encode(json_codec.dumps(payload))
    )
    signature = hmac.new(_key(secret), signing_input.encode("ascii"), digest).digest()
    return signing_input + "." + _b64url_encode(signature)


def _split(token: str) -> list[str]:
    if not isinstance(token, str):
        raise MalformedToken(f"a JWT must be a str, not {type(token).__name__}")
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedToken("a JWT has three dot-separated segments")
    return parts


def decode(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(header, payload)`` of ``token`` WITHOUT checking its signature or claims.

    For looking inside a token (to pick a key by ``kid``, say); never trust the result.
    Raises MalformedToken when the token is not a well-formed JWT.
    """
    header, payload, signature = _split(token)
    _b64url_decode(signature, "signature")
    return (
        _json_object(_b64url_decode(header, "header"), "header"),
        _json_object(_b64url_decode(payload, "payload"), "payload"),
    )


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_leeway(leeway: float) -> float:
    """``leeway`` checked as a finite number of seconds >= 0 (ValueError otherwise).

    NaN would compare false with every time and so switch the time checks off.
    """
    if not _is_number(leeway) or not 0 <= leeway < float("inf"):
        raise ValueError(f"leeway must be a finite number of seconds >= 0, not {leeway!r}")
    return leeway


def _number_claim(payload: dict[str, Any], name: str) -> float | None:
    if name not in payload:
        return None
    value: float = payload[name]  # int or float once checked; ints stay ints, compared exactly
    if not _is_number(value):
        raise MalformedToken(f"the {name!r} claim must be a number of seconds")
    return value


def verify(
    token: str,
    secret: str | bytes,
    alg: str = "HS256",
    *,
    leeway: float = 0,
    now: float | None = None,
) -> dict[str, Any]:
    """The payload of ``token`` once its algorithm, signature and time claims are checked.

    ``alg`` is the one algorithm accepted; ``leeway`` (seconds) absorbs clock skew for
    ``exp``, ``nbf`` and ``iat``; ``now`` (Unix seconds) defaults to the current time.
    Raises a :class:`JwtError` subclass naming the problem (see the module docstring).
    """
    digest = _digest(alg)
    key = _key(secret)
    check_leeway(leeway)
    # NaN compares false with everything: as the clock it would switch the time checks off.
    if now is not None and (not _is_number(now) or now != now):
        raise ValueError(f"now must be a number of seconds, not {now!r}")
    header_segment, payload_segment, signature_segment = _split(token)
    header = _json_object(_b64url_decode(header_segment, "header"), "header")
    token_alg = header.get("alg")
    if token_alg != alg:
        if isinstance(token_alg, str) and token_alg in ALGORITHMS:
            raise AlgorithmMismatch(f"the token is signed with {token_alg}, but only {alg} is accepted")
        raise UnsupportedAlgorithm(f"the token's algorithm {token_alg!r} is not accepted; only {alg} is")
    if "crit" in header:
        raise MalformedToken("the token requires header extensions ('crit') that are not supported")
    payload_bytes = _b64url_decode(payload_segment, "payload")
    signature = _b64url_decode(signature_segment, "signature")
    # Both segments are checked base64url by now, so ASCII.
    signing_input = (header_segment + "." + payload_segment).encode("ascii")
    if not hmac.compare_digest(hmac.new(key, signing_input, digest).digest(), signature):
        raise BadSignature("the token's signature does not match")
    payload = _json_object(payload_bytes, "payload")
    current = time.time() if now is None else now
    # The leeway goes on the clock's side: a claim may be an int too large for a float.
    exp = _number_claim(payload, "exp")
    if exp is not None and current - leeway >= exp:
        raise TokenExpired("the token has expired")
    nbf = _number_claim(payload, "nbf")
    if nbf is not None and current + leeway < nbf:
        raise TokenNotYetValid("the token is not valid yet")
    iat = _number_claim(payload, "iat")
    if iat is not None and iat > current + leeway:
        raise TokenIssuedInFuture("the token was issued in the future")
    return payload
