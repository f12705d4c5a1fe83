"""What every router shares: the route list and the contract of ``match``.

A router maps ``(method, path)`` to EVERY route that matches, in registration
order, each with the params of its own pattern; the App composes them as an
onion and the first handler to respond wins (Hono's semantics). ``path`` is
the request path after ``decode_uri_path`` (reserved escapes such as ``%2F``
still encoded); params come back raw and are percent-decoded by the caller.
"""

from __future__ import annotations

from .pattern import Pattern, parse

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Protocol

    Params = dict[str, str]
    MatchResult = list[tuple[Any, Params]]

    class Router(Protocol):
        """The interface the App needs; any object with these members will do."""

        @property
        def name(self) -> str:
            """A label for listings (``edgekit routes``, benchmarks)."""

        def add(self, method: str, path: str, handler: Any) -> None:
            """Register ``handler`` for ``method`` (upper case, or ``ALL``) and ``path``."""

        def match(self, method: str, path: str) -> MatchResult:
            """Every matching route's handler and raw params, in registration order."""


METHOD_ALL = "ALL"


class Route:
    """One registration: a method, a path (parsed into its alternatives) and a handler."""

    __slots__ = ("method", "path", "handler", "patterns", "order")

    def __init__(self, method: str, path: str, handler: object, order: int) -> None:
        self.method = method
        self.path = path
        self.handler = handler
        self.patterns: list[Pattern] = parse(path)
        self.order = order

    def serves(self, method: str) -> bool:
        return self.method == method or self.method == METHOD_ALL

    def match(self, path: str) -> dict[str, str] | None:
        for pattern in self.patterns:
            params = pattern.match(path)
            if params is not None:
                return params
        return None

    def __repr__(self) -> str:
        return f"Route({self.method} {self.path})"


class RouteList:
    """Holds the routes in registration order; subclasses index them for ``match``."""

    name = "base"

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, path: str, handler: object) -> None:
        """Register a route; a bad pattern raises ValueError naming the path."""
        self.routes.append(Route(method.upper(), path, handler, len(self.routes)))
        self._invalidate()

    def _invalidate(self) -> None:
        """Drop any index built from the routes (called after each ``add``)."""
