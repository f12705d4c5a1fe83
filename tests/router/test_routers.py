"""Every router against an independent reference matcher, on generated tables.

The reference below turns each generated pattern into a regex with its own
simple rules and tries every route in order; the routers must return the very
same handlers, in the same order, with the same params, for every path.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgekit.router import LinearRouter, RegExpRouter, SmartRouter, TrieRouter

ROUTERS = [LinearRouter, TrieRouter, RegExpRouter, SmartRouter]

LITERALS = ["a", "b", "users", "me", ""]
MIDDLE = LITERALS + [":x", ":y", "*", ":n{[0-9]+}", ":s{.+}"]
PATH_SEGMENTS = ["a", "b", "users", "me", "", "1", "12", "x-y", "a%2Fb"]


def reference_regex(pattern: str) -> list[tuple[str, list[str]]]:
    """(regex, param names) for each alternative of a generated pattern."""
    segments = pattern[1:].split("/")
    alternatives = [segments]
    if segments[-1].endswith("?"):
        # Hono's optional expansion also drops empty segments
        kept = [s for s in segments[:-1] if s]
        alternatives = [kept or [""], kept + [segments[-1][:-1]]]
    out = []
    for segs in alternatives:
        regex, names = "", []
        for i, seg in enumerate(segs):
            last = i == len(segs) - 1
            if seg == "*" and last:
                regex += "(?:/.*)?"
            elif seg == "*":
                regex += "/[^/]*"
            elif seg.startswith(":") and "{" in seg:
                name, inner = seg[1:].split("{", 1)
                regex += f"/({inner[:-1]})"
                names.append(name)
            elif seg.startswith(":"):
                regex += "/([^/]+)"
                names.append(seg[1:])
            else:
                regex += "/" + re.escape(seg)
        out.append((regex or "/", names))
    return out


def reference_match(table: list[tuple[str, str, int]], method: str, path: str) -> list[tuple[int, dict]]:
    found = []
    for route_method, pattern, handler in table:
        if route_method not in (method, "ALL"):
            continue
        for regex, names in reference_regex(pattern):
            if pattern in ("*", "/*"):
                regex = "(?:/.*)?"
            m = re.fullmatch(regex, path)
            if m:
                params: dict[str, str] = {}
                for name, value in zip(names, m.groups()):
                    params.setdefault(name, value)
                found.append((handler, params))
                break
    return found


@st.composite
def patterns(draw) -> str:
    segs = draw(st.lists(st.sampled_from(MIDDLE), min_size=1, max_size=4))
    ending = draw(st.sampled_from(["", "", "tail", "optional"]))
    if ending == "tail":
        segs.append("*")
    elif ending == "optional":
        segs.append(":o?")
    return "/" + "/".join(segs)


tables = st.lists(
    st.tuples(st.sampled_from(["GET", "POST", "ALL"]), patterns()), min_size=1, max_size=12
).map(lambda rows: [(m, p, i) for i, (m, p) in enumerate(rows)])
paths = st.lists(st.sampled_from(PATH_SEGMENTS), min_size=1, max_size=5).map(lambda s: "/" + "/".join(s))


def build(router_cls, table):
    router = router_cls()
    for method, pattern, handler in table:
        router.add(method, pattern, handler)
    return router


@settings(max_examples=max(300, settings().max_examples), deadline=None)
@given(table=tables, requests=st.lists(st.tuples(st.sampled_from(["GET", "POST", "PUT"]), paths), max_size=8))
def test_routers_agree_with_reference(table, requests) -> None:
    routers = [build(cls, table) for cls in ROUTERS]
    for method, path in requests:
        expected = reference_match(table, method, path)
        for router in routers:
            assert router.match(method, path) == expected, (router.name, table, method, path)


@settings(max_examples=max(200, settings().max_examples), deadline=None)
@given(table=tables, extra=patterns(), path=paths)
def test_unrelated_route_never_changes_answer(table, extra, path) -> None:
    """Adding a route that does not match a path leaves that path's answer alone."""
    extra_route = ("GET", extra, len(table))
    if reference_match([extra_route], "GET", path):
        return
    for cls in ROUTERS:
        assert build(cls, table + [extra_route]).match("GET", path) == build(cls, table).match("GET", path)


@pytest.mark.parametrize("router_cls", ROUTERS)
def test_static_beside_param_keeps_registration_order(router_cls) -> None:
    router = build(router_cls, [("GET", "/gists/:id", "param"), ("GET", "/gists/public", "public")])
    assert router.match("GET", "/gists/public") == [("param", {"id": "public"}), ("public", {})]
    assert router.match("GET", "/gists/42") == [("param", {"id": "42"})]


@pytest.mark.parametrize("router_cls", ROUTERS)
def test_routes_added_after_first_match_are_seen(router_cls) -> None:
    router = build(router_cls, [("GET", "/a/:x", "first")])
    assert router.match("GET", "/a/1") == [("first", {"x": "1"})]
    router.add("GET", "/a/1", "second")
    assert router.match("GET", "/a/1") == [("first", {"x": "1"}), ("second", {})]


@pytest.mark.parametrize("router_cls", ROUTERS)
def test_unknown_method_uses_all_routes_only(router_cls) -> None:
    router = build(router_cls, [("GET", "/x", "get"), ("ALL", "/x", "all")])
    assert router.match("PURGE", "/x") == [("all", {})]


@pytest.mark.parametrize("router_cls", ROUTERS)
def test_regex_param_may_span_segments(router_cls) -> None:
    router = build(router_cls, [("GET", "/wild/:path{.+}/edit", "edit")])
    assert router.match("GET", "/wild/a/b/edit") == [("edit", {"path": "a/b"})]
    assert router.match("GET", "/wild/edit") == []


def test_smart_router_falls_back_when_the_table_cannot_be_one_regex(monkeypatch) -> None:
    from edgekit.router import regexp

    def refuse(*_args):
        raise regexp.UnsupportedTableError("too large for the regex engine")

    monkeypatch.setattr(regexp, "_compile", refuse)
    router = build(SmartRouter, [("GET", "/a/:x{[a-c]+}", "regex"), ("GET", "/b/:y", "plain")])
    assert router.match("GET", "/b/1") == [("plain", {"y": "1"})]
    assert router.match("GET", "/a/abc") == [("regex", {"x": "abc"})]
    assert router.name == "SmartRouter + TrieRouter"


@pytest.mark.parametrize("bad", ["/a/:x{(?i)abc}", "/a/:x{(a)\\1}", "/a/:x{(?(1)a|b)}", "/a/:x{[}"])
def test_unembeddable_param_regex_is_refused_at_registration(bad) -> None:
    with pytest.raises(ValueError, match="route"):
        RegExpRouter().add("GET", bad, "h")


def test_scoped_inline_flags_are_fine() -> None:
    router = build(RegExpRouter, [("GET", "/a/:x{(?i:abc)}", "h")])
    assert router.match("GET", "/a/ABC") == [("h", {"x": "ABC"})]


def test_smart_router_serves_routes_added_after_it_answered() -> None:
    router = build(SmartRouter, [("GET", "/users/:id", "u")])
    assert router.match("GET", "/users/me") == [("u", {"id": "me"})]
    router.add("GET", "/users/me", "me")
    router.add("POST", "/users", "create")
    assert router.match("GET", "/users/me") == [("u", {"id": "me"}), ("me", {})]
    assert router.match("POST", "/users") == [("create", {})]


def test_smart_router_checks_the_table_once_even_for_a_kept_bound_match(monkeypatch) -> None:
    router = build(SmartRouter, [("GET", "/users/:id", "u")])
    kept = router.match  # taken before the first request, as a caller may
    builds = []
    original = RegExpRouter.build
    monkeypatch.setattr(RegExpRouter, "build", lambda self: builds.append(1) or original(self))
    for _ in range(3):
        assert kept("GET", "/users/1") == [("u", {"id": "1"})]
    assert builds == [1]


def test_smart_router_prefers_one_regex() -> None:
    router = build(SmartRouter, [("GET", "/users/:id", "u"), ("GET", "/users/me", "me")])
    router.match("GET", "/users/1")
    assert router.name == "SmartRouter + RegExpRouter"


@pytest.mark.parametrize("router_cls", ROUTERS)
def test_greedy_user_regex_does_not_hide_an_earlier_branch(router_cls) -> None:
    """A regex param may swallow segments, so the regex can settle on a later branch."""
    table = [("GET", "/a", 0), ("GET", "/:s{.+}/*", 1), ("GET", "/:s{.+}/a", 2)]
    assert build(router_cls, table).match("GET", "/a/a") == [(1, {"s": "a/a"}), (2, {"s": "a"})]


@pytest.mark.parametrize("router_cls", ROUTERS)
def test_later_static_segment_beside_param(router_cls) -> None:
    table = [("GET", "/gists/:id/:sha", "sha"), ("GET", "/gists/:id/star", "star")]
    router = build(router_cls, table)
    assert router.match("GET", "/gists/1/star") == [("sha", {"id": "1", "sha": "star"}), ("star", {"id": "1"})]
    assert router.match("GET", "/gists/1/abc") == [("sha", {"id": "1", "sha": "abc"})]


@pytest.mark.parametrize("router_cls", ROUTERS)
def test_params_come_from_the_first_matching_alternative(router_cls) -> None:
    """``/:n{..}/a/*/:o?`` expands to a tail pattern and a longer one that can both match."""
    table = [("GET", "/a", 0), ("GET", "/:n{[0-9]+}/a/*/:o?", 1)]
    assert build(router_cls, table).match("GET", "/1/a/a/a") == [(1, {"n": "1"})]


@pytest.mark.parametrize("router_cls", ROUTERS)
def test_literal_segments_with_regex_characters(router_cls) -> None:
    table = [("GET", "/a(b)/:x", "paren"), ("GET", "/v1.0/:y", "dot")]
    router = build(router_cls, table)
    assert router.match("GET", "/a(b)/1") == [("paren", {"x": "1"})]
    assert router.match("GET", "/v1.0/2") == [("dot", {"y": "2"})]
    assert router.match("GET", "/v1x0/2") == []


def test_build_compiles_every_method_ahead_of_time() -> None:
    router = build(RegExpRouter, [("GET", "/a/:x", "get"), ("POST", "/b/:y", "post"), ("ALL", "/c/*", "all")])
    router.build()
    tables = router._tables
    assert {"GET", "POST", "ALL"} <= set(tables)
    assert all(table.regex.compiled is not None for table in tables.values())
    assert router.match("POST", "/b/1") == [("post", {"y": "1"})]
