"""SmartRouter: RegExpRouter when the table fits one regex, TrieRouter otherwise.

Both give identical answers; the choice only changes speed. The fallback is
taken for the whole table (every method) the first time the combined regex
cannot be built, e.g. for a user regex with inline flags that are only legal
at the start of a pattern.
"""

from __future__ import annotations

from .regexp import RegExpRouter, UnsupportedTableError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .base import MatchResult
    from .trie import TrieRouter


class SmartRouter:
    """The App's default router.

    Routes are parsed once, into the RegExpRouter; on fallback the TrieRouter
    takes over the very same route list.
    """

    def __init__(self) -> None:
        self.active: RegExpRouter | TrieRouter = RegExpRouter()

    @property
    def name(self) -> str:
        return f"SmartRouter + {self.active.name}"

    def add(self, method: str, path: str, handler: object) -> None:
        """Register a route with the active router."""
        self.active.add(method, path, handler)

    def match(self, method: str, path: str) -> MatchResult:
        try:
            return self.active.match(method, path)
        except UnsupportedTableError:
            from .trie import TrieRouter

            trie = TrieRouter()
            trie.routes = self.active.routes
            self.active = trie
            return trie.match(method, path)
