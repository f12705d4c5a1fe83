"""Routers: find every route that matches a request, in registration order.

All routers share one pattern language (``pattern.py``) and give identical
answers; they differ only in speed and build cost:

* ``RegExpRouter`` -- a dict for static paths plus one regex per method.
* ``TrieRouter`` -- a segment trie; represents every table.
* ``LinearRouter`` -- tries every route; the reference baseline.
* ``SmartRouter`` -- the App's default: RegExpRouter, or TrieRouter when a
  table cannot be combined into one regex.
"""

from .base import METHOD_ALL, Route
from .regexp import RegExpRouter, UnsupportedTableError
from .smart import SmartRouter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .linear import LinearRouter
    from .trie import TrieRouter

__all__ = [
    "METHOD_ALL",
    "LinearRouter",
    "RegExpRouter",
    "Route",
    "SmartRouter",
    "TrieRouter",
    "UnsupportedTableError",
]


def __getattr__(name: str) -> object:
    # The App's default never needs these unless its table falls back: load them on use.
    if name == "TrieRouter":
        from .trie import TrieRouter

        return TrieRouter
    if name == "LinearRouter":
        from .linear import LinearRouter

        return LinearRouter
    raise AttributeError(f"module 'edgekit.router' has no attribute {name!r}")
