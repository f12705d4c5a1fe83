"""Request: method, URL (fast path and parser), headers, and the body mixin (streams included)."""

from __future__ import annotations

import asyncio

import pytest

from edgekit import URL, File, FormData, Headers, Request, URLSearchParams
from edgekit.request import normalize_method
from tests.conftest import run


async def chunks(*parts):
    for p in parts:
        await asyncio.sleep(0)
        yield p


@pytest.mark.parametrize(("given", "method"), [
    ("get", "GET"), ("pOsT", "POST"), ("delete", "DELETE"), ("head", "HEAD"), ("options", "OPTIONS"), ("put", "PUT"),
    ("GET", "GET"), ("PATCH", "PATCH"), ("patch", "patch"), ("Patch", "Patch"), ("foo", "foo"), ("M-SEARCH", "M-SEARCH"),
])
def test_method_normalisation(given, method):
    assert Request("http://x/", given).method == method
    assert normalize_method(given) == method


@pytest.mark.parametrize("method", ["", "GE T", "GET\n", "a/b", "é", "poſt"])
def test_invalid_methods(method):
    with pytest.raises(ValueError, match="invalid HTTP method"):
        Request("http://x/", method)


@pytest.mark.parametrize("method", ["CONNECT", "connect", "TRACE", "trace", "Track"])
def test_forbidden_methods(method):
    with pytest.raises(ValueError, match="not allowed"):
        Request("http://x/", method)


def test_method_must_be_a_string():
    with pytest.raises(TypeError):
        Request("http://x/", 1)  # type: ignore[arg-type]


@pytest.mark.parametrize("method", ["GET", "get", "HEAD"])
@pytest.mark.parametrize("body", ["x", "", b""])
def test_get_and_head_cannot_have_a_body(method, body):
    with pytest.raises(TypeError, match="cannot have a body"):
        Request("http://x/", method, body=body)
    assert Request("http://x/", method, body=None).body is None


def test_a_serialised_url_is_split_without_parsing():
    req = Request("http://localhost:8787/users/42?x=1&y=%20#top")
    assert req._parsed is None
    assert req.url == "http://localhost:8787/users/42?x=1&y=%20#top"
    assert req.path == "/users/42"
    assert req.query_string == "x=1&y=%20"
    assert req._parsed is None
    url = req.url_object
    assert url is req.url_object
    assert (url.host, url.pathname, url.search, url.hash) == ("localhost:8787", "/users/42", "?x=1&y=%20", "#top")
    assert Request("http://x/a").query_string == "" and Request("http://x/a?").query_string == ""


@pytest.mark.parametrize(("given", "url", "path", "query"), [
    ("HTTP://X.COM/a/./b/../c?q=a b#frag", "http://x.com/a/c?q=a%20b#frag", "/a/c", "q=a%20b"),
    ("http://x/users/あ", "http://x/users/%E3%81%82", "/users/%E3%81%82", ""),
    ("http://x:80/a/%2e%2e/b?", "http://x/b?", "/b", ""),
    ("http://münchen.de/?é", "http://xn--mnchen-3ya.de/?%C3%A9", "/", "%C3%A9"),
    ("http://x", "http://x/", "/", ""),
    ("http://@x/", "http://x/", "/", ""),
    ("ftp://x/a", "ftp://x/a", "/a", ""),
    ("data:text/plain,hi", "data:text/plain,hi", "text/plain,hi", ""),
    ("http://x/.well-known/a?q=/./", "http://x/.well-known/a?q=/./", "/.well-known/a", "q=/./"),
])
def test_other_urls_are_normalised_by_the_parser(given, url, path, query):
    req = Request(given)
    assert (req.url, req.path, req.query_string) == (url, path, query)
    assert req.url_object.href == url


def test_a_url_object_is_accepted():
    assert Request(URL("http://x/a b")).url == "http://x/a%20b"


@pytest.mark.parametrize("url", ["/a", "", "http://x:99999/", "http://[x/"])
def test_relative_or_invalid_urls_are_refused(url):
    with pytest.raises(ValueError, match="Invalid URL"):
        Request(url)


@pytest.mark.parametrize("url", ["http://u@x/", "http://u:p@x/", "http://:p@x/"])
def test_credentials_are_refused(url):
    with pytest.raises(ValueError, match="credentials"):
        Request(url)


def test_url_must_be_a_string_or_url():
    with pytest.raises(TypeError):
        Request(b"http://x/")  # type: ignore[arg-type]


def test_headers_are_copied_and_validated():
    given = Headers({"X-A": "1"})
    req = Request("http://x/", headers=given)
    given.set("x-a", "2")
    assert req.headers.get("x-a") == "1"
    assert Request("http://x/", headers=[("Host", "evil"), ("Cookie", "c=1")]).headers.items() == [
        ("cookie", "c=1"), ("host", "evil")]
    with pytest.raises(ValueError, match="invalid header name"):
        Request("http://x/", headers={"a b": "1"})
    with pytest.raises(ValueError, match="X-Evil"):
        Request("http://x/", headers={"X-Evil": "a\r\nSet-Cookie: x"})


@pytest.mark.parametrize(("body", "content_type"), [
    ("x", "text/plain;charset=UTF-8"),
    ("", "text/plain;charset=UTF-8"),
    (URLSearchParams("a=1&b=2 3"), "application/x-www-form-urlencoded;charset=UTF-8"),
    (b"x", None),
    (bytearray(b"x"), None),
    (memoryview(b"x"), None),
])
def test_default_content_type_by_body_type(body, content_type):
    assert Request("http://x/", "POST", body=body).headers.get("content-type") == content_type
    explicit = Request("http://x/", "POST", headers=[("CONTENT-TYPE", "application/json")], body=body)
    assert explicit.headers.items() == [("content-type", "application/json")]


def test_form_data_body_is_multipart():
    form = FormData()
    form.append("a", "1")
    form.append("f", File(b"\x00", "f.bin", "application/octet-stream"))
    req = Request("http://x/", "POST", body=form)
    assert req.headers.get("content-type").startswith("multipart/form-data; boundary=----formdata-edgekit-")
    read = run(req.form())
    assert read.get("a") == "1" and read.get("f").data == b"\x00"


def test_unsupported_body_types_are_refused():
    for body in (1, ["x"], {"a": 1}, iter([b"x"])):
        with pytest.raises(TypeError, match="body must be"):
            Request("http://x/", "POST", body=body)


def test_readers():
    req = Request("http://x/", "POST", body='{"a": [1, 2.5, "é"]}')
    assert not req.body_used and req.body_bytes == b'{"a": [1, 2.5, "\xc3\xa9"]}'
    assert run(req.json()) == {"a": [1, 2.5, "é"]}
    assert req.body_used
    assert run(req.text()) == '{"a": [1, 2.5, "é"]}'
    assert run(req.bytes()) == req.body_bytes


def test_text_drops_a_bom_and_replaces_invalid_utf8():
    assert run(Request("http://x/", "POST", body=b"\xef\xbb\xbfA\xff").text()) == "A\ufffd"
    assert run(Request("http://x/", "POST", body=b"\xef\xbb\xbf[1]").json()) == [1]
    # json() reads the body as text() does: invalid UTF-8 inside a string is U+FFFD, not an error
    assert run(Request("http://x/", "POST", body=b'{"a":"\xff\xfe"}').json()) == {"a": "\ufffd\ufffd"}
    assert run(Request("http://x/", "POST", body="\ud800").bytes()) == "\ufffd".encode()


@pytest.mark.parametrize("body", ["", "NaN", "'a'", '{"a":1} x', "Infinity", None])
def test_json_refuses_what_is_not_json(body):
    req = Request("http://x/", "POST", body=body)
    with pytest.raises(ValueError):
        run(req.json())


def test_a_null_body_reads_as_empty_and_is_never_used():
    req = Request("http://x/")
    assert req.body is None and req.body_bytes is None
    assert run(req.text()) == "" and run(req.bytes()) == b""
    assert not req.body_used
    assert req.clone().body is None


def test_form_goes_by_content_type():
    req = Request("http://x/", "POST", body="a=1&b=2")
    with pytest.raises(TypeError, match="form"):
        run(req.form())
    req.headers.set("content-type", "application/x-www-form-urlencoded")
    assert run(req.form()).items() == [("a", "1"), ("b", "2")]


def test_clone_before_reading_and_not_after():
    req = Request("http://x/a", "POST", headers={"a": "1"}, body="abc")
    copy = req.clone()
    copy.headers.set("a", "2")
    assert run(copy.text()) == "abc" and not req.body_used
    assert (copy.method, copy.url, req.headers.get("a")) == ("POST", "http://x/a", "1")
    assert run(req.text()) == "abc"
    with pytest.raises(TypeError, match="clone"):
        req.clone()


def test_a_stream_is_read_once_and_cached():
    req = Request("http://x/", "POST", body=chunks(b"a", bytearray(b"b"), memoryview(b"c"), "é"))
    assert req.body_bytes is None and not req.body_used
    assert run(req.text()) == "abcé"
    assert req.body_bytes == "abcé".encode()
    assert run(req.bytes()) == "abcé".encode()


def test_the_body_of_a_stream_is_the_stream_itself():
    req = Request("http://x/", "POST", body=chunks(b"a", b"b"))
    stream = req.body

    async def drain():
        return [c async for c in stream]

    assert run(drain()) == [b"a", b"b"]
    assert req.body_used and req.body is stream
    with pytest.raises(TypeError, match="consumed"):
        run(req.text())
    with pytest.raises(TypeError):
        req.clone()


def test_a_fixed_body_stays_readable_through_body():
    req = Request("http://x/", "POST", body=b"xy")

    async def drain():
        return [c async for c in req.body]

    assert run(drain()) == [b"xy"] == run(drain())
    assert run(req.text()) == "xy"


def test_a_stream_must_yield_bytes():
    req = Request("http://x/", "POST", body=chunks(b"a", 1))
    with pytest.raises(TypeError, match="yield bytes"):
        run(req.bytes())
    with pytest.raises(TypeError):
        run(req.bytes())


def test_clone_of_an_unread_stream_tees_it():
    req = Request("http://x/", "POST", body=chunks(b"a", b"b", b"c"))
    copy = req.clone()
    assert run(copy.bytes()) == b"abc"
    assert run(req.bytes()) == b"abc"

    req = Request("http://x/", "POST", body=chunks(b"a", b"b", b"c"))
    copy = req.clone()
    third = copy.clone()

    async def together():
        return await asyncio.gather(req.text(), copy.text(), third.text())

    assert run(together()) == ["abc", "abc", "abc"]


def test_a_failing_stream_fails_both_readers_of_a_tee():
    async def broken():
        yield b"a"
        raise OSError("client went away")

    req = Request("http://x/", "POST", body=broken())
    copy = req.clone()
    with pytest.raises(OSError):
        run(copy.bytes())
    with pytest.raises(OSError):
        run(req.bytes())


def test_repr():
    assert repr(Request("http://x/a", "POST")) == "<Request POST http://x/a>"


def test_an_adapter_stream_is_kept_as_it_is_and_refused_on_get():
    async def chunks():
        yield b'{"a":'
        yield b"1}"

    req = Request._adopt("http://x/", "POST", Headers(), stream=chunks())
    assert req.body_bytes is None
    assert run(req.json()) == {"a": 1}
    stream = chunks()
    assert Request._adopt("http://x/", "POST", Headers(), stream=stream).body is stream  # not wrapped
    with pytest.raises(TypeError, match="GET request cannot have a body"):
        Request._adopt("http://x/", "GET", Headers(), stream=chunks())
