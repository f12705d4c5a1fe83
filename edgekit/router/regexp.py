"""RegExpRouter: a dict for static paths plus ONE compiled regex per method.

Built lazily, per method, on the first request for it:

* every static path of the table goes into a dict; its handler chain (every
  route that matches that exact path, params included) is computed on first
  use and then served from the dict;
* every dynamic pattern becomes a branch of one regex, written as a trie of
  segments so that shared prefixes are tried once and literal segments
  before params;
  each branch ends in an empty marker group, so ``match.lastindex`` names the
  branch that matched;
* a branch's chain holds every route that contains it (always runs, params
  taken from the branch's groups) and every route that overlaps it in a way
  segment reasoning cannot settle (confirmed per request with its own
  matcher). Routes that are provably disjoint, or that are earlier branches
  of the same regex (they would have matched instead), are left out. The
  chain is turned into a small generated function on the branch's first hit.

Because a chain lists every route that can match any path of its branch, the
answer never depends on which branch the regex happened to pick, nor on
unrelated routes: static routes beside params (``/gists/public`` with
``/gists/:id``), which Hono's RegExpRouter refuses, are ordinary here.
"""

from __future__ import annotations

from .base import METHOD_ALL, RouteList
from .chain import NO_PARAMS, chain_for, write_resolver
from .pattern import LITERAL, PARAM, TAIL_RE, Pattern, Token

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from re import Match
    from re import Pattern as CompiledRegex

    from .base import MatchResult, Route
    from .chain import ChainEntry, Resolver

# A static path whose chain is computed on its first request.
_UNLINKED: MatchResult = []


class UnsupportedTableError(ValueError):
    """The routes cannot be combined into one regex (the caller may fall back)."""


class RegExpRouter(RouteList):
    """Fast router: one dict lookup, or one ``re.match``."""

    name = "RegExpRouter"

    def __init__(self) -> None:
        super().__init__()
        self._tables: dict[str, _Table] = {}

    def _invalidate(self) -> None:
        self._tables = {}

    def match(self, method: str, path: str) -> MatchResult:
        try:
            table = self._tables[method]
        except KeyError:
            table = self._table(method)
        chain = table.static_chains.get(path)
        if chain is not None:
            if chain is _UNLINKED:
                chain = table.static_chains[path] = [(r.handler, p) for r, p in _matching(table.routes, path)]
            return chain
        regex = table.regex
        m = regex.match(path)
        if m is None:
            return []
        return regex.resolvers[m.lastindex](m, path)  # type: ignore[index,misc]

    def build(self) -> None:
        """Build the tables for every registered method now instead of lazily."""
        for method in {r.method for r in self.routes} | {METHOD_ALL}:
            self._table(method).regex.compile()

    def _table(self, method: str) -> _Table:
        own = any(r.method == method for r in self.routes)
        key = method if own else METHOD_ALL
        table = self._tables.get(key)
        if table is None:
            table = _Table([r for r in self.routes if r.serves(key)])
            self._tables[key] = table
        self._tables[method] = table
        return table


def _matching(routes: list[Route], path: str) -> list[tuple[Route, dict[str, str]]]:
    found = []
    for route in routes:
        params = route.match(path)
        if params is not None:
            found.append((route, params or NO_PARAMS))
    return found


class _Table:
    """The index for one method: the static dict and the combined regex."""

    __slots__ = ("routes", "static_chains", "regex")

    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes
        self.static_chains: dict[str, MatchResult] = {}
        dynamic: dict[str, Pattern] = {}
        for route in routes:
            for pattern in route.patterns:
                if pattern.is_static:
                    self.static_chains[pattern.source] = _UNLINKED
                else:
                    dynamic.setdefault(pattern.key, pattern)
        self.regex = _Regex(list(dynamic.values()), routes)


class _Regex:
    """One combined regex (compiled on first use) and a resolver per branch."""

    __slots__ = ("patterns", "routes", "compiled", "match", "resolvers", "priority")

    def __init__(self, patterns: list[Pattern], routes: list[Route]) -> None:
        self.patterns = patterns
        self.routes = routes
        self.compiled: CompiledRegex[str] | None = None
        # The compiled regex's own match once built: no wrapper on the hot path.
        self.match: Callable[[str], Match[str] | None] = self._compile_and_match
        # Indexed by the group that names the branch (``lastindex``); unused slots are None.
        self.resolvers: list[Resolver | None] = []
        self.priority: dict[str, int] = {}

    def _compile_and_match(self, path: str) -> Match[str] | None:
        return self.compile().match(path)

    def compile(self) -> CompiledRegex[str]:
        if self.compiled is None:
            branches: dict[int, tuple[Pattern, list[int]]] = {}
            self.compiled = _compile(self.patterns, branches)
            self.match = self.compiled.match
            self.resolvers = [None] * (self.compiled.groups + 1)
            for marker, (pattern, groups) in branches.items():
                self.priority[pattern.key] = marker
                self.resolvers[marker] = self._linker(marker, pattern, groups)
        return self.compiled

    def _linker(self, marker: int, pattern: Pattern, groups: list[int]) -> Resolver:
        """A resolver that writes the branch's real resolver on its first call."""

        def link(m: Match[str], path: str) -> MatchResult:
            resolver = self.resolvers[marker] = write_resolver(pattern, groups, self._chain(marker, pattern))
            return resolver(m, path)

        return link

    def _chain(self, marker: int, branch: Pattern) -> list[ChainEntry]:
        """The branch's chain; an earlier branch of this regex would have matched first.

        "Earlier would have matched first" holds only between patterns of
        whole-segment tokens: a user regex can take more or less of the path,
        so the engine may settle on a later branch before it tries an earlier one.
        """

        def shadowed(pattern: Pattern) -> bool:
            return not (pattern.opaque or branch.opaque) and self.priority.get(pattern.key, marker) < marker

        return chain_for(self.routes, branch, shadowed)


_LITERAL_EDGE, _PARAM_EDGE, _WIDE_EDGE, _TAIL_EDGE = range(4)
Edge = tuple[int, str]  # (rank, regex of one segment); literal edges sort first


class _TrieNode:
    __slots__ = ("edges", "branch")

    def __init__(self) -> None:
        self.edges: dict[Edge, _TrieNode] = {}
        self.branch: Pattern | None = None


def _edge(token: Token) -> Edge:
    if token.kind == LITERAL:
        return _LITERAL_EDGE, token.regex
    return (_PARAM_EDGE if token.kind == PARAM else _WIDE_EDGE), token.regex


def _compile(patterns: list[Pattern], branches: dict[int, tuple[Pattern, list[int]]]) -> CompiledRegex[str]:
    import re

    root = _TrieNode()
    for pattern in patterns:
        node = root
        for token in pattern.tokens:
            node = node.edges.setdefault(_edge(token), _TrieNode())
        if pattern.tail:
            node = node.edges.setdefault((_TAIL_EDGE, TAIL_RE), _TrieNode())
        node.branch = pattern
    counter = [0]
    source = _serialize(root, [], counter, branches) if patterns else "(?!)"
    try:
        return re.compile(source)
    except (re.error, RecursionError, OverflowError) as exc:
        raise UnsupportedTableError(f"cannot combine the routes into one regex: {exc}") from None


def _serialize(
    node: _TrieNode, groups: list[int], counter: list[int], branches: dict[int, tuple[Pattern, list[int]]]
) -> str:
    """The regex for ``node``'s subtree, numbering groups in the order they appear.

    The ``/`` before a segment is written once, outside the alternation of
    the segments, so that each alternative starts with its own first
    character and the engine skips it on one comparison. A branch that ends
    right after a param is named by that param's group (``lastindex``); the
    others end in an empty marker group.
    """
    alternatives = []
    if node.branch is not None:
        entered_by = groups[-1] if groups else 0
        if entered_by:
            branches[entered_by] = (node.branch, groups)
            alternatives.append(r"\Z")
        else:
            counter[0] += 1
            branches[counter[0]] = (node.branch, groups)
            alternatives.append(r"\Z()")
    segments = []
    tail = None
    for edge in sorted(node.edges):
        rank, regex = edge
        if rank == _TAIL_EDGE:
            tail = node.edges[edge]
        elif rank == _LITERAL_EDGE:
            segments.append(regex + _serialize(node.edges[edge], [*groups, 0], counter, branches))
        else:
            counter[0] += 1
            segments.append(f"({regex})" + _serialize(node.edges[edge], [*groups, counter[0]], counter, branches))
    if segments:
        alternatives.append("/" + _alternation(segments))
    if tail is not None:
        # the tail's own node: entered without a param, so it gets a marker
        alternatives.append(TAIL_RE + _serialize(tail, [*groups, 0], counter, branches))
    return _alternation(alternatives)


def _alternation(alternatives: list[str]) -> str:
    return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
