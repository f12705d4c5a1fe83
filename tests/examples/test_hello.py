"""The hello example, through the in-process test helper."""

from __future__ import annotations

import json

from examples.hello.app import app
from tests.conftest import run


def get(path: str, **kwargs):
    res = run(app.request(path, **kwargs))
    return res, run(res.text())


def test_home_and_server_timing():
    res, text = get("/")
    assert (res.status, text) == (200, "Hello from edgekit!")
    assert res.headers.get("server-timing").startswith("app;dur=")


def test_hello_decodes_the_name():
    assert json.loads(get("/hello/J%C3%BCrgen")[1]) == {"message": "Hello, Jürgen!"}


def test_books_filter_and_bad_query():
    assert [b["id"] for b in json.loads(get("/books?since=1990")[1])["books"]] == ["1"]
    res, text = get("/books?since=soon")
    assert (res.status, text) == (400, "since must be a year, like ?since=1990")


def test_book_by_numeric_id_only():
    assert json.loads(get("/books/2")[1])["year"] == 1985
    assert get("/books/9")[0].status == 404
    assert get("/books/abc")[0].status == 404


def test_echo_and_malformed_json():
    res, text = get("/echo", method="POST", json={"a": [1, 2]})
    assert (res.status, json.loads(text)) == (200, {"you_sent": {"a": [1, 2]}})
    res, text = get("/echo", method="POST", body="{oops", headers={"content-type": "application/json"})
    assert res.status == 400 and "Malformed JSON" in text
