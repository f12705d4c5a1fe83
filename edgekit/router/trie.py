"""TrieRouter: a segment trie over each pattern's leading literal segments.

Each pattern is filed under the node reached by its literal prefix
(``/repos/:owner/...`` under ``repos``); a request walks the trie along its
own segments and confirms the few candidates it meets with the pattern's own
matcher. It represents every table, including user regexes that the one-regex
router refuses, and its cost grows with the depth of the path, not with the
number of routes.
"""

from __future__ import annotations

from .base import RouteList
from .pattern import LITERAL

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .base import MatchResult, Route
    from .pattern import Pattern


class _Node:
    __slots__ = ("children", "entries")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.entries: list[tuple[Route, Pattern]] = []


class TrieRouter(RouteList):
    """General router: any pattern, candidates found by literal prefix."""

    name = "TrieRouter"

    def __init__(self) -> None:
        super().__init__()
        self._root: _Node | None = None

    def _invalidate(self) -> None:
        self._root = None

    def _build(self) -> _Node:
        root = _Node()
        for route in self.routes:
            for pattern in route.patterns:
                node = root
                for token in pattern.tokens:
                    if token.kind != LITERAL:
                        break
                    node = node.children.setdefault(token.text, _Node())
                node.entries.append((route, pattern))
        self._root = root
        return root

    def match(self, method: str, path: str) -> MatchResult:
        node: _Node | None = self._root or self._build()
        found: list[tuple[int, object, dict[str, str]]] = []
        seen: set[int] = set()
        segments = path[1:].split("/")
        i = 0
        while node is not None:
            for route, pattern in node.entries:
                if route.order not in seen and route.serves(method):
                    params = pattern.match(path)
                    if params is not None:
                        seen.add(route.order)
                        found.append((route.order, route.handler, params))
            if i == len(segments):
                break
            node = node.children.get(segments[i])
            i += 1
        found.sort(key=_order)
        return [(handler, params) for _, handler, params in found]


def _order(item: tuple[int, object, dict[str, str]]) -> int:
    return item[0]
