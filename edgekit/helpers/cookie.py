"""Cookies: read the request's, set and delete the response's, and sign them with HMAC-SHA256.

```python
from edgekit.helpers.cookie import delete_cookie, get_cookie, get_signed_cookie, set_cookie, set_signed_cookie

@app.get("/")
async def home(c):
    theme = get_cookie(c, "theme")                # str or None; get_cookie(c) -> dict of all
    set_cookie(c, "seen", "1", max_age=3600, http_only=True, same_site="Lax")
    set_signed_cookie(c, "__Host-session", "u42", SECRET, secure=True, http_only=True)
    user = get_signed_cookie(c, SECRET, "__Host-session")   # "u42"; None if absent; False if tampered
    return c.text(theme or "default")
```

Reading never raises: pairs that are not ``name=value`` with a valid name and value are
skipped, the first of two cookies with one name wins (browsers send the most specific
first), a quoted value loses its quotes, and ``%XX`` escapes are decoded when they form
valid UTF-8 (as Hono does). Writing is strict and raises ValueError naming the problem:
an invalid cookie name, a value or attribute with ``;``, CR, LF or another control
character, ``max_age`` or ``expires`` beyond 400 days (the limit browsers apply), a
``partitioned`` or ``SameSite=None`` cookie without ``secure``, and the prefix rules
(``__Secure-`` needs ``secure``; ``__Host-`` needs ``secure``, ``path="/"`` and no
``domain``). Other characters in a value (spaces, commas, quotes, non-ASCII) are
percent-encoded, and read back decoded. Each cookie is its own ``Set-Cookie`` header.
"""

from __future__ import annotations

import time

from ..headers import is_token
from ..url import decode_uri_component, percent_encode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import datetime
    from typing import Literal, TypedDict, Unpack, overload

    from ..context import Context

    SameSite = Literal["Strict", "Lax", "None", "strict", "lax", "none"]
    Priority = Literal["Low", "Medium", "High", "low", "medium", "high"]

    class CookieOptions(TypedDict, total=False):
        """The attributes :func:`serialize_cookie` takes, for the functions that pass them on."""

        max_age: int | None
        expires: datetime | float | None
        path: str | None
        domain: str | None
        secure: bool
        http_only: bool
        same_site: SameSite | None
        partitioned: bool
        priority: Priority | None


MAX_AGE_LIMIT = 400 * 24 * 60 * 60
"""The longest lifetime browsers keep (RFC 6265bis caps Max-Age and Expires at 400 days)."""

_URI_COMPONENT_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()"
# RFC 6265 cookie-octet: printable ASCII except space, '"', ',', ';' and '\'.
_COOKIE_OCTETS = "".join(chr(i) for i in range(0x21, 0x7F) if chr(i) not in '",;\\')
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_SAME_SITE = {"strict": "Strict", "lax": "Lax", "none": "None"}
_PRIORITY = {"low": "Low", "medium": "Medium", "high": "High"}


# -- reading ----------------------------------------------------------------


def parse_cookie_header(header: str) -> dict[str, str]:
    """Every well-formed cookie in a ``Cookie`` header value (see the module doc); never raises."""
    cookies: dict[str, str] = {}
    for pair in header.split(";"):
        name, eq, value = pair.partition("=")
        if not eq:
            continue
        name = name.strip()
        if name in cookies or not is_token(name):
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
            value = value[1:-1]
        if value.strip(_COOKIE_OCTETS):  # something outside cookie-octet is left: not a valid value
            continue
        cookies[name] = decode_uri_component(value)
    return cookies


if TYPE_CHECKING:

    @overload
    def get_cookie(c: Context, name: None = None) -> dict[str, str]: ...
    @overload
    def get_cookie(c: Context, name: str) -> str | None: ...


def get_cookie(c: Context, name: str | None = None) -> str | dict[str, str] | None:
    """The request cookie ``name`` (None when absent), or a dict of every cookie without a name."""
    header = c.req.header("cookie")
    cookies = parse_cookie_header(header) if header else {}
    return cookies if name is None else cookies.get(name)


# -- writing ----------------------------------------------------------------


def _http_date(timestamp: float) -> str:
    """An IMF-fixdate (``Sun, 06 Nov 1994 08:49:37 GMT``), without importing email."""
    t = time.gmtime(timestamp)
    return (
        f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT"
    )


def _check_attribute(label: str, value: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"cookie {label} must be a str, not {type(value).__name__}")
    if ";" in value or any(ch < " " or ch == "\x7f" for ch in value):
        raise ValueError(f"cookie {label} {value!r} contains ';' or a control character")
    return value


def _timestamp(expires: datetime | float) -> float:
    if isinstance(expires, (int, float)) and not isinstance(expires, bool):
        return float(expires)
    timestamp = getattr(expires, "timestamp", None)
    if timestamp is None:
        raise TypeError(f"expires must be a datetime or a Unix timestamp, not {type(expires).__name__}")
    if getattr(expires, "tzinfo", None) is None:
        raise ValueError("expires must be a timezone-aware datetime (a naive one has no defined instant)")
    return float(timestamp())


def serialize_cookie(
    name: str,
    value: str,
    *,
    max_age: int | None = None,
    expires: datetime | float | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = False,
    http_only: bool = False,
    same_site: SameSite | None = None,
    partitioned: bool = False,
    priority: Priority | None = None,
) -> str:
    """One ``Set-Cookie`` header value; raises ValueError for anything a browser would refuse.

    ``max_age`` in seconds (0 or less expires the cookie at once), ``expires`` an
    aware ``datetime`` or a Unix timestamp, ``path`` (None leaves it out),
    ``domain``, ``secure``, ``http_only``, ``same_site`` (Strict, Lax or None),
    ``partitioned`` (CHIPS) and ``priority`` (Low, Medium or High).
    """
    if not isinstance(name, str) or not is_token(name):
        raise ValueError(f"invalid cookie name {name!r}: it must be a non-empty HTTP token")
    if not isinstance(value, str):
        raise TypeError(f"cookie value must be a str, not {type(value).__name__}")
    if ";" in value or "\r" in value or "\n" in value or "\0" in value:
        raise ValueError(f"cookie {name!r}: the value contains ';', CR, LF or NUL")
    parts = [f"{name}={percent_encode(value, _URI_COMPONENT_SAFE)}"]
    if max_age is not None:
        if not isinstance(max_age, int) or isinstance(max_age, bool):
            raise TypeError(f"max_age must be an int number of seconds, not {type(max_age).__name__}")
        if max_age > MAX_AGE_LIMIT:
            raise ValueError(f"cookie {name!r}: max_age {max_age} is beyond 400 days ({MAX_AGE_LIMIT} seconds)")
        parts.append(f"Max-Age={max(max_age, 0)}")
    if expires is not None:
        when = _timestamp(expires)
        if when - time.time() > MAX_AGE_LIMIT:
            raise ValueError(f"cookie {name!r}: expires is more than 400 days in the future")
        parts.append(f"Expires={_http_date(when)}")
    if domain is not None:
        parts.append(f"Domain={_check_attribute('domain', domain)}")
    if path is not None:
        parts.append(f"Path={_check_attribute('path', path)}")
    if secure:
        parts.append("Secure")
    if http_only:
        parts.append("HttpOnly")
    if same_site is not None:
        canonical = _SAME_SITE.get(str(same_site).lower())
        if canonical is None:
            raise ValueError(f"cookie {name!r}: same_site must be 'Strict', 'Lax' or 'None', not {same_site!r}")
        if canonical == "None" and not secure:
            raise ValueError(f"cookie {name!r}: SameSite=None requires secure=True")
        parts.append(f"SameSite={canonical}")
    if partitioned:
        if not secure:
            raise ValueError(f"cookie {name!r}: partitioned requires secure=True")
        parts.append("Partitioned")
    if priority is not None:
        level = _PRIORITY.get(str(priority).lower())
        if level is None:
            raise ValueError(f"cookie {name!r}: priority must be 'Low', 'Medium' or 'High', not {priority!r}")
        parts.append(f"Priority={level}")
    _check_prefix(name, path, domain, secure)
    return "; ".join(parts)


def _check_prefix(name: str, path: str | None, domain: str | None, secure: bool) -> None:
    # Browsers match the prefixes case-insensitively, so a '__host-' cookie gets the same rules.
    lowered = name.lower()
    if lowered.startswith("__secure-") and not secure:
        raise ValueError(f"cookie {name!r}: a __Secure- cookie requires secure=True")
    if lowered.startswith("__host-"):
        if not secure:
            raise ValueError(f"cookie {name!r}: a __Host- cookie requires secure=True")
        if path != "/":
            raise ValueError(f"cookie {name!r}: a __Host- cookie requires path='/'")
        if domain is not None:
            raise ValueError(f"cookie {name!r}: a __Host- cookie must not have a domain")


def set_cookie(c: Context, name: str, value: str, **options: Unpack[CookieOptions]) -> None:
    """Add a ``Set-Cookie`` header to the response (cookies already set are kept).

    The keyword options are those of :func:`serialize_cookie` (``max_age``,
    ``expires``, ``path="/"``, ``domain``, ``secure``, ``http_only``,
    ``same_site``, ``partitioned``, ``priority``). Raises ValueError as the
    module doc lists.
    """
    c.header("set-cookie", serialize_cookie(name, value, **options), append=True)


def delete_cookie(c: Context, name: str, *, path: str | None = "/", domain: str | None = None) -> str | None:
    """Expire cookie ``name`` in the browser; returns its value from the request (None if absent).

    ``path`` and ``domain`` must be those the cookie was set with, or the browser
    keeps it. Prefixed names are deleted with ``Secure``, as their rules require.
    """
    header = c.req.header("cookie")
    value = parse_cookie_header(header).get(name) if header else None
    secure = name.lower().startswith(("__secure-", "__host-"))
    set_cookie(c, name, "", max_age=0, expires=0, path=path, domain=domain, secure=secure)
    return value


# -- signed cookies -----------------------------------------------------------


def _signature(value: str, secret: str | bytes) -> str:
    import base64
    import hashlib
    import hmac

    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if not isinstance(secret, bytes) or not secret:
        raise ValueError("a cookie secret must be a non-empty str or bytes")
    digest = hmac.new(secret, value.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _verify(signed: str, secret: str | bytes) -> str | bool:
    """The value of a ``value.signature`` string, or False when the signature does not match."""
    import hmac

    value, dot, signature = signed.rpartition(".")
    if not dot:
        return False
    expected = _signature(value, secret)
    # Compare as bytes: compare_digest refuses non-ASCII str, and a forged cookie may contain any.
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8")):
        return False
    return value


def set_signed_cookie(c: Context, name: str, value: str, secret: str | bytes, **options: Unpack[CookieOptions]) -> None:
    """Like :func:`set_cookie`, with ``value`` signed: ``value.base64(HMAC-SHA256(secret, value))``.

    The value stays readable by the client; the signature only proves the server wrote it.
    """
    if not isinstance(value, str):
        raise TypeError(f"cookie value must be a str, not {type(value).__name__}")
    set_cookie(c, name, f"{value}.{_signature(value, secret)}", **options)


if TYPE_CHECKING:

    @overload
    def get_signed_cookie(c: Context, secret: str | bytes, name: None = None) -> dict[str, str | bool]: ...
    @overload
    def get_signed_cookie(c: Context, secret: str | bytes, name: str) -> str | bool | None: ...


def get_signed_cookie(
    c: Context, secret: str | bytes, name: str | None = None
) -> str | bool | None | dict[str, str | bool]:
    """The verified value of signed cookie ``name``: None when absent, False when the signature fails.

    Without ``name``, a dict of every cookie, each its verified value or False.
    The signature is checked in constant time.
    """
    header = c.req.header("cookie")
    cookies = parse_cookie_header(header) if header else {}
    if name is not None:
        signed = cookies.get(name)
        return None if signed is None else _verify(signed, secret)
    return {key: _verify(signed, secret) for key, signed in cookies.items()}
