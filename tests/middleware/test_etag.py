from __future__ import annotations

import hashlib

import pytest

from edgekit import App, Context, Response
from edgekit.middleware.etag import etag, make_etag, parse_entity_tags, weak_match
from tests.conftest import run

BODY = b"hello etag"
TAG = '"' + hashlib.sha1(BODY).hexdigest() + '"'


def _app(**options: object) -> App:
    app = App()
    app.use(etag(**options))  # type: ignore[arg-type]

    @app.get("/")
    def index(c: Context) -> object:
        c.header("cache-control", "max-age=60")
        c.header("vary", "accept")
        c.header("set-cookie", "s=1")
        c.header("x-other", "dropped on 304")
        return c.body(BODY, headers={"content-type": "text/plain"})

    @app.get("/own")
    def own(c: Context) -> object:
        return c.text("x", headers={"etag": 'W/"v7"'})

    @app.get("/stream")
    def stream(c: Context) -> object:
        async def chunks():  # type: ignore[no-untyped-def]
            yield b"hello "
            yield b"etag"

        return c.body(chunks())

    @app.post("/")
    def post(c: Context) -> object:
        return c.body(BODY)

    @app.get("/missing")
    def missing(c: Context) -> object:
        return c.text("nope", 404)

    return app


def test_strong_etag_is_sha1_of_body() -> None:
    res = run(_app().request("/"))
    assert res.headers.get("etag") == TAG and run(res.bytes()) == BODY


def test_weak_etag() -> None:
    assert run(_app(weak=True).request("/")).headers.get("etag") == "W/" + TAG


@pytest.mark.parametrize(
    "inm", [TAG, "W/" + TAG, '"other", ' + TAG, "*", f'"a,b" , W/{TAG}', f"  {TAG}  ", f"junk, {TAG}"]
)
def test_if_none_match_gives_304(inm: str) -> None:
    res = run(_app().request("/", headers={"if-none-match": inm}))
    assert res.status == 304 and run(res.bytes()) == b""
    assert res.headers.get("etag") == TAG
    assert res.headers.get("cache-control") == "max-age=60" and res.headers.get("vary") == "accept"
    for dropped in ("content-type", "set-cookie", "x-other", "content-length"):
        assert res.headers.get(dropped) is None, dropped


@pytest.mark.parametrize("inm", ['"other"', "", ",,,", '"' + TAG, TAG[:-1], "W/", 'W/"', "**", TAG.strip('"')])
def test_non_matching_or_malformed_if_none_match_gives_200(inm: str) -> None:
    res = run(_app().request("/", headers={"if-none-match": inm}))
    assert res.status == 200 and run(res.bytes()) == BODY


def test_head_gets_304_and_post_never_does() -> None:
    assert run(_app().request("/", method="HEAD", headers={"if-none-match": TAG})).status == 304
    res = run(_app().request("/", method="POST", headers={"if-none-match": TAG}))
    assert res.status == 200 and res.headers.get("etag") == TAG


def test_keeps_the_handler_etag_and_compares_with_it() -> None:
    app = _app()
    assert run(app.request("/own")).headers.get("etag") == 'W/"v7"'
    assert run(app.request("/own", headers={"if-none-match": '"v7"'})).status == 304


def test_streams_are_skipped_unless_asked() -> None:
    res = run(_app().request("/stream"))
    assert res.headers.get("etag") is None and run(res.bytes()) == BODY
    res = run(_app(streams=True).request("/stream"))
    assert res.headers.get("etag") == TAG and run(res.bytes()) == BODY
    assert run(_app(streams=True).request("/stream", headers={"if-none-match": TAG})).status == 304


def test_non_200_is_not_tagged() -> None:
    res = run(_app().request("/missing", headers={"if-none-match": "*"}))
    assert res.status == 404 and res.headers.get("etag") is None


def test_retained_headers_option() -> None:
    res = run(_app(retained_headers=["X-Other"]).request("/", headers={"if-none-match": TAG}))
    assert res.headers.get("x-other") == "dropped on 304" and res.headers.get("etag") is None


def test_helpers() -> None:
    assert make_etag(b"") == '"da39a3ee5e6b4b0d3255bfef95601890afd80709"'
    assert parse_entity_tags('W/"a", "b,c", bogus, "d"') == ['"a"', '"b,c"', '"d"']
    assert parse_entity_tags(" * ") is None
    assert weak_match('W/"a"', '"a"') and weak_match('"a"', 'W/"a"') and not weak_match('"a"', '"b"')


def test_a_plain_response_is_tagged() -> None:
    app = App()
    app.use(etag())
    app.get("/")(lambda c: Response(b"x"))
    assert run(app.request("/")).headers.get("etag") == make_etag(b"x")
