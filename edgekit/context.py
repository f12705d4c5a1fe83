"""Context (``c``): what a handler reads the request from and builds the response with.

One Context lives for one request. Headers set with :meth:`Context.header`
before a response exists are kept and go into the response the handler
builds (``c.json(...)``, ``c.text(...)``, ...); once a response exists
(``c.res``, after ``await next()``), they change that response directly.
"""

from __future__ import annotations

from .execution_context import ExecutionContext
from .headers import Headers
from .json_codec import dumps
from .response import Response

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from .context_request import ContextRequest

    HeadersInit = Mapping[str, str] | list[tuple[str, str]] | Headers | None

_TEXT = "text/plain; charset=UTF-8"
_HTML = "text/html; charset=UTF-8"
_JSON = "application/json"


class Vars:
    """``c.var``: the values set with ``c.set``, as attributes or items."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"no context variable {name!r} (set it with c.set({name!r}, value))") from None

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def get(self, name: str, default: Any = None) -> Any:
        return self._values.get(name, default)


class Context:
    """The request, the bindings and the response under construction."""

    __slots__ = ("req", "env", "_ctx", "error", "_res", "_headers", "_status", "_vars", "_not_found")

    def __init__(
        self,
        req: ContextRequest,
        env: Any,
        ctx: ExecutionContext | Any,
        not_found: Callable[[Context], Any],
    ) -> None:
        self.req = req
        self.env = env
        self._ctx = ctx
        self.error: BaseException | None = None
        self._res: Response | None = None
        self._headers: Headers | None = None
        self._status = 200
        self._vars: dict[str, Any] | None = None
        self._not_found = not_found

    @property
    def ctx(self) -> ExecutionContext | Any:
        """The execution context: ``c.ctx.wait_until(awaitable)`` runs work after the response.

        The runtime's own on Workers; a local one (made on first use) elsewhere.
        """
        ctx = self._ctx
        if ctx is None:
            ctx = self._ctx = ExecutionContext()
        return ctx

    # -- the response -------------------------------------------------------

    @property
    def finalized(self) -> bool:
        """True once a response has been produced."""
        return self._res is not None

    @property
    def res(self) -> Response:
        """The response so far (an empty 200 before any handler responded)."""
        if self._res is None:
            headers, self._headers = self._headers, None
            self._res = Response._adopt(None, self._status, headers or Headers._trusted([]))
        return self._res

    @res.setter
    def res(self, response: Response) -> None:
        """Replace the response; headers already on the old one carry over (not content-type).

        A response with immutable headers (``Response.redirect``) gets a mutable copy of them:
        the immutability guards the Fetch API's callers, not the middleware that decorates it.
        """
        if response.headers.immutable:
            response.headers = response.headers.copy()
        old = self._res
        if old is not None and old is not response:
            headers = response.headers
            cookies: list[str] | None = None
            for name, value in old.headers.items():
                if name == "content-type":
                    continue
                if name == "set-cookie":
                    # A response built from the old one's headers has its cookies already.
                    if cookies is None:
                        cookies = headers.get_set_cookie()
                    if value not in cookies:
                        headers.append(name, value)
                else:
                    headers.set(name, value)
        self._res = response

    def header(self, name: str, value: str | None, append: bool = False) -> None:
        """Set (or with ``append=True`` add) a response header; ``None`` removes it.

        Works before the response exists and after ``await next()``, when it
        changes the response that was produced.
        """
        if self._res is not None:
            headers = self._res.headers
        elif self._headers is not None:
            headers = self._headers
        else:
            headers = self._headers = Headers()
        if value is None:
            headers.delete(name)
        elif append:
            headers.append(name, value)
        else:
            headers.set(name, value)

    def status(self, code: int) -> None:
        """Set the status used by the next response built without an explicit one."""
        self._status = code

    def _respond(self, body: Any, status: int | None, headers: HeadersInit, content_type: str | None) -> Response:
        prepared: Headers | None
        if self._res is not None:
            prepared = self._res.headers.copy()
        else:
            prepared, self._headers = self._headers, None
        if headers is not None:
            if prepared is None:
                prepared = Headers(headers)
            else:
                given: set[str] = set()
                for name, value in Headers(headers).raw_items():
                    if name in given:
                        prepared.append(name, value)
                    else:
                        prepared.set(name, value)
                        given.add(name)
        if prepared is None:
            prepared = Headers._trusted([] if content_type is None else [("content-type", content_type)])
        elif content_type is not None and not prepared.has("content-type"):
            prepared.append("content-type", content_type)
        return Response._adopt(body, self._status if status is None else status, prepared)

    def body(self, data: Any, status: int | None = None, headers: HeadersInit = None) -> Response:
        """A response with a raw body: bytes, str, an async iterator of bytes, or None."""
        return self._respond(data, status, headers, None)

    def text(self, text: str, status: int | None = None, headers: HeadersInit = None) -> Response:
        """A ``text/plain; charset=UTF-8`` response."""
        return self._respond(text, status, headers, _TEXT)

    def html(self, html: str, status: int | None = None, headers: HeadersInit = None) -> Response:
        """A ``text/html; charset=UTF-8`` response."""
        return self._respond(html, status, headers, _HTML)

    def json(self, data: Any, status: int | None = None, headers: HeadersInit = None) -> Response:
        """An ``application/json`` response, serialized like JavaScript's JSON.stringify."""
        return self._respond(dumps(data), status, headers, _JSON)

    def redirect(self, location: str, status: int = 302) -> Response:
        """A redirect to ``location`` (used as given, so relative URLs work)."""
        if status not in (301, 302, 303, 307, 308):
            raise ValueError(f"redirect status must be 301, 302, 303, 307 or 308, not {status}")
        return self._respond(None, status, [("location", location)], None)

    def not_found(self) -> Any:
        """The App's not-found response for this request."""
        return self._not_found(self)

    # -- variables ----------------------------------------------------------

    def set(self, name: str, value: Any) -> None:
        """Store a value for later middleware and handlers of this request."""
        if self._vars is None:
            self._vars = {}
        self._vars[name] = value

    def get(self, name: str, default: Any = None) -> Any:
        """A value stored with :meth:`set`, or ``default``."""
        return default if self._vars is None else self._vars.get(name, default)

    @property
    def var(self) -> Vars:
        """The stored values as attributes: ``c.var.user``."""
        if self._vars is None:
            self._vars = {}
        return Vars(self._vars)

    def __repr__(self) -> str:
        return f"<Context {self.req.method} {self.req.path}>"
