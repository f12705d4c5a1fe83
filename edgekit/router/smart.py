"""SmartRouter: RegExpRouter when the table fits one regex, TrieRouter otherwise.

Both give identical answers; the choice only changes speed. The fallback is
taken for the whole table (every method) the first time the combined regex
cannot be built, e.g. for a user regex with inline flags that are only legal
at the start of a pattern.
"""

from __future__ import annotations

from .regexp import RegExpRouter, UnsupportedTableError
from .trie import TrieRouter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .base import MatchResult


class SmartRouter:
    """The App's default router."""

    def __init__(self) -> None:
        self._regexp: RegExpRouter | None = RegExpRouter()
        self._trie = TrieRouter()
        self.active: RegExpRouter | TrieRouter = self._regexp

    @property
    def name(self) -> str:
        return f"SmartRouter + {self.active.name}"

    def add(self, method: str, path: str, handler: object) -> None:
        """Register a route with both candidates until one is chosen for good."""
        if self._regexp is not None:
            self._regexp.add(method, path, handler)
        self._trie.add(method, path, handler)

    def match(self, method: str, path: str) -> MatchResult:
        if self._regexp is None:
            return self._trie.match(method, path)
        try:
            return self._regexp.match(method, path)
        except UnsupportedTableError:
            self._regexp = None
            self.active = self._trie
            return self._trie.match(method, path)
