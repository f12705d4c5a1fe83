"""LinearRouter: tries every route in order. The slow, obviously right baseline."""

from __future__ import annotations

from .base import RouteList

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .base import MatchResult


class LinearRouter(RouteList):
    """No index at all: cheap to build, O(routes) per match. Fine for a handful of routes."""

    name = "LinearRouter"

    def match(self, method: str, path: str) -> MatchResult:
        result: MatchResult = []
        for route in self.routes:
            if route.serves(method):
                params = route.match(path)
                if params is not None:
                    result.append((route.handler, params))
        return result
