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
from .linear import LinearRouter
from .regexp import RegExpRouter, UnsupportedTableError
from .smart import SmartRouter
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
