"""Response: status rules, the static constructors, the class-or-instance readers, clone."""

from __future__ import annotations

import asyncio
from http import HTTPStatus

import pytest

from edgekit import URL, FormData, Headers, Response, URLSearchParams
from tests.conftest import run


def test_defaults():
    res = Response()
    assert (res.status, res.status_text, res.ok, res.type, res.body_used) == (200, "", True, "default", False)
    assert res.body is None and res.body_bytes is None and res.headers.items() == []
    assert run(res.text()) == ""
    assert repr(res) == "<Response 200>"


@pytest.mark.parametrize(("status", "ok"), [(200, True), (299, True), (300, False), (418, False), (599, False)])
def test_ok_is_exactly_2xx(status, ok):
    assert Response(status=status).ok is ok


@pytest.mark.parametrize("status", [0, 100, 101, 103, 199, 600, -1, 65736])
def test_status_outside_200_to_599_is_a_value_error(status):
    with pytest.raises(ValueError, match="200 to 599"):
        Response(status=status)
    with pytest.raises(ValueError):
        Response("x", status=status)


@pytest.mark.parametrize("status", [200.0, "200", True, None])
def test_status_must_be_an_int(status):
    with pytest.raises(TypeError, match="status must be int"):
        Response(status=status)


def test_int_subclasses_are_plain_ints():
    res = Response(status=HTTPStatus.CREATED)
    assert res.status == 201 and type(res.status) is int


@pytest.mark.parametrize("status", [204, 205, 304])
@pytest.mark.parametrize("body", ["x", "", b"", URLSearchParams()])
def test_null_body_statuses_refuse_any_body(status, body):
    with pytest.raises(TypeError, match=str(status)):
        Response(body, status)
    assert Response(None, status).status == status


def test_status_text():
    assert Response(status_text="I'm a teapot").status_text == "I'm a teapot"
    assert Response(status_text="é\tx").status_text == "é\tx"
    for bad in ("a\nb", "a\rb", "Ā", "a\x7f", "a\x00"):
        with pytest.raises(ValueError, match="status text"):
            Response(status_text=bad)
    with pytest.raises(TypeError):
        Response(status_text=1)  # type: ignore[arg-type]


@pytest.mark.parametrize(("body", "content_type", "data"), [
    ("hé", "text/plain;charset=UTF-8", "hé".encode()),
    (b"\x00", None, b"\x00"),
    (bytearray(b"ab"), None, b"ab"),
    (URLSearchParams("a=1&b=é"), "application/x-www-form-urlencoded;charset=UTF-8", b"a=1&b=%C3%A9"),
])
def test_body_types(body, content_type, data):
    res = Response(body)
    assert res.headers.get("content-type") == content_type
    assert res.body_bytes == data and run(res.bytes()) == data


def test_form_data_body():
    form = FormData()
    form.append("a", "1")
    res = Response(form)
    assert res.headers.get("content-type").startswith("multipart/form-data; boundary=")
    assert run(res.form()).items() == [("a", "1")]


def test_headers_are_copied_and_an_explicit_content_type_wins():
    given = Headers({"Content-Type": "text/html", "X-A": "1"})
    res = Response("<p>", headers=given)
    given.set("x-a", "2")
    assert res.headers.items() == [("content-type", "text/html"), ("x-a", "1")]
    assert Response("a", headers={"Content-Length": "99"}).headers.items() == [
        ("content-length", "99"), ("content-type", "text/plain;charset=UTF-8")]
    with pytest.raises(ValueError, match="X-Bad"):
        Response(headers={"X-Bad": "a\nb"})


def test_json_is_a_constructor_on_the_class_and_a_reader_on_an_instance():
    res = Response.json({"a": [1, "x", None], "é": 1e21}, status=201)
    assert (res.status, res.headers.items()) == (201, [("content-type", "application/json")])
    assert res.body_bytes == '{"a":[1,"x",null],"é":1e+21}'.encode()
    assert run(res.json()) == {"a": [1, "x", None], "é": 1e21}
    assert Response.json.__qualname__ == "Response.json" and res.json.__qualname__ == "Body.json"
    assert run(Response('{"b": 2}').json()) == {"b": 2}


def test_json_keeps_an_explicit_content_type_and_other_headers():
    assert Response.json(1, headers={"CONTENT-TYPE": "application/vnd.api+json"}).headers.items() == [
        ("content-type", "application/vnd.api+json")]
    res = Response.json(1, headers=[("x-a", "1")], status_text="Fine")
    assert res.headers.items() == [("content-type", "application/json"), ("x-a", "1")]
    assert res.status_text == "Fine"
    res.headers.set("x-b", "2")


def test_json_checks_status_and_data():
    with pytest.raises(TypeError):
        Response.json({}, status=204)
    with pytest.raises(ValueError):
        Response.json({}, status=199)
    with pytest.raises(TypeError):
        Response.json({1, 2})


def test_text_and_html_constructors():
    text = Response.text("hé", status=404)
    assert (text.status, text.headers.get("content-type"), text.body_bytes) == (
        404, "text/plain; charset=UTF-8", "hé".encode())
    assert run(text.text()) == "hé"
    html = Response.html("<p>", headers={"content-type": "text/html; charset=latin1"})
    assert html.headers.items() == [("content-type", "text/html; charset=latin1")]
    with pytest.raises(TypeError):
        Response.text(b"bytes")  # type: ignore[arg-type]


def test_redirect():
    res = Response.redirect("HTTP://X/a b/../c?é#f")
    assert (res.status, res.ok, res.body) == (302, False, None)
    assert res.headers.items() == [("location", "http://x/c?%C3%A9#f")]
    assert Response.redirect(URL("http://x/next"), 308).headers.get("location") == "http://x/next"
    for status in (301, 303, 307):
        assert Response.redirect("http://x/", status).status == status
    with pytest.raises(TypeError, match="immutable"):
        res.headers.set("x", "1")
    assert run(res.text()) == ""


@pytest.mark.parametrize("status", [200, 300, 304, 309, 399])
def test_redirect_status_must_be_a_redirect(status):
    with pytest.raises(ValueError, match="redirect status"):
        Response.redirect("http://x/", status)


@pytest.mark.parametrize("url", ["/login", "http://[x", ""])
def test_redirect_needs_an_absolute_url(url):
    with pytest.raises(ValueError, match="Invalid URL"):
        Response.redirect(url)


def test_error():
    res = Response.error()
    assert (res.status, res.ok, res.type, res.status_text, res.body) == (0, False, "error", "", None)
    with pytest.raises(TypeError, match="immutable"):
        res.headers.append("a", "1")
    assert run(res.text()) == ""
    copy = res.clone()
    assert (copy.status, copy.type) == (0, "error")
    with pytest.raises(TypeError, match="immutable"):
        copy.headers.set("a", "1")


def test_clone():
    res = Response("x", 201, {"a": "1"}, "Made")
    copy = res.clone()
    copy.headers.set("a", "2")
    assert (copy.status, copy.status_text, copy.type) == (201, "Made", "default")
    assert run(copy.text()) == "x" and run(res.text()) == "x"
    assert res.headers.get("a") == "1"
    with pytest.raises(TypeError):
        res.clone()
    redirect_copy = Response.redirect("http://x/").clone()
    with pytest.raises(TypeError, match="immutable"):
        redirect_copy.headers.delete("location")


def test_a_cached_body_reads_the_same_through_every_reader():
    res = Response('{"a":1}')
    assert run(res.text()) == '{"a":1}'
    assert run(res.json()) == {"a": 1}
    assert run(res.bytes()) == b'{"a":1}'
    assert res.body_used


def test_streaming_body_for_adapters():
    async def stream():
        for part in (b"data: 1\n\n", "data: 2\n\n"):
            await asyncio.sleep(0)
            yield part

    res = Response(stream(), headers={"content-type": "text/event-stream"})
    assert res.body_bytes is None

    async def send():
        return [chunk async for chunk in res.body]

    assert run(send()) == [b"data: 1\n\n", b"data: 2\n\n"]
    assert res.body_used


def test_subclasses_get_their_own_type():
    class Mine(Response):
        __slots__ = ()

    assert type(Mine.json(1)) is Mine and type(Mine.text("x")) is Mine and type(Mine.error()) is Mine
    assert type(Mine("x").clone()) is Mine
