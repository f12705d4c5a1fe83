"""Cookies: parsing garbage, every attribute, prefix rules, signed cookies."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from edgekit import App
from edgekit.helpers.cookie import (
    delete_cookie,
    get_cookie,
    get_signed_cookie,
    parse_cookie_header,
    serialize_cookie,
    set_cookie,
    set_signed_cookie,
)
from tests.conftest import run

SECRET = "s3cret-key"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("a=1; b=2", {"a": "1", "b": "2"}),
        ("  a = 1 ;b=two  ", {"a": "1", "b": "two"}),
        ('q="quoted"', {"q": "quoted"}),
        ("a=1; a=2", {"a": "1"}),  # first wins
        ("enc=caf%C3%A9%20ok", {"enc": "café ok"}),
        ("bad=%E0%A4%A; ok=1", {"bad": "%E0%A4%A", "ok": "1"}),  # invalid escape kept as written
        ("novalue; =x; a b=1; c=has space; d=1", {"d": "1"}),
        ("e=; f=\x01", {"e": ""}),
        (";;;", {}),
        ("x=" + "y" * 5000, {"x": "y" * 5000}),
        ("\u00e9=1; g=\u00e9", {}),  # non-ASCII name or raw value: skipped
    ],
)
def test_parse_tolerates_garbage(header, expected):
    assert parse_cookie_header(header) == expected


def test_serialize_every_attribute():
    when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    later = time.time() + 3600
    header = serialize_cookie(
        "id",
        'a b,c"é',
        max_age=60,
        expires=min(when.timestamp(), later),
        path="/app",
        domain="example.com",
        secure=True,
        http_only=True,
        same_site="lax",
        partitioned=True,
        priority="high",
    )
    parts = header.split("; ")
    assert parts[0] == "id=a%20b%2Cc%22%C3%A9"
    assert parts[1] == "Max-Age=60"
    assert parts[2].startswith("Expires=") and parts[2].endswith(" GMT")
    assert parts[3:] == [
        "Domain=example.com",
        "Path=/app",
        "Secure",
        "HttpOnly",
        "SameSite=Lax",
        "Partitioned",
        "Priority=High",
    ]


def test_expires_format():
    assert serialize_cookie("a", "b", expires=784111777, path=None) == "a=b; Expires=Sun, 06 Nov 1994 08:49:37 GMT"
    aware = datetime.now(timezone.utc) + timedelta(days=1)
    assert "Expires=" in serialize_cookie("a", "b", expires=aware)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "bad name"}, "invalid cookie name"),
        ({"name": "a;b"}, "invalid cookie name"),
        ({"name": ""}, "invalid cookie name"),
        ({"value": "x;Path=/admin"}, "contains ';'"),
        ({"value": "x\r\nSet-Cookie: evil=1"}, "CR, LF"),
        ({"max_age": 400 * 86400 + 1}, "beyond 400 days"),
        ({"expires": time.time() + 401 * 86400}, "400 days"),
        ({"partitioned": True}, "partitioned requires secure"),
        ({"same_site": "None"}, "SameSite=None requires secure"),
        ({"same_site": "sometimes"}, "same_site must be"),
        ({"priority": "urgent"}, "priority must be"),
        ({"path": "/a;Domain=evil.com"}, "path"),
        ({"domain": "evil.com\r\nx: y"}, "domain"),
        ({"name": "__Secure-id"}, "__Secure- cookie requires secure"),
        ({"name": "__Host-id"}, "__Host- cookie requires secure"),
        ({"name": "__Host-id", "secure": True, "path": "/app"}, "path='/'"),
        ({"name": "__Host-id", "secure": True, "domain": "example.com"}, "must not have a domain"),
        ({"name": "__host-id", "secure": True, "path": "/x"}, "path='/'"),
        ({"expires": datetime(2030, 1, 1)}, "timezone-aware"),
    ],
)
def test_serialize_refuses(kwargs, message):
    args = {"name": "n", "value": "v", **kwargs}
    with pytest.raises(ValueError, match=message):
        serialize_cookie(args.pop("name"), args.pop("value"), **args)


def test_prefixed_cookies_that_follow_the_rules():
    assert serialize_cookie("__Host-id", "1", secure=True) == "__Host-id=1; Path=/; Secure"
    assert serialize_cookie("__Secure-id", "1", secure=True, path="/x", domain="a.com").endswith("Secure")


def _app():
    app = App()

    @app.get("/set")
    def set_(c):
        set_cookie(c, "a", "1", http_only=True)
        set_cookie(c, "b", "two words")
        set_signed_cookie(c, "__Host-s", "user 42", SECRET, secure=True)
        return c.text("ok")

    @app.get("/read")
    def read(c):
        return {
            "all": get_cookie(c),
            "a": get_cookie(c, "a"),
            "missing": get_cookie(c, "zzz"),
            "signed": get_signed_cookie(c, SECRET, "__Host-s"),
            "signed_missing": get_signed_cookie(c, SECRET, "nope"),
        }

    @app.get("/signed-all")
    def signed_all(c):
        return get_signed_cookie(c, SECRET)

    @app.get("/delete")
    def delete(c):
        return {"was": delete_cookie(c, "a"), "host": delete_cookie(c, "__Host-s")}

    @app.get("/bad")
    def bad(c):
        set_cookie(c, "x", c.req.query("v"))
        return "unreachable"

    return app


def test_set_cookies_stay_separate():
    res = run(_app().request("/set"))
    cookies = res.headers.get_set_cookie()
    assert cookies[0] == "a=1; Path=/; HttpOnly"
    assert cookies[1] == "b=two%20words; Path=/"
    assert cookies[2].startswith("__Host-s=user%2042.") and cookies[2].endswith("; Path=/; Secure")
    assert len(cookies) == 3


def test_round_trip_through_the_browser_header():
    app = _app()
    set_res = run(app.request("/set"))
    sent = "; ".join(h.split(";")[0] for h in set_res.headers.get_set_cookie())
    body = run(run(app.request("/read", headers={"cookie": sent})).json())
    assert body["a"] == "1" and body["missing"] is None
    assert body["all"]["b"] == "two words"
    assert body["signed"] == "user 42"
    assert body["signed_missing"] is None


def test_tampered_signed_cookie_reads_as_false():
    app = _app()
    set_res = run(app.request("/set"))
    signed = set_res.headers.get_set_cookie()[2].split(";")[0]
    name, value = signed.split("=", 1)
    forged = [
        f"{name}=user%2043{value[len('user%2042') :]}",  # value changed, signature kept
        f"{name}={value[:-3]}AAA",  # signature changed
        f"{name}=user%2042",  # no signature
        f"{name}=user%2042.",  # empty signature
        f"{name}=user%2042.%C3%A9",  # non-ASCII signature
    ]
    for cookie in forged:
        body = run(run(app.request("/read", headers={"cookie": cookie})).json())
        assert body["signed"] is False, cookie
    other_secret = run(run(app.request("/signed-all", headers={"cookie": signed + "; plain=1"})).json())
    assert other_secret == {"__Host-s": "user 42", "plain": False}


def test_delete_returns_the_value_and_expires():
    res = run(_app().request("/delete", headers={"cookie": "a=1"}))
    assert run(res.json()) == {"was": "1", "host": None}
    first, second = res.headers.get_set_cookie()
    assert first == "a=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/"
    assert second.startswith("__Host-s=; Max-Age=0;") and second.endswith("Path=/; Secure")


def test_injection_through_an_app_is_a_500_not_a_header():
    res = run(_app().request("/bad?v=1%3B%20Domain%3Devil.com"))
    assert res.status == 500
    assert res.headers.get_set_cookie() == []


def test_empty_secret_is_refused():
    app = App()

    @app.get("/")
    def h(c):
        set_signed_cookie(c, "a", "b", "")
        return "x"

    assert run(app.request("/")).status == 500
