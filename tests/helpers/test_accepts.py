"""Content negotiation for Accept, Accept-Language and Accept-Encoding."""

from __future__ import annotations

import pytest

from edgekit import App
from edgekit.helpers.accepts import accepts, negotiate, parse_accept
from tests.conftest import run

MEDIA = ["application/json", "text/html", "text/plain"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("text/html", "text/html"),
        ("text/html;q=0.5, application/json", "application/json"),
        ("text/*", "text/html"),  # first supported under the range
        ("*/*", "application/json"),
        ("text/*;q=0, */*;q=0.1", "application/json"),  # text/* refuses every text type
        ("text/*;q=0, text/plain", "text/plain"),  # the exact entry beats the range
        ("TEXT/HTML", "text/html"),
        ("image/png", None),
        ("text/html;q=0", None),
        ("text/plain;q=0.9, text/html;q=0.9", "text/plain"),  # tie: equal specificity, earlier in header wins
        ("*/*;q=0.9, text/plain", "text/plain"),
        ("text/html;level=1;q=0.2, application/json;q=0.3", "application/json"),
    ],
)
def test_media_negotiation(header, expected):
    assert negotiate(header, MEDIA, media=True) == expected


@pytest.mark.parametrize(
    "header",
    [
        "text/html;q=2, application/json;q=0.1",  # q above 1: entry dropped
        "text/html;q=abc, application/json;q=0.1",
        "text/html;q=, application/json;q=0.1",
        "text/html;q=0.12345, application/json;q=0.1",
        "*/html, application/json;q=0.1",
        "text, application/json;q=0.1",
        ",,;;, application/json;q=0.1",
        "text/html/x, application/json;q=0.1",
    ],
)
def test_malformed_entries_are_skipped(header):
    assert negotiate(header, MEDIA, media=True) == "application/json"


def test_parse_keeps_order_and_quality():
    assert parse_accept("a;q=0.5, b, c;x=1;q=0") == [("a", 0.5, 0), ("b", 1.0, 1), ("c", 0.0, 2)]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5", "fr"),
        ("en-GB", None),  # a more specific range does not match the shorter tag
        ("en", "en-US"),  # but "en" matches "en-US"
        ("de, *;q=0.1", "en-US"),
        ("*;q=0", None),
    ],
)
def test_language_negotiation(header, expected):
    assert negotiate(header, ["en-US", "fr"]) == expected


def test_encoding_negotiation():
    assert negotiate("gzip, br;q=1.0, identity;q=0.5", ["br", "gzip"]) == "gzip"
    assert negotiate("gzip;q=0.8, br", ["br", "gzip"]) == "br"
    assert negotiate("deflate", ["br", "gzip"]) is None


def _app():
    app = App()

    @app.get("/")
    def home(c):
        return {
            "type": accepts(c, supports=MEDIA, default="text/plain"),
            "lang": accepts(c, header="Accept-Language", supports=["en", "ja"], default="en"),
            "enc": accepts(c, header="accept-encoding", supports=["gzip"]),
        }

    return app


def test_through_an_app():
    app = _app()
    res = run(app.request("/", headers={"accept": "text/html", "accept-language": "ja;q=0.9, en;q=0.1"}))
    assert run(res.json()) == {"type": "text/html", "lang": "ja", "enc": "gzip"}
    res = run(app.request("/", headers={"accept": "image/*", "accept-language": "xx", "accept-encoding": "br"}))
    assert run(res.json()) == {"type": "text/plain", "lang": "en", "enc": None}


def test_supports_must_be_a_list():
    app = App()

    @app.get("/")
    def home(c):
        return accepts(c, supports="text/html")  # type: ignore[arg-type]

    assert run(app.request("/")).status == 500
