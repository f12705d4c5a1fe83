"""ContextRequest (``c.req``): the request as a handler sees it.

It wraps the Fetch :class:`~edgekit.request.Request` (``c.req.raw``) and adds
what routing knows: the params of the handler that is running, the decoded
routing path, and query/header helpers. Param values are percent-decoded
only when read.
"""

from __future__ import annotations

from .http_exception import HTTPException
from .url import decode_uri_component, parse_query

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .formdata import FormData
    from .request import Request


class ContextRequest:
    """The request seen through a Context. Read-only; bodies are cached."""

    __slots__ = ("raw", "path", "_params", "_query", "_valid")

    def __init__(self, raw: Request, path: str) -> None:
        self.raw = raw
        self.path = path
        self._params: dict[str, str] = {}
        self._query: list[tuple[str, str]] | None = None
        self._valid: dict[str, Any] | None = None

    def valid(self, target: str) -> Any:
        """The value a validator accepted for ``target`` (``"json"``, ``"query"``, ...) on this request.

        Raises LookupError when no validator for ``target`` ran: a bug in the route's
        setup, not bad input.  See :mod:`edgekit.helpers.validator`.
        """
        values = self._valid
        if values is None or target not in values:
            raise LookupError(f"no validated {target!r} value: add validator({target!r}, ...) to this route")
        return values[target]

    def add_validated_data(self, target: str, value: Any) -> None:
        """Record what a validator accepted for ``target``; :meth:`valid` returns it."""
        if self._valid is None:
            self._valid = {}
        self._valid[target] = value

    @property
    def url(self) -> str:
        """The full request URL."""
        return self.raw.url

    @property
    def method(self) -> str:
        """The request method as received (a HEAD request is routed as GET)."""
        return self.raw.method

    @property
    def headers(self) -> Any:
        """The raw request's :class:`~edgekit.headers.Headers`."""
        return self.raw.headers

    def param(self, name: str | None = None) -> Any:
        """``param("id")`` -> the decoded value or None; ``param()`` -> a dict of all params."""
        params = self._params
        if name is not None:
            value = params.get(name)
            return value if value is None or "%" not in value else decode_uri_component(value)
        return {k: v if "%" not in v else decode_uri_component(v) for k, v in params.items()}

    def _query_pairs(self) -> list[tuple[str, str]]:
        if self._query is None:
            self._query = parse_query(self.raw.query_string)
        return self._query

    def query(self, name: str | None = None) -> Any:
        """``query("q")`` -> the first value or None; ``query()`` -> a dict of first values."""
        pairs = self._query_pairs()
        if name is not None:
            for key, value in pairs:
                if key == name:
                    return value
            return None
        result: dict[str, str] = {}
        for key, value in pairs:
            result.setdefault(key, value)
        return result

    def queries(self, name: str | None = None) -> Any:
        """``queries("tag")`` -> every value (None if absent); ``queries()`` -> a dict of lists."""
        pairs = self._query_pairs()
        if name is not None:
            values = [value for key, value in pairs if key == name]
            return values or None
        result: dict[str, list[str]] = {}
        for key, value in pairs:
            result.setdefault(key, []).append(value)
        return result

    def header(self, name: str | None = None) -> Any:
        """``header("x-id")`` -> the value or None (any case); ``header()`` -> a dict of all."""
        if name is not None:
            return self.raw.headers.get(name)
        return dict(self.raw.headers.items())

    async def bytes(self) -> bytes:
        """The body as bytes (read once, cached)."""
        return await self.raw.bytes()

    async def text(self) -> str:
        """The body decoded as UTF-8."""
        return await self.raw.text()

    async def json(self) -> Any:
        """The body parsed as JSON; malformed JSON raises HTTPException(400)."""
        try:
            return await self.raw.json()
        except ValueError as exc:
            raise HTTPException(400, f"Malformed JSON in request body: {exc}") from None

    async def form(self) -> FormData:
        """The body parsed as a form; a body that is not one raises HTTPException(400)."""
        try:
            return await self.raw.form()
        except (TypeError, ValueError) as exc:
            raise HTTPException(400, f"Malformed form body: {exc}") from None

    def __repr__(self) -> str:
        return f"<ContextRequest {self.method} {self.path}>"
