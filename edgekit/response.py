"""The Fetch ``Response``: status, headers and a body, plus the usual constructors.

``Response.json``, ``Response.text`` are two things at once, as in JavaScript where
``Response.json(data)`` builds a response and ``await response.json()`` reads one:
on the class they are constructors, on an instance they are the body readers.  A
small descriptor (:class:`_ClassOrInstance`) dispatches on how they are looked up.

Errors: a status outside 200..599, an invalid status text or redirect status raise
:class:`ValueError`; a body with status 204, 205 or 304 raises :class:`TypeError`.
The framework strips bodies for HEAD itself; Response only enforces null-body statuses.
"""

from __future__ import annotations

from . import json_codec
from .body import Body, extract_body, headers_with_default
from .headers import Headers
from .url import URL, encode_utf8

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Coroutine
    from typing import Any, Generic, Protocol, TypeVar, overload

    from .body import BodyInit
    from .headers import HeadersInit

    class _JsonConstructor(Protocol):
        def __call__(
            self, data: Any, status: int = 200, headers: HeadersInit | None = None, status_text: str = ""
        ) -> Response: ...

    class _TextConstructor(Protocol):
        def __call__(
            self, text: str, status: int = 200, headers: HeadersInit | None = None, status_text: str = ""
        ) -> Response: ...

    _C = TypeVar("_C")
    _R = TypeVar("_R")

    class _ClassOrInstance(Generic[_C, _R]):
        def __init__(self, constructor: Callable[..., Response], reader: Callable[..., Any]) -> None: ...
        @overload
        def __get__(self, instance: None, owner: type) -> _C: ...
        @overload
        def __get__(self, instance: object, owner: type) -> _R: ...
        def __get__(self, instance: object, owner: type) -> _C | _R: ...

else:

    class _ClassOrInstance:
        """A constructor when looked up on the class, a body reader on an instance."""

        __slots__ = ("_constructor", "_reader")

        def __init__(self, constructor, reader):
            self._constructor = constructor
            self._reader = reader

        def __get__(self, instance, owner):
            if instance is None:
                return self._constructor.__get__(owner, owner)
            return self._reader.__get__(instance, owner)


_NULL_BODY_STATUSES = frozenset((204, 205, 304))
_REDIRECT_STATUSES = frozenset((301, 302, 303, 307, 308))


def _int_status(status: object) -> int:
    """A status given as an int subclass (``HTTPStatus.OK``) as a plain int."""
    if not isinstance(status, int) or isinstance(status, bool):
        raise TypeError(f"status must be int, not {type(status).__name__}")
    return int(status)


def _check_status_text(status_text: str) -> None:
    if not isinstance(status_text, str):
        raise TypeError(f"status_text must be str, not {type(status_text).__name__}")
    if status_text.isascii() and status_text.isprintable():
        return
    for c in status_text:
        if not (c == "\t" or " " <= c <= "~" or "\x80" <= c <= "\xff"):
            raise ValueError(f"invalid status text {status_text!r}")


def _encode_text(text: str) -> bytes:
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    return encode_utf8(text)


class Response(Body):
    """An HTTP response (Fetch ``Response``).

    ``Response(body=None, status=200, headers=None, status_text="")``: ``body`` is
    anything the body mixin accepts (see :mod:`edgekit.body`), ``headers`` anything
    :class:`~edgekit.headers.Headers` accepts (a Headers is copied).  A ``str``,
    URLSearchParams or FormData body sets a default Content-Type unless one is given.
    """

    __slots__ = ("status", "status_text", "headers", "_error")

    def __init__(
        self,
        body: BodyInit | None = None,
        status: int = 200,
        headers: HeadersInit | None = None,
        status_text: str = "",
    ) -> None:
        if body is None or type(body) is bytes:
            self._setup(body, None, status, headers_with_default(headers, None), status_text)
        else:
            content, stream, content_type = extract_body(body)
            self._setup(content, stream, status, headers_with_default(headers, content_type), status_text)

    @classmethod
    def _adopt(cls, body: BodyInit | None, status: int, headers: Headers) -> Response:
        """A Response that takes ``headers`` as its own, without copying.

        For the framework's freshly built, already valid Headers (the Context's);
        a body's default Content-Type is added unless one is there.
        """
        response = cls.__new__(cls)
        if body is None or type(body) is bytes:
            response._setup(body, None, status, headers, "")
        else:
            content, stream, content_type = extract_body(body)
            if content_type is not None and not headers.has("content-type"):
                headers.append("content-type", content_type)
            response._setup(content, stream, status, headers, "")
        return response

    def _setup(
        self,
        content: bytes | None,
        stream: AsyncIterator[bytes] | None,
        status: int,
        headers: Headers,
        status_text: str,
    ) -> None:
        """Validate the status and body and set every field (``headers`` is used as is)."""
        if type(status) is not int:
            status = _int_status(status)
        if not 200 <= status <= 599:
            raise ValueError(f"status must be in the range 200 to 599, not {status}")
        if status_text:
            _check_status_text(status_text)
        if (content is not None or stream is not None) and status in _NULL_BODY_STATUSES:
            raise TypeError(f"a response with status {status} cannot have a body")
        self.headers = headers
        self._content = content
        self._stream = stream
        self._used = False
        self.status = status
        self.status_text = status_text
        self._error = False

    @property
    def ok(self) -> bool:
        """Whether the status is in the range 200..299."""
        return 200 <= self.status <= 299

    @property
    def type(self) -> str:
        """``"error"`` for :meth:`error`, ``"default"`` otherwise."""
        return "error" if self._error else "default"

    @classmethod
    def _build(
        cls, content: bytes, content_type: str, status: int, headers: HeadersInit | None, status_text: str
    ) -> Response:
        response = cls.__new__(cls)
        response._setup(content, None, status, headers_with_default(headers, content_type), status_text)
        return response

    def _json(cls, data: Any, status: int = 200, headers: HeadersInit | None = None, status_text: str = "") -> Response:
        """A response with ``data`` serialised as JSON (exactly as JavaScript's ``JSON.stringify``).

        Content-Type ``application/json`` unless ``headers`` has one (in any letter case).
        """
        return cls._build(json_codec.dumps(data), "application/json", status, headers, status_text)

    def _text(cls, text: str, status: int = 200, headers: HeadersInit | None = None, status_text: str = "") -> Response:
        """A ``text/plain; charset=UTF-8`` response (unless ``headers`` has a Content-Type)."""
        return cls._build(_encode_text(text), "text/plain; charset=UTF-8", status, headers, status_text)

    # Named after what they are reached as, for help() and tracebacks.
    _json.__name__, _json.__qualname__ = "json", "Response.json"
    _text.__name__, _text.__qualname__ = "text", "Response.text"
    if TYPE_CHECKING:
        json: _ClassOrInstance[_JsonConstructor, Callable[[], Coroutine[Any, Any, Any]]]
        text: _ClassOrInstance[_TextConstructor, Callable[[], Coroutine[Any, Any, str]]]
    else:
        json = _ClassOrInstance(_json, Body.json)
        text = _ClassOrInstance(_text, Body.text)
    del _json, _text

    @classmethod
    def html(cls, html: str, status: int = 200, headers: HeadersInit | None = None, status_text: str = "") -> Response:
        """A ``text/html; charset=UTF-8`` response (unless ``headers`` has a Content-Type)."""
        return cls._build(_encode_text(html), "text/html; charset=UTF-8", status, headers, status_text)

    @classmethod
    def redirect(cls, url: str | URL, status: int = 302) -> Response:
        """A redirect to the absolute ``url`` (parsed and serialised into Location).

        ``status`` must be 301, 302, 303, 307 or 308.  The headers are immutable.
        A relative URL raises ValueError: there is no base to resolve it against.
        """
        if status not in _REDIRECT_STATUSES:
            raise ValueError(f"redirect status must be 301, 302, 303, 307 or 308, not {status}")
        location = url.href if isinstance(url, URL) else URL(url).href
        response = cls(None, status)
        response.headers = Headers._trusted([("location", location)], immutable=True)
        return response

    @classmethod
    def error(cls) -> Response:
        """A network error: status 0, type ``"error"``, no body, immutable empty headers."""
        response = cls.__new__(cls)
        response.status = 0
        response.status_text = ""
        response.headers = Headers._trusted([], immutable=True)
        response._content = response._stream = None
        response._used = False
        response._error = True
        return response

    def clone(self) -> Response:
        """A copy with its own headers and body; TypeError once the body has been read."""
        content, stream = self._clone_body()
        copy = Response.__new__(type(self))
        copy.status = self.status
        copy.status_text = self.status_text
        copy.headers = Headers._trusted(self.headers.raw_items(), immutable=self.headers.immutable)
        copy._content = content
        copy._stream = stream
        copy._used = False
        copy._error = self._error
        return copy

    def __repr__(self) -> str:
        return f"<Response {self.status}>"
