"""Which routes can match the paths of one branch, and the code that answers them.

A fast router finds ONE pattern (a "branch") that matches the path; the answer
must still list EVERY matching route, in registration order. For each branch
this module works out, once, which routes can match any path the branch takes
(:func:`chain_for`) and writes a small function that turns the branch's
captured values into that answer (:func:`write_resolver`). Reasoning is
segment by segment and never guesses: a route it cannot settle statically is
confirmed per request with its own matcher.
"""

from __future__ import annotations

from .pattern import LITERAL, PARAM, STAR, Pattern, Token

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from re import Match
    from typing import Any

    from .base import MatchResult, Route

    # Turns the regex match of a branch (and the path) into the answer.
    Resolver = Callable[[Match[str], str], MatchResult]
    # (route, the pattern that matches or may match, whether it surely matches)
    ChainEntry = tuple[Route, Pattern | None, bool]

NO_PARAMS: dict[str, str] = {}


def chain_for(routes: list[Route], branch: Pattern, shadowed: Callable[[Pattern], bool] | None) -> list[ChainEntry]:
    """The routes that can match a path taken by ``branch``, as ``(route, pattern, certain)``.

    A route whose every pattern is static (a dict answers those paths), or
    provably disjoint, cannot match and is left out; so is a pattern that
    ``shadowed`` says would have been found instead of ``branch`` (a regex
    tries its branches in order). One that contains the branch always matches
    (``certain``, with that pattern); any other is confirmed per request,
    against its one pattern that can match, or against the whole route
    (``pattern`` None) when several can.
    """
    chain: list[ChainEntry] = []
    for route in routes:
        candidates: list[Pattern] = []
        for pattern in route.patterns:
            if contains(pattern, branch):
                # An earlier candidate that may match too gives the params: confirm instead.
                candidates.append(pattern)
                break
            if pattern.is_static or disjoint(pattern, branch):
                continue
            if shadowed is not None and shadowed(pattern):
                continue
            candidates.append(pattern)
        if len(candidates) == 1:
            chain.append((route, candidates[0], contains(candidates[0], branch)))
        elif candidates:
            chain.append((route, None, False))
    return chain


def write_resolver(branch: Pattern, indices: list[int], chain: list[ChainEntry]) -> Resolver:
    """Write the function that turns a match of ``branch`` into its handler chain.

    The function is ``resolve(found, path)``: ``found`` is the regex match, whose
    group ``indices[i]`` holds the value of the branch's token ``i``.

    Generated once per branch so that a request pays for exactly the dicts it
    needs: no loop, no per-entry tests (the approach of compiled routers such
    as Falcon's). A route that matches only some paths of the branch is
    confirmed by comparing the branch's groups with its literals where both
    are plain segments (``/pulls/:n/reviews`` on a path taken by
    ``/pulls/comments/:id`` needs ``id == "reviews"``), and by its own matcher
    otherwise.
    """
    if all(certain and pattern is not None and not pattern.names for _, pattern, certain in chain):
        constant = [(route.handler, NO_PARAMS) for route, _, _ in chain]
        return lambda found, path: constant
    namespace: dict[str, Any] = {"NO_PARAMS": NO_PARAMS}
    used: dict[int, str] = {}  # group or segment index -> local name

    def group(position: int) -> str:
        return used.setdefault(indices[position], f"v{len(used)}")

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
    lines = ["def resolve(found, path):"]
    if used:
        # found[i] (an opcode) rather than found.group(i, ...) (a method call): cheaper per value.
        read = ", ".join(f"found[{i}]" for i in used)
        lines.append(f"    {', '.join(used.values())} = {read}")
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
