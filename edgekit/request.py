"""The Fetch ``Request``: method, URL, headers and a body.

A server builds one per incoming request, so construction is cheap: a URL already
in serialised form (what runtimes hand us) is checked and split with plain string
operations and only parsed into a :class:`~edgekit.url.URL` when asked for; any
other URL is parsed by the full WHATWG parser right away.

Errors: an invalid or relative URL (there is no base to resolve against), a URL with
credentials, an invalid method or a forbidden one (CONNECT, TRACE, TRACK) raise
:class:`ValueError`; a body on a GET or HEAD request raises :class:`TypeError`.
"""

from __future__ import annotations

from .body import Body, extract_body
from .headers import Headers, is_token
from .url import URL, split_serialized

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from .body import BodyInit
    from .headers import HeadersInit

_UPPERCASED_METHODS = frozenset(("DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"))
_FORBIDDEN_METHODS = frozenset(("CONNECT", "TRACE", "TRACK"))
# The common spellings, answered with one dict lookup: canonical methods, and the six
# Fetch uppercases in lowercase.
_NORMALIZED_METHODS = {"PATCH": "PATCH", **{m: m for m in _UPPERCASED_METHODS}}
_NORMALIZED_METHODS.update({m.lower(): m for m in _UPPERCASED_METHODS})


def normalize_method(method: str) -> str:
    """A request method as Fetch normalises it.

    DELETE, GET, HEAD, OPTIONS, POST and PUT are uppercased in any letter case; other
    methods are kept as given (``patch`` stays ``patch``).  Raises ValueError for a
    method that is not an HTTP token or is CONNECT, TRACE or TRACK.
    """
    normalized = _NORMALIZED_METHODS.get(method)
    if normalized is not None:
        return normalized
    if not isinstance(method, str):
        raise TypeError(f"method must be str, not {type(method).__name__}")
    if not is_token(method):
        raise ValueError(f"invalid HTTP method {method!r}")
    upper = method.upper()
    if upper in _FORBIDDEN_METHODS:
        raise ValueError(f"HTTP method {method!r} is not allowed")
    return upper if upper in _UPPERCASED_METHODS else method


class Request(Body):
    """An HTTP request (Fetch ``Request``).

    ``Request(url, method="GET", headers=None, body=None)``: ``url`` must be absolute
    (a ``str`` or a :class:`~edgekit.url.URL`); ``headers`` is anything
    :class:`~edgekit.headers.Headers` accepts (a Headers is copied); ``body`` is
    anything the body mixin accepts (see :mod:`edgekit.body`).  A ``str``,
    URLSearchParams or FormData body sets a default Content-Type unless one is given.

    ``remote_address`` (not in Fetch) is the peer's IP address when the runtime adapter
    knows it (ASGI: ``scope["client"]``), else None (on Workers Cloudflare sends the
    client's address as the ``CF-Connecting-IP`` header).
    """

    __slots__ = ("method", "headers", "remote_address", "_url", "_split", "_parsed")

    def __init__(
        self,
        url: str | URL,
        method: str = "GET",
        headers: HeadersInit | None = None,
        body: BodyInit | None = None,
    ) -> None:
        if headers is None:
            owned = Headers._trusted([])
        else:
            owned = headers.copy() if type(headers) is Headers else Headers(headers)
        self._setup(url, method, owned, body)

    @classmethod
    def _adopt(
        cls,
        url: str,
        method: str,
        headers: Headers,
        body: BodyInit | None = None,
        *,
        stream: AsyncIterator[bytes] | None = None,
    ) -> Request:
        """A Request for a runtime adapter, which built ``headers`` for it: they are not copied.

        ``stream`` is a body the adapter vouches for, an async iterator of ``bytes``
        chunks, kept as it is (``body`` would be wrapped in a checking iterator).
        """
        request = cls.__new__(cls)
        request._setup(url, method, headers, body, stream)
        return request

    def _setup(
        self,
        url: str | URL,
        method: str,
        headers: Headers,
        body: BodyInit | None,
        stream: AsyncIterator[bytes] | None = None,
    ) -> None:
        if type(url) is not str:
            url = _url_text(url)
        split = split_serialized(url)
        parsed = None
        if split is None:
            parsed = _parse_request_url(url)
            url = parsed.href
            split = split_serialized(url)
        method = _NORMALIZED_METHODS.get(method) or normalize_method(method)
        self.headers = headers
        self._used = False
        if body is None and stream is None:
            self._content = self._stream = None
        else:
            if method == "GET" or method == "HEAD":
                raise TypeError(f"a {method} request cannot have a body")
            if stream is not None:
                self._content, self._stream = None, stream
            else:
                self._content, self._stream, content_type = extract_body(body)
                if content_type is not None and not headers.has("content-type"):
                    headers.append("content-type", content_type)
        self.method = method
        self.remote_address: str | None = None
        self._url = url
        self._split = split
        self._parsed = parsed

    @property
    def url(self) -> str:
        """The serialised URL, fragment included."""
        return self._url

    @property
    def url_object(self) -> URL:
        """The URL parsed into a :class:`~edgekit.url.URL` (made on first use, then cached).

        It is this request's own copy: changing its search params does not change
        :attr:`url`.
        """
        parsed = self._parsed
        if parsed is None:
            parsed = self._parsed = URL._from_serialized(self._url, self._split)  # type: ignore[arg-type]
        return parsed

    @property
    def path(self) -> str:
        """The serialised path, percent-encoded as in the URL (``/users/%C3%A9``)."""
        split = self._split
        if split is not None:
            return self._url[split[0] : split[1]]
        return self.url_object.pathname

    @property
    def query_string(self) -> str:
        """The query without its ``?`` (``""`` when there is none), still encoded."""
        split = self._split
        if split is not None:
            return self._url[split[1] + 1 : split[2]]
        return self.url_object.search[1:]

    def clone(self) -> Request:
        """A copy with its own headers and body; TypeError once the body has been read."""
        content, stream = self._clone_body()
        copy = Request.__new__(Request)
        copy.method = self.method
        copy.headers = self.headers.copy()
        copy.remote_address = self.remote_address
        copy._url = self._url
        copy._split = self._split
        copy._parsed = None
        copy._content = content
        copy._stream = stream
        copy._used = False
        return copy

    def __repr__(self) -> str:
        return f"<Request {self.method} {self._url}>"


def _url_text(url: object) -> str:
    if isinstance(url, URL):
        return url.href
    if isinstance(url, str):
        return str(url)
    raise TypeError(f"a request URL must be str or URL, not {type(url).__name__}")


def _parse_request_url(url: str) -> URL:
    parsed = URL(url)
    if parsed.username or parsed.password:
        raise ValueError(f"a request URL cannot contain credentials: {url!r}")
    return parsed
