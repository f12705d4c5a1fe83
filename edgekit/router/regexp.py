"""RegExpRouter: a dict for static paths plus ONE compiled regex per method.

Built lazily, per method, on the first request for it:

* every static path of the table goes into a dict; its handler chain (every
  route that matches that exact path, params included) is computed on first
  use and then served from the dict;
* every dynamic pattern becomes a branch of one regex, written as a trie of
  segments so that shared prefixes are tried once; each branch ends in an
  empty marker group, so ``match.lastindex`` names the branch that matched;
* a branch's chain holds every route that contains it (always runs, params
  taken from the branch's groups) and every route that overlaps it in a way
  segment reasoning cannot settle (confirmed per request with its own
  matcher). Routes that are provably disjoint are left out.

Because a chain lists every route that can match any path of its branch, the
answer never depends on which branch the regex happened to pick, nor on
unrelated routes: static routes beside params (``/gists/public`` with
``/gists/:id``), which Hono's RegExpRouter refuses, are ordinary here.
"""

from __future__ import annotations

from .base import METHOD_ALL, RouteList
from .pattern import LITERAL, PARAM, STAR, TAIL_RE, Pattern, Token

TYPE_CHECKING = False
if TYPE_CHECKING:
    from re import Match

    from .base import MatchResult, Route

_NO_PARAMS: dict[str, str] = {}


class UnsupportedTableError(ValueError):
    """The routes cannot be combined into one regex (the caller may fall back)."""


class RegExpRouter(RouteList):
    """Fast router: one dict lookup or one ``re.match`` per request."""

    name = "RegExpRouter"

    def __init__(self) -> None:
        super().__init__()
        self._tables: dict[str, _Table] = {}

    def _invalidate(self) -> None:
        self._tables = {}

    def match(self, method: str, path: str) -> MatchResult:
        table = self._tables.get(method) or self._table(method)
        chain = table.static_chains.get(path)
        if chain is not None:
            return chain
        if path in table.static_paths:
            chain = table.static_chains[path] = [(r.handler, p) for r, p in _matching(table.routes, path)]
            return chain
        m = table.regex.match(path) if table.regex is not None else None
        if m is None:
            return []
        return table.branches[m.lastindex].resolve(m, path, table.routes)  # type: ignore[index]

    def build(self) -> None:
        """Build the tables for every registered method now instead of lazily."""
        for method in {r.method for r in self.routes} | {METHOD_ALL}:
            self._table(method)

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
            found.append((route, params or _NO_PARAMS))
    return found


class _Table:
    """The index for one method: static dict, combined regex, branch chains."""

    __slots__ = ("routes", "static_paths", "static_chains", "regex", "branches")

    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes
        self.static_paths: set[str] = set()
        self.static_chains: dict[str, MatchResult] = {}
        dynamic: dict[str, Pattern] = {}
        for route in routes:
            for pattern in route.patterns:
                if pattern.is_static:
                    self.static_paths.add(pattern.source)
                else:
                    dynamic.setdefault(pattern.key, pattern)
        self.branches: dict[int, _Branch] = {}
        self.regex = _compile(list(dynamic.values()), self.branches) if dynamic else None


class _Branch:
    """One dynamic pattern of the combined regex and, once needed, its chain."""

    __slots__ = ("pattern", "groups", "chain", "constant")

    def __init__(self, pattern: Pattern, groups: list[int]) -> None:
        self.pattern = pattern
        self.groups = groups  # regex group of each token (0 for a literal)
        self.chain: list[tuple[object, tuple[tuple[str, int, str], ...] | None, Route | None]] | None = None
        self.constant: MatchResult | None = None

    def resolve(self, m: Match[str], path: str, routes: list[Route]) -> MatchResult:
        if self.constant is not None:
            return self.constant
        chain = self.chain
        if chain is None:
            chain = self._link(routes)
        values = m.groups()
        result: MatchResult = []
        for handler, spec, unsure in chain:
            if unsure is not None:
                params = unsure.match(path)
                if params is None:
                    continue
            elif spec:
                params = {name: values[group - 1] if group else const for name, group, const in spec}
            else:
                params = _NO_PARAMS
            result.append((handler, params))
        return result

    def _link(self, routes: list[Route]) -> list:
        chain = []
        for route in routes:
            sure = None
            overlaps = False
            for pattern in route.patterns:
                if contains(pattern, self.pattern):
                    sure = pattern
                    break
                overlaps = overlaps or not disjoint(pattern, self.pattern)
            if sure is not None:
                chain.append((route.handler, self._spec(sure), None))
            elif overlaps:
                chain.append((route.handler, None, route))
        self.chain = chain
        if all(spec is None and unsure is None for _, spec, unsure in chain):
            self.constant = [(handler, _NO_PARAMS) for handler, _, _ in chain]
        return chain

    def _spec(self, outer: Pattern) -> tuple[tuple[str, int, str], ...]:
        """Where each of ``outer``'s params sits in this branch's match."""
        spec = []
        seen = set()
        for i, token in enumerate(outer.tokens):
            if token.name is None or token.name in seen:
                continue
            seen.add(token.name)
            mine = self.pattern.tokens[i]
            spec.append((token.name, self.groups[i], mine.text if mine.kind == LITERAL else ""))
        return tuple(spec)


def _covers(outer: Token, inner: Token) -> bool:
    """Every segment ``inner`` matches, ``outer`` matches too (whole-segment tokens only)."""
    if outer.kind == LITERAL:
        return inner.kind == LITERAL and inner.text == outer.text
    if outer.kind == PARAM:
        return inner.kind == PARAM or inner.kind == LITERAL and inner.text != ""
    return outer.kind == STAR and not inner.opaque


def _compatible(a: Token, b: Token) -> bool:
    """Some segment matches both (whole-segment tokens only)."""
    if a.kind == LITERAL and b.kind == LITERAL:
        return a.text == b.text
    if a.kind == LITERAL:
        return b.kind == STAR or a.text != ""
    if b.kind == LITERAL:
        return a.kind == STAR or b.text != ""
    return True


def contains(outer: Pattern, inner: Pattern) -> bool:
    """True when every path ``inner`` matches is matched by ``outer`` (False if unsure)."""
    if outer.key == inner.key:
        return True
    if outer.opaque:
        return False
    n = len(outer.tokens)
    if outer.tail:
        if len(inner.tokens) < n:
            return False
    elif inner.tail or inner.opaque or len(inner.tokens) != n:
        return False
    return all(not t.opaque and _covers(o, t) for o, t in zip(outer.tokens, inner.tokens))


def disjoint(a: Pattern, b: Pattern) -> bool:
    """True when no path matches both (False if unsure)."""
    for x, y in zip(a.tokens, b.tokens):
        if x.opaque or y.opaque:
            return False
        if not _compatible(x, y):
            return True
    if a.opaque or b.opaque:
        return False
    la, lb = len(a.tokens), len(b.tokens)
    if a.tail and b.tail:
        return False
    if a.tail:
        return lb < la
    if b.tail:
        return la < lb
    return la != lb


class _TrieNode:
    __slots__ = ("edges", "branch")

    def __init__(self) -> None:
        self.edges: dict[str, _TrieNode] = {}
        self.branch: Pattern | None = None


def _edge(token: Token) -> str:
    return "/" + (token.regex if token.kind == LITERAL else f"({token.regex})")


def _edge_rank(edge: str) -> int:
    """Literal edges first, then params, then wider ones: specific branches win ties."""
    if edge == TAIL_RE:
        return 3
    if "(" not in edge:
        return 0
    return 1 if edge.endswith("[^/]+)") else 2


def _compile(patterns: list[Pattern], branches: dict[int, _Branch]):  # type: ignore[no-untyped-def]
    import re

    root = _TrieNode()
    for pattern in patterns:
        node = root
        for token in pattern.tokens:
            node = node.edges.setdefault(_edge(token), _TrieNode())
        if pattern.tail:
            node = node.edges.setdefault(TAIL_RE, _TrieNode())
        node.branch = pattern
    counter = [0]
    source = _serialize(root, [], counter, branches)
    try:
        return re.compile(source)
    except (re.error, RecursionError, OverflowError) as exc:
        raise UnsupportedTableError(f"cannot combine the routes into one regex: {exc}") from None


def _serialize(node: _TrieNode, groups: list[int], counter: list[int], branches: dict[int, _Branch]) -> str:
    alternatives = []
    if node.branch is not None:
        counter[0] += 1
        branches[counter[0]] = _Branch(node.branch, groups)
        alternatives.append(r"\Z()")
    for edge in sorted(node.edges, key=_edge_rank):
        captures = edge != TAIL_RE and "(" in edge
        if captures:
            counter[0] += 1
        child_groups = groups + [counter[0] if captures else 0] if edge != TAIL_RE else groups
        alternatives.append(edge + _serialize(node.edges[edge], child_groups, counter, branches))
    if len(alternatives) == 1:
        return alternatives[0]
    return "(?:" + "|".join(alternatives) + ")"
