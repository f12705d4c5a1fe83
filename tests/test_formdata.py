"""FormData, File, MIME type parsing, and reading and writing form bodies like undici."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgekit.formdata import File, FormData, encode_multipart, parse_form, parse_mime_type
from tests.conftest import run

MULTIPART = "multipart/form-data; boundary=XyZ"


def part(name_header: str, body: str, *extra: str) -> str:
    return "\r\n".join(["--XyZ", f"Content-Disposition: form-data; {name_header}", *extra, "", body])


def entries(form: FormData) -> list:
    return [(n, v if isinstance(v, str) else (v.name, v.type, v.data)) for n, v in form]


def test_file_basics():
    f = File("é", "a.txt", "Text/Plain")
    assert (f.data, f.name, f.type, f.size) == (b"\xc3\xa9", "a.txt", "text/plain", 2)
    assert run(f.bytes()) == b"\xc3\xa9" and run(f.text()) == "é"
    assert File(bytearray(b"x"), "b").type == ""
    assert File(b"x", "b", "t\u00ebxt").type == "" and File(b"x", "b", "a\nb").type == ""
    assert repr(f) == "File(name='a.txt', type='text/plain', size=2)"
    assert run(File(b"\xef\xbb\xbfA\xff", "c").text()) == "A\ufffd"
    with pytest.raises(TypeError):
        File(1, "x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        File(b"", None)  # type: ignore[arg-type]


def test_form_data_api():
    form = FormData()
    form.append("a", "1")
    form.append("b", File(b"x", "x.bin"), filename="renamed.bin")
    form.append("a", "2")
    assert form.get("a") == "1" and form.get("zz") is None
    assert form.get_all("a") == ["1", "2"]
    assert form.get("b").name == "renamed.bin"
    assert form.has("b") and "a" in form and not form.has("c")
    assert len(form) == 3 and form.keys() == ["a", "b", "a"]
    form.set("a", "x")
    assert form.keys() == ["a", "b"] and form.values()[0] == "x"
    form.set("c", "3")
    form.delete("b")
    assert form.items() == [("a", "x"), ("c", "3")] == list(form)
    assert repr(form) == "FormData([('a', 'x'), ('c', '3')])"


@pytest.mark.parametrize(("name", "value", "filename"), [
    (1, "v", None), ("a", 1, None), ("a", b"x", None), ("a", "v", "f.txt"),
])
def test_form_data_refuses_other_types(name, value, filename):
    with pytest.raises(TypeError):
        FormData().append(name, value, filename)


def test_multipart_is_written_as_undici_writes_it():
    form = FormData()
    form.append("a", "1\n2\r3\r\n4")
    form.append('n"a\nm\re', "v")
    form.append("f", File(b"\x00\x01\x02", 'x"y\n.txt', "Text/Plain"))
    form.append("g", File(b"abc", ""))
    form.append("h", File(b"zz", "blob"))
    body, content_type = encode_multipart(form)
    boundary = content_type.removeprefix("multipart/form-data; boundary=")
    assert boundary.startswith("----formdata-edgekit-")
    # Recorded from Node 20 (undici 6.24.1), with undici's boundary replaced.
    recorded = (
        '--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n2\r\n3\r\n4\r\n'
        '--B\r\nContent-Disposition: form-data; name="n%22a%0D%0Am%0D%0Ae"\r\n\r\nv\r\n'
        '--B\r\nContent-Disposition: form-data; name="f"; filename="x%22y%0A.txt"\r\nContent-Type: text/plain'
        "\r\n\r\n\x00\x01\x02\r\n"
        '--B\r\nContent-Disposition: form-data; name="g"\r\nContent-Type: application/octet-stream\r\n\r\nabc\r\n'
        '--B\r\nContent-Disposition: form-data; name="h"; filename="blob"\r\nContent-Type: application/octet-stream'
        "\r\n\r\nzz\r\n--B--\r\n"
    )
    assert body == recorded.replace("B", boundary).encode()


def test_written_multipart_reads_back():
    form = FormData()
    form.append("é", "ü\r\nline")
    form.append("f", File(b"\x89PNG\r\n--", "p.png", "image/png"))
    form.append("empty", "")
    body, content_type = encode_multipart(form)
    assert entries(parse_form(body, content_type)) == [
        ("é", "ü\r\nline"), ("f", ("p.png", "image/png", b"\x89PNG\r\n--")), ("empty", "")]
    assert encode_multipart(FormData())[0].endswith(b"--\r\n")


@pytest.mark.parametrize(("text", "expected"), [
    ("text/html", ("text/html", {})),
    (" Multipart/Form-Data ; Boundary=XyZ ", ("multipart/form-data", {"boundary": "XyZ"})),
    ('a/b; x="q\\"uo;ted"; y=1; x=2', ("a/b", {"x": 'q"uo;ted', "y": "1"})),
    ("a/b;;x=1;y;z=", ("a/b", {"x": "1"})),
    ('a/b; x="unterminated', ("a/b", {"x": "unterminated"})),
    ("a/b; x=é", ("a/b", {"x": "é"})),
    ("a/b; x=Ā", ("a/b", {})),
    ("a/b; (x)=1", ("a/b", {})),
    ("a/b; x=  1  ", ("a/b", {"x": "  1"})),
])
def test_parse_mime_type(text, expected):
    assert parse_mime_type(text) == expected


@pytest.mark.parametrize("text", ["", "text", "text/", "/html", "te xt/html", "text/ht ml; a=b", "a/b, c/d", "é/x"])
def test_invalid_mime_types(text):
    assert parse_mime_type(text) is None


@pytest.mark.parametrize(("body", "content_type", "expected"), [
    ("a=1&b=x+y&a=2&c", "application/x-www-form-urlencoded", [("a", "1"), ("b", "x y"), ("a", "2"), ("c", "")]),
    ("a=%E9&b=é", "Application/X-WWW-Form-Urlencoded; charset=latin1", [("a", "\ufffd"), ("b", "é")]),
    ("", "application/x-www-form-urlencoded", []),
])
def test_urlencoded_forms(body, content_type, expected):
    assert entries(parse_form(body.encode(), content_type)) == expected


# Accepted and refused as undici 6.24.1 (Node 20) accepts and refuses them.
ACCEPTED = [
    (part('name="a"', "1\r\n--XyZ--"), [("a", "1")]),
    ("\r\n\r\n" + part('name="a"', "1\r\n--XyZ--\r\n\r\n"), [("a", "1")]),
    (part('name="a"', "1\r\n--XyZ--\r\n").replace("Content-Disposition: ", "content-disposition:"), [("a", "1")]),
    (part('name="a"; filename="b"', "1\r\n--XyZ--", "Content-Type: Text/HTML "), [("a", ("b", "text/html", b"1"))]),
    (part('name="a"; filename=""', "1\r\n--XyZ--"), [("a", ("", "text/plain", b"1"))]),
    (part('name="a"; filename*="b"', "1\r\n--XyZ--"), [("a", ("b", "text/plain", b"1"))]),
    (part('name="a%22b%0Ac%0a"', "1\r\n--XyZ--"), [('a"b\nc\n', "1")]),
    (part('name="a"', "YWJj\r\n--XyZ--", "Content-Transfer-Encoding: base64"), [("a", "abc")]),
    (part('name="a"', "!!!\r\n--XyZ--", "Content-Transfer-Encoding: base64"), [("a", "")]),
    (part('name="a"', "YW Jj=YW\r\n--XyZ--", "Content-Transfer-Encoding: base64"), [("a", "abc")]),
    (part('name="a"', "YWJjZ\r\n--XyZ--", "Content-Transfer-Encoding: base64"), [("a", "abc")]),
    (part('name="a"', "1\r\n--XyZ--", "X-Foo: bar"), [("a", "1")]),
    (part('name="a"', "\r\n--XyZ--"), [("a", "")]),
    (part('name="a"', "l1\r\nl2\r\n\r\n--XyZ--"), [("a", "l1\r\nl2\r\n")]),
    (part('name="a"', "\ufeffx\udcff\r\n--XyZ--"), [("a", "x\ufffd")]),
    (part('name="a"', "1", 'Content-Disposition: form-data; name="b"') + "\r\n--XyZ--", [("b", "1")]),
    (part('name=""', "1\r\n--XyZ--"), [("", "1")]),
    (part('name="a"; filename="x"', "1\r\n--XyZ--", "Content-Type: t\u00ebxt"), [("a", ("x", "", b"1"))]),
    (part('name="a"', "1\r\n") + part('name="b"', "2\r\n--XyZ--"), [("a", "1"), ("b", "2")]),
    ("--XyZ--\r\n", []),
]
REFUSED = [
    "",
    "preamble\r\n" + part('name="a"', "1\r\n--XyZ--"),
    part('name="a"', "1\r\n"),
    part('name="a"', "1\r\n--XyZ--garbage"),
    part('name="a"', "1\r\n--XyZ-- \r\n"),
    part('name="a"', "1\r\n--XyZ--").replace("form-data", "Form-Data"),
    part('name="a"', "1\r\n--XyZ--").replace("form-data; ", "form-data;"),
    part('name="a"; filename= "b"', "1\r\n--XyZ--"),
    part('name="a"; filename*=UTF-8\'\'%C3%A9.txt', "1\r\n--XyZ--"),
    part('name="a"; foo="b"', "1\r\n--XyZ--"),
    part('name="a" ', "1\r\n--XyZ--"),
    part('name="a', "1\r\n--XyZ--"),
    part('name="a"', "1\r\n--XyZ--", "Bad Header: x"),
    part('name="a"', "1\r\n--XyZ--", "nocolon"),
    part('name="a"', "--XyZ--"),
    "--XyZ\r\n\r\n1\r\n--XyZ--",
    "--XyZ\r\nX-A: b\r\n\r\n1\r\n--XyZ--",
    "--XyZ\nContent-Disposition: form-data; name=\"a\"\n\n1\n--XyZ--\n",
    "--XyZ \r\n" + part('name="a"', "1\r\n--XyZ--")[7:],
]


@pytest.mark.parametrize(("body", "expected"), ACCEPTED)
def test_multipart_bodies_undici_accepts(body, expected):
    # A lone surrogate in the text stands for the invalid byte it escapes.
    assert entries(parse_form(body.encode("utf-8", "surrogateescape"), MULTIPART)) == expected


@pytest.mark.parametrize("body", REFUSED)
def test_multipart_bodies_undici_refuses(body):
    with pytest.raises(ValueError, match="multipart"):
        parse_form(body.encode(), MULTIPART)


@pytest.mark.parametrize("content_type", ['multipart/form-data; boundary="XyZ"', "Multipart/Form-Data; BOUNDARY=XyZ"])
def test_the_boundary_parameter_may_be_quoted_or_in_any_case(content_type):
    assert entries(parse_form(part('name="a"', "1\r\n--XyZ--").encode(), content_type)) == [("a", "1")]


@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary="])
def test_multipart_without_a_boundary_is_malformed(content_type):
    with pytest.raises(ValueError):
        parse_form(part('name="a"', "1\r\n--XyZ--").encode(), content_type)


@pytest.mark.parametrize("content_type", [None, "", "text/plain", "application/x-www-form-urlencodedx",
                                          "application/x-www-form-urlencoded, text/plain", "application/json"])
def test_other_content_types_are_not_forms(content_type):
    with pytest.raises(TypeError, match="form"):
        parse_form(b"a=1", content_type)


@given(st.binary(max_size=200))
def test_arbitrary_multipart_bodies_parse_or_raise_value_error(data):
    try:
        parse_form(b"--XyZ\r\n" + data, MULTIPART)
    except ValueError:
        pass


def test_huge_form_bodies_finish_quickly():
    many_parts = "".join(part(f'name="f{i}"', f"{i}\r\n") for i in range(5000)) + "--XyZ--"
    start = time.perf_counter()
    assert len(parse_form(many_parts.encode(), MULTIPART)) == 5000
    assert len(parse_form(("a=1&" * 100000).encode(), "application/x-www-form-urlencoded")) == 100000
    with pytest.raises(ValueError):
        parse_form(b"--XyZ\r\n" + b"x" * 1_000_000, MULTIPART)
    assert time.perf_counter() - start < 5
