"""The pattern language: parsing, optional expansion and what each form matches."""

from __future__ import annotations

import pytest

from edgekit.router.pattern import GLOB, LITERAL, PARAM, REGEX, STAR, parse


def sources(path: str) -> list[str]:
    return [p.source for p in parse(path)]


@pytest.mark.parametrize(
    ("path", "expanded"),
    [
        ("/api/animal/:type?", ["/api/animal", "/api/animal/:type"]),
        ("/multi/:a?/:b?", ["/multi", "/multi/:a", "/multi/:a/:b"]),
        ("/:o?", ["/", "/:o"]),
        ("/regopt/:id{[0-9]+}?", ["/regopt", "/regopt/:id{[0-9]+}"]),
        ("/mid/:a?/end", ["/mid/:a?/end"]),
        ("/what?", ["/what?"]),
    ],
)
def test_optional_params_expand_like_hono(path, expanded):
    assert sources(path) == expanded


def test_token_kinds():
    (pattern,) = parse("/a/:id/*/:n{[0-9]+}/p*q")
    assert [t.kind for t in pattern.tokens] == [LITERAL, PARAM, STAR, REGEX, GLOB]
    assert pattern.names == ["id", None, "n", None]


def test_param_name_is_the_whole_segment():
    (pattern,) = parse("/range/:from-:to")
    assert pattern.match("/range/1-5") == {"from-:to": "1-5"}


def test_regex_braces_may_hold_slashes_and_quantifiers():
    (pattern,) = parse("/img/:path{.+/[A-Z]{3}\\.png}")
    assert pattern.match("/img/a/b/ABC.png") == {"path": "a/b/ABC.png"}
    assert pattern.match("/img/a/ABCD.png") is None


def test_user_capture_groups_do_not_shift_params():
    (pattern,) = parse("/cap/:kind{(cat|dog)s?}/:n")
    assert pattern.match("/cap/cats/3") == {"kind": "cats", "n": "3"}


@pytest.mark.parametrize(
    ("path", "matches", "misses"),
    [
        ("/x/*", ["/x", "/x/", "/x/a/b"], ["/xy", "/"]),
        ("*", ["/", "/anything/at/all"], []),
        ("/wild/*/card", ["/wild/x/card", "/wild//card"], ["/wild/x/y/card"]),
        ("/star*", ["/star", "/starry", "/star/x"], ["/sta"]),
        ("/p*q", ["/pxq", "/pxyq"], ["/px/q", "/pq"]),
        ("/users/:id", ["/users/1"], ["/users/", "/users/1/2"]),
        ("/dir/", ["/dir/"], ["/dir"]),
        ("/x//y", ["/x//y"], ["/x/y"]),
    ],
)
def test_what_each_form_matches(path, matches, misses):
    (pattern,) = parse(path)
    for p in matches:
        assert pattern.match(p) is not None, p
    for p in misses:
        assert pattern.match(p) is None, p


def test_structural_and_regex_matching_agree():
    for path in ["/a/:x/*", "/a/*/b", "/:x/:y", "/a/b/c"]:
        (pattern,) = parse(path)
        for request in ["/a/1", "/a/1/b", "/a//b", "/a/b/c", "/x/y", "/a", "/"]:
            m = pattern.compiled().match(request)
            structural = pattern.match(request)
            assert (m is not None) == (structural is not None), (path, request)


def test_first_of_repeated_names_wins():
    (pattern,) = parse("/dup/:x/:x")
    assert pattern.match("/dup/a/b") == {"x": "a"}
