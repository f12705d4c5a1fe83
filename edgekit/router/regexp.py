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
from .pattern import LITERAL, PARAM, STAR, TAIL_RE, Pattern, Token

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from re import Match
    from re import Pattern as CompiledRegex
    from typing import Any

    from .base import MatchResult, Route

    Resolver = Callable[[Match[str], str], MatchResult]
    # (route, the pattern that matches or may match, whether it surely matches)
    ChainEntry = tuple[Route, Pattern | None, bool]

_NO_PARAMS: dict[str, str] = {}
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
        table = self._tables.get(method) or self._table(method)
        chain = table.static_chains.get(path)
        if chain is not None:
            if chain is _UNLINKED:
                chain = table.static_chains[path] = [(r.handler, p) for r, p in _matching(table.routes, path)]
            return chain
        regex = table.regex
        m = regex.match(path)
        if m is None:
            return []
        return regex.resolvers[m.lastindex](m, path)  # type: ignore[index]

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
            found.append((route, params or _NO_PARAMS))
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
        self.resolvers: dict[int, Resolver] = {}
        self.priority: dict[str, int] = {}

    def _compile_and_match(self, path: str) -> Match[str] | None:
        return self.compile().match(path)

    def compile(self) -> CompiledRegex[str]:
        if self.compiled is None:
            branches: dict[int, tuple[Pattern, list[int]]] = {}
            self.compiled = _compile(self.patterns, branches)
            self.match = self.compiled.match
            for marker, (pattern, groups) in branches.items():
                self.priority[pattern.key] = marker
                self.resolvers[marker] = self._linker(marker, pattern, groups)
        return self.compiled

    def _linker(self, marker: int, pattern: Pattern, groups: list[int]) -> Resolver:
        """A resolver that writes the branch's real resolver on its first call."""

        def link(m: Match[str], path: str) -> MatchResult:
            resolver = self.resolvers[marker] = _resolver(pattern, groups, self._chain(marker, pattern))
            return resolver(m, path)

        return link

    def _chain(self, marker: int, branch: Pattern) -> list[ChainEntry]:
        """The routes that can match a path taken by ``branch``, as ``(route, pattern, certain)``.

        A route whose every pattern is static (the dict answers those paths),
        provably disjoint, or an earlier branch of this regex (which would have
        matched first) cannot match, and is left out. One that contains the
        branch always matches (``certain``, with that pattern); any other is
        confirmed per request, against its one pattern that can match, or
        against the whole route (``pattern`` None) when several can. "Earlier
        would have matched first" holds only between patterns of whole-segment
        tokens: a user regex can take more or less of the path, so the engine
        may settle on a later branch before it tries an earlier one.
        """
        chain: list[ChainEntry] = []
        for route in self.routes:
            candidates: list[Pattern] = []
            for pattern in route.patterns:
                if contains(pattern, branch):
                    # An earlier candidate that may match too gives the params: confirm instead.
                    candidates.append(pattern)
                    break
                if pattern.is_static or disjoint(pattern, branch):
                    continue
                if not (pattern.opaque or branch.opaque) and self.priority.get(pattern.key, marker) < marker:
                    continue
                candidates.append(pattern)
            if len(candidates) == 1:
                chain.append((route, candidates[0], contains(candidates[0], branch)))
            elif candidates:
                chain.append((route, None, False))
        return chain


def _resolver(branch: Pattern, groups: list[int], chain: list[ChainEntry]) -> Resolver:
    """Write the function that turns a match of ``branch`` into its handler chain.

    Generated once per branch so that a request pays for exactly the dicts it
    needs: no loop, no per-entry tests (the approach of compiled routers such
    as Falcon's). A route that matches only some paths of the branch is
    confirmed by comparing the branch's groups with its literals where both
    are plain segments (``/pulls/:n/reviews`` on a path taken by
    ``/pulls/comments/:id`` needs ``id == "reviews"``), and by its own matcher
    otherwise.
    """
    if all(certain and pattern is not None and not pattern.names for _, pattern, certain in chain):
        constant = [(route.handler, _NO_PARAMS) for route, _, _ in chain]
        return lambda m, path: constant
    namespace: dict[str, Any] = {"NO_PARAMS": _NO_PARAMS}
    used: dict[int, str] = {}  # regex group -> local name

    def group(position: int) -> str:
        return used.setdefault(groups[position], f"v{len(used)}")

    body = []
    entries: list[str] | None = []  # (handler, params) expressions while every entry is unconditional
    for i, (route, pattern, certain) in enumerate(chain):
        namespace[f"h{i}"] = route.handler
        conditions = [] if certain or pattern is None else _conditions(pattern, branch, group)
        if pattern is None or conditions is None:
            namespace[f"r{i}"] = route.match
            body += [f"p = r{i}(path)", "if p is not None:", f"    result.append((h{i}, p))"]
            entries = None
            continue
        entry = f"(h{i}, {_params(pattern, branch, group)})"
        if conditions:
            body += [f"if {' and '.join(conditions)}:", f"    result.append({entry})"]
            entries = None
        else:
            body.append(f"result.append({entry})")
            entries = None if entries is None else [*entries, entry]
    lines = ["def resolve(m, path):"]
    if used:
        lines.append(f"    {', '.join(used.values())} = m.group({', '.join(map(str, used))})")
    if entries is not None:
        lines.append(f"    return [{', '.join(entries)}]")
    else:
        lines += ["    result = []", *("    " + line for line in body), "    return result"]
    exec("\n".join(lines), namespace)  # noqa: S102 - source built above from repr()'d names only
    return namespace["resolve"]  # type: ignore[no-any-return]


def _params(pattern: Pattern, branch: Pattern, group: Callable[[int], str]) -> str:
    """The params of ``pattern`` on a path taken by ``branch``, as a dict expression."""
    items = []
    seen = set()
    for position, token in enumerate(pattern.tokens):
        if token.name is None or token.name in seen:
            continue
        seen.add(token.name)
        mine = branch.tokens[position]
        items.append(f"{token.name!r}: {repr(mine.text) if mine.kind == LITERAL else group(position)}")
    return "{" + ", ".join(items) + "}" if items else "NO_PARAMS"


def _conditions(pattern: Pattern, branch: Pattern, group: Callable[[int], str]) -> list[str] | None:
    """Tests on the branch's groups that decide whether ``pattern`` matches a path the branch
    took; None when the two are not both plain segments of the same count."""
    plain = (LITERAL, PARAM)
    if (
        pattern.tail
        or branch.tail
        or len(pattern.tokens) != len(branch.tokens)
        or any(t.kind not in plain for t in pattern.tokens)
        or any(t.kind not in plain for t in branch.tokens)
    ):
        return None
    checks = []  # (position, literal) pairs, turned into code only once all of them are known
    for position, (mine, theirs) in enumerate(zip(branch.tokens, pattern.tokens)):
        if theirs.kind == LITERAL and mine.kind == PARAM:
            checks.append((position, theirs.text))
        elif theirs.kind == LITERAL and mine.text != theirs.text:
            return None  # disjoint, which _chain rules out; never guess
        elif theirs.kind == PARAM and mine.kind == LITERAL and not mine.text:
            return None
    # Only now: ``group`` makes the resolver read that group on every request.
    return [f"{group(position)} == {text!r}" for position, text in checks]


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
