"""SmartRouter: RegExpRouter when the table fits one regex, TrieRouter otherwise.

Both give identical answers; the choice only changes speed. It is made on
the first request after the table last changed: every method's regex is
compiled then, and if any cannot be built (e.g. a user regex Python's engine
refuses once combined) the TrieRouter takes over the whole table. From then
on ``match`` IS the chosen router's bound method, so a request pays for no
extra call.
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
        """Register a route with the active router; the next request checks the table again."""
        self.active.add(method, path, handler)
        self.__dict__.pop("match", None)

    def match(self, method: str, path: str) -> MatchResult:
        """Choose the router (first request after a change), then answer with it.

        Reached on every call only by a caller that kept ``router.match`` from before
        the choice: it then costs one more call, never a second check of the table.
        """
        chosen = self.__dict__.get("match")
        if chosen is None:
            active = self.active
            if isinstance(active, RegExpRouter):
                try:
                    active.build()
                except UnsupportedTableError:
                    from .trie import TrieRouter

                    trie = TrieRouter()
                    trie.routes = active.routes
                    active = self.active = trie
            # An instance attribute: found before this method on every later lookup.
            chosen = self.match = active.match  # type: ignore[method-assign]
        return chosen(method, path)
