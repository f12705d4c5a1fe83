"""URL, URLSearchParams, the fast path for serialised URLs and the routing decoders."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgekit import url as url_module
from edgekit.url import (
    URL,
    URLSearchParams,
    decode_uri_component,
    decode_uri_path,
    parse_query,
    serialize_query,
    split_serialized,
)

# (input, base, href, origin, host, pathname, search, hash), recorded from Node 20's URL (ada 2.9.2).
RECORDED = [
    ('http://x/a/./b/../c', None, 'http://x/a/c', 'http://x', 'x', '/a/c', '', ''),
    ('HTTP://EXAMPLE.COM:80/A', None, 'http://example.com/A', 'http://example.com', 'example.com', '/A', '', ''),
    ('https://x:443/', None, 'https://x/', 'https://x', 'x', '/', '', ''),
    ('http://x:8080', None, 'http://x:8080/', 'http://x:8080', 'x:8080', '/', '', ''),
    ('http://x:0080/', None, 'http://x/', 'http://x', 'x', '/', '', ''),
    ('http://x\\a\\b', None, 'http://x/a/b', 'http://x', 'x', '/a/b', '', ''),
    ('foo://x/a\\b', None, 'foo://x/a\\b', 'null', 'x', '/a\\b', '', ''),
    ('http:////x/a', None, 'http://x/a', 'http://x', 'x', '/a', '', ''),
    ('http:x/a', None, 'http://x/a', 'http://x', 'x', '/a', '', ''),
    ('http://x/a/%2e%2E/b', None, 'http://x/b', 'http://x', 'x', '/b', '', ''),
    ('http://x/a/.%2E/b', None, 'http://x/b', 'http://x', 'x', '/b', '', ''),
    ('http://x/a/%2e%2e%2fb', None, 'http://x/a/%2e%2e%2fb', 'http://x', 'x', '/a/%2e%2e%2fb', '', ''),
    ('http://x/...', None, 'http://x/...', 'http://x', 'x', '/...', '', ''),
    ('http://x/a b/é/😀', None, 'http://x/a%20b/%C3%A9/%F0%9F%98%80', 'http://x', 'x', '/a%20b/%C3%A9/%F0%9F%98%80', '', ''),
    ('http://x/"<>`{}|^;:@~', None, 'http://x/%22%3C%3E%60%7B%7D|^;:@~', 'http://x', 'x', '/%22%3C%3E%60%7B%7D|^;:@~', '', ''),
    ('http://x/?\'"<>`+ é', None, 'http://x/?%27%22%3C%3E`+%20%C3%A9', 'http://x', 'x', '/', '?%27%22%3C%3E`+%20%C3%A9', ''),
    ('http://x/#"<>` é', None, 'http://x/#%22%3C%3E%60%20%C3%A9', 'http://x', 'x', '/', '', '#%22%3C%3E%60%20%C3%A9'),
    ('  http://x/\ta\nb\r  ', None, 'http://x/ab', 'http://x', 'x', '/ab', '', ''),
    ('http://x/a\x00b', None, 'http://x/a%00b', 'http://x', 'x', '/a%00b', '', ''),
    ('http://x/a?', None, 'http://x/a?', 'http://x', 'x', '/a', '', ''),
    ('http://x/a#', None, 'http://x/a#', 'http://x', 'x', '/a', '', ''),
    ('http://x/a?b#c?d#e', None, 'http://x/a?b#c?d#e', 'http://x', 'x', '/a', '?b', '#c?d#e'),
    ('http://münchen.de/', None, 'http://xn--mnchen-3ya.de/', 'http://xn--mnchen-3ya.de', 'xn--mnchen-3ya.de', '/', '', ''),
    ('http://MÜNCHEN.DE/', None, 'http://xn--mnchen-3ya.de/', 'http://xn--mnchen-3ya.de', 'xn--mnchen-3ya.de', '/', '', ''),
    ('http://faß.de/', None, 'http://xn--fa-hia.de/', 'http://xn--fa-hia.de', 'xn--fa-hia.de', '/', '', ''),
    ('http://xn--mnchen-3ya.de/', None, 'http://xn--mnchen-3ya.de/', 'http://xn--mnchen-3ya.de', 'xn--mnchen-3ya.de', '/', '', ''),
    ('http://☃.net/', None, 'http://xn--n3h.net/', 'http://xn--n3h.net', 'xn--n3h.net', '/', '', ''),
    ('http://0x7f.1/', None, 'http://127.0.0.1/', 'http://127.0.0.1', '127.0.0.1', '/', '', ''),
    ('http://127.1/', None, 'http://127.0.0.1/', 'http://127.0.0.1', '127.0.0.1', '/', '', ''),
    ('http://0177.0.0.1/', None, 'http://127.0.0.1/', 'http://127.0.0.1', '127.0.0.1', '/', '', ''),
    ('http://4294967295/', None, 'http://255.255.255.255/', 'http://255.255.255.255', '255.255.255.255', '/', '', ''),
    ('http://[2001:db8::0:1]/', None, 'http://[2001:db8::1]/', 'http://[2001:db8::1]', '[2001:db8::1]', '/', '', ''),
    ('http://[::ffff:127.0.0.1]/', None, 'http://[::ffff:7f00:1]/', 'http://[::ffff:7f00:1]', '[::ffff:7f00:1]', '/', '', ''),
    ('http://[0:0:1:0:0:0:0:0]/', None, 'http://[0:0:1::]/', 'http://[0:0:1::]', '[0:0:1::]', '/', '', ''),
    ('http://[1:0:0:2:0:0:0:3]/', None, 'http://[1:0:0:2::3]/', 'http://[1:0:0:2::3]', '[1:0:0:2::3]', '/', '', ''),
    ('http://x.com./', None, 'http://x.com./', 'http://x.com.', 'x.com.', '/', '', ''),
    ('http://ex%41mple.com/', None, 'http://example.com/', 'http://example.com', 'example.com', '/', '', ''),
    ('http://u:p@x/', None, 'http://u:p@x/', 'http://x', 'x', '/', '', ''),
    ('http://a:b@c:d@x/', None, 'http://a:b%40c%3Ad@x/', 'http://x', 'x', '/', '', ''),
    ('http://@x/', None, 'http://x/', 'http://x', 'x', '/', '', ''),
    ('http://u:@x/', None, 'http://u@x/', 'http://x', 'x', '/', '', ''),
    ('file:///C:/a/../..', None, 'file:///C:/', 'null', '', '/C:/', '', ''),
    ('file://localhost/a', None, 'file:///a', 'null', '', '/a', '', ''),
    ('file:c:\\a\\b', None, 'file:///c:/a/b', 'null', '', '/c:/a/b', '', ''),
    ('data:text/plain,hi', None, 'data:text/plain,hi', 'null', '', 'text/plain,hi', '', ''),
    ('mailto:a@b.c', None, 'mailto:a@b.c', 'null', '', 'a@b.c', '', ''),
    ('javascript:alert(1)', None, 'javascript:alert(1)', 'null', '', 'alert(1)', '', ''),
    ('blob:https://x/y', None, 'blob:https://x/y', 'https://x', '', 'https://x/y', '', ''),
    ("sc://x/a?b c'd", None, "sc://x/a?b%20c'd", 'null', 'x', '/a', "?b%20c'd", ''),
    ('sc://ü/', None, 'sc://%C3%BC/', 'null', '%C3%BC', '/', '', ''),
    ('ws://x:80/', None, 'ws://x/', 'ws://x', 'x', '/', '', ''),
    ('wss://x:443/', None, 'wss://x/', 'wss://x', 'x', '/', '', ''),
    ('ftp://x:21/', None, 'ftp://x/', 'ftp://x', 'x', '/', '', ''),
    ('a', 'http://x/b/c', 'http://x/b/a', 'http://x', 'x', '/b/a', '', ''),
    ('../a', 'http://x/b/c/d', 'http://x/b/a', 'http://x', 'x', '/b/a', '', ''),
    ('?q', 'http://x/b?z#f', 'http://x/b?q', 'http://x', 'x', '/b', '?q', ''),
    ('#f', 'http://x/b?z', 'http://x/b?z#f', 'http://x', 'x', '/b', '?z', '#f'),
    ('//y/a', 'https://x/', 'https://y/a', 'https://y', 'y', '/a', '', ''),
    ('', 'http://x/a?b#c', 'http://x/a?b', 'http://x', 'x', '/a', '?b', ''),
    ('http:a', 'http://x/b/c', 'http://x/b/a', 'http://x', 'x', '/b/a', '', ''),
    ('https:a', 'http://x/b/c', 'https://a/', 'https://a', 'a', '/', '', ''),
    ('\\a', 'http://x/b/c', 'http://x/a', 'http://x', 'x', '/a', '', ''),
    ('/a/../../b', 'http://x/c', 'http://x/b', 'http://x', 'x', '/b', '', ''),
    ('g;x?y#s', 'http://a/b/c/d;p?q', 'http://a/b/c/g;x?y#s', 'http://a', 'a', '/b/c/g;x', '?y', '#s'),
    ('#x', 'data:text/plain,a', 'data:text/plain,a#x', 'null', '', 'text/plain,a', '', '#x'),
]


@pytest.mark.parametrize(("text", "base", "href", "origin", "host", "pathname", "search", "hash_"), RECORDED)
def test_parsing_matches_the_recording(text, base, href, origin, host, pathname, search, hash_):
    url = URL(text, base)
    assert (url.href, url.origin, url.host, url.pathname, url.search, url.hash) == (
        href, origin, host, pathname, search, hash_)
    assert str(url) == href
    assert URL(href) == url


@pytest.mark.parametrize("text", [
    "/a", "", "a b", "http://x:65536/", "http://x:a/", "http://[x", "http://x]/", "http://a b/", "http://a^b/",
    "http://256.0.0.1/", "http://1.2.3.4.5/", "http://foo.09/", "http://xn--a/", "http://xn--/", "http://ex%00ample/",
    "http://ex%zzample/", "http://u@/", "http:///", "sc://a b/", "http://[1:2:3:4:5:6:7:8:9]/", "http://[::1::2]/",
    "http://[1:2:3]/", "http://[::1.2.3.256]/", "http://a\u200db/", "http://\u0301a.com/", "http://a\u0640b.com/",
    "http://a%C3b.de/", "http://:80/",
])
def test_invalid_urls_raise_value_error(text):
    with pytest.raises(ValueError, match="Invalid URL"):
        URL(text)


def test_relative_resolution_needs_a_base_that_can_be_one():
    with pytest.raises(ValueError):
        URL("a", "about:blank")
    with pytest.raises(ValueError, match="Invalid URL"):
        URL("a", "not a url")
    assert URL("a", URL("http://x/b/c")).href == "http://x/b/a"


def test_components():
    url = URL("https://u:p@Example.com:8443/a/b?x=1&y=2#frag")
    assert url.protocol == "https:"
    assert (url.username, url.password) == ("u", "p")
    assert (url.hostname, url.port, url.host) == ("example.com", "8443", "example.com:8443")
    assert url.origin == "https://example.com:8443"
    assert (url.pathname, url.search, url.hash) == ("/a/b", "?x=1&y=2", "#frag")
    assert repr(url) == "URL('https://u:p@example.com:8443/a/b?x=1&y=2#frag')"
    assert hash(url) == hash(URL(url))
    assert url != "https://example.com"


def test_url_needs_a_string():
    with pytest.raises(TypeError):
        URL(42)  # type: ignore[arg-type]


def test_a_lone_surrogate_is_written_as_replacement_character():
    assert URL("http://x/\ud800").pathname == "/%EF%BF%BD"


def test_search_params_are_a_live_view():
    url = URL("http://x/p?a=1&b=2#f")
    params = url.search_params
    assert params is url.search_params
    assert params.get_all("a") == ["1"]
    params.append("c", "x y")
    assert url.href == "http://x/p?a=1&b=2&c=x+y#f"
    params.delete("a")
    params.delete("b")
    params.delete("c")
    assert url.href == "http://x/p#f" and url.search == ""


def test_a_query_of_only_a_question_mark_is_a_pair():
    assert list(URL("http://x/??").search_params) == [("?", "")]


def test_search_params_api():
    params = URLSearchParams("?b=2&a=1&b=3&c")
    assert params.get("b") == "2" and params.get("zz") is None
    assert params.get_all("b") == ["2", "3"]
    assert params.has("c") and params.has("b", "3") and not params.has("b", "4") and "a" in params
    assert len(params) == 4
    params.set("b", "x")
    assert params.items() == [("b", "x"), ("a", "1"), ("c", "")]
    params.set("new", "v")
    params.append("a", "0")
    params.delete("a", "1")
    assert params.keys() == ["b", "c", "new", "a"] and params.values() == ["x", "", "v", "0"]
    params.sort()
    assert str(params) == "a=0&b=x&c=&new=v"
    assert repr(params) == "URLSearchParams('a=0&b=x&c=&new=v')"


def test_search_params_from_mappings_pairs_and_copies():
    assert str(URLSearchParams({"a": "1", "b": "é"})) == "a=1&b=%C3%A9"
    assert str(URLSearchParams([("a", "1"), ["a", "2"]])) == "a=1&a=2"
    original = URLSearchParams("a=1")
    copy = URLSearchParams(original)
    copy.append("b", "2")
    assert str(original) == "a=1"
    with pytest.raises(TypeError):
        URLSearchParams(5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        URLSearchParams([("a", "1", "2")])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        URLSearchParams(["ab"])  # type: ignore[list-item]


def test_sort_is_by_utf16_code_unit_and_stable():
    params = URLSearchParams([("\U0001f600", "1"), ("\ufb03", "2"), ("a", "3"), ("a", "4")])
    params.sort()
    assert params.items() == [("a", "3"), ("a", "4"), ("\U0001f600", "1"), ("\ufb03", "2")]


@pytest.mark.parametrize(("query", "pairs"), [
    ("a=1&b=x+y&a=2&c", [("a", "1"), ("b", "x y"), ("a", "2"), ("c", "")]),
    ("a=%zz&b=%&c=%4", [("a", "%zz"), ("b", "%"), ("c", "%4")]),
    ("&&a&&b=&&", [("a", ""), ("b", "")]),
    ("a=1;b=2&c=3", [("a", "1;b=2"), ("c", "3")]),
    ("g==h&i=j=k", [("g", "=h"), ("i", "j=k")]),
    ("%61=1&r=%2B&s=%20", [("a", "1"), ("r", "+"), ("s", " ")]),
    ("a=%C3%A9&b=%FF&c=é", [("a", "é"), ("b", "\ufffd"), ("c", "é")]),
    ("", []),
])
def test_parse_query(query, pairs):
    assert parse_query(query) == pairs


def test_serialize_query_encodes_like_a_form():
    assert serialize_query([("a b", "~!*()'"), ("é", "+&=")]) == "a+b=%7E%21*%28%29%27&%C3%A9=%2B%26%3D"
    assert serialize_query([("-._*", "AZaz09")]) == "-._*=AZaz09"


@pytest.mark.parametrize(("path", "decoded"), [
    ("/users/42", "/users/42"),
    ("/%75sers/%C3%A9", "/users/é"),
    ("/a%2Fb/%2fc", "/a%2Fb/%2fc"),
    ("/%3F%23%2B%25%3B%3A%40%26%3D%24%2C", "/%3F%23%2B%25%3B%3A%40%26%3D%24%2C"),
    ("/%41%2F%42", "/A%2FB"),
    ("/%zz/%/%4", "/%zz/%/%4"),
    ("/%C3%A9%FF/%E3%81%82", "/%C3%A9%FF/あ"),
    ("/%ED%A0%80", "/%ED%A0%80"),
    ("/%20x%20", "/ x "),
])
def test_decode_uri_path(path, decoded):
    assert decode_uri_path(path) == decoded


@pytest.mark.parametrize(("value", "decoded"), [
    ("a%2Fb", "a/b"), ("%25", "%"), ("%zz", "%zz"), ("%C3", "%C3"), ("%c3%a9x%C3", "éx%C3"), ("a+b", "a+b"),
    ("%F0%9F%98%80", "😀"), ("%", "%"), ("%%41", "%A"),
])
def test_decode_uri_component(value, decoded):
    assert decode_uri_component(value) == decoded


def test_decoders_return_text_without_escapes_as_is():
    text = "/plain/path"
    assert decode_uri_path(text) is text and decode_uri_component(text) is text


@given(st.text())
def test_decoders_never_raise(text):
    assert isinstance(decode_uri_component(text), str)
    assert isinstance(decode_uri_path(text), str)
    assert isinstance(parse_query(text), list)


@given(st.text().filter(lambda t: not any("\ud800" <= c <= "\udfff" for c in t)))
def test_decode_uri_component_undoes_quote(text):
    assert decode_uri_component(quote(text, safe="")) == text


@given(st.text(alphabet="/;?:@&=+$,#%"))
def test_decode_uri_path_keeps_reserved_escapes(text):
    encoded = quote(text, safe="")
    assert decode_uri_path(encoded) == encoded
    assert decode_uri_path(encoded.lower()) == encoded.lower()


def test_split_serialized_accepts_serialised_urls():
    url = "https://api.example.com:8443/users/42?x=1&y=%20#top"
    path_start, query_start, fragment_start = split_serialized(url)
    assert url[path_start:query_start] == "/users/42"
    assert url[query_start:fragment_start] == "?x=1&y=%20"
    assert url[fragment_start:] == "#top"
    assert split_serialized("http://127.0.0.1/") == (16, 17, 17)
    assert split_serialized("http://localhost/a?") == (16, 18, 19)


@pytest.mark.parametrize("url", [
    "ftp://x/", "HTTP://x/", "http://X/", "http://x", "http://x:80/", "https://x:443/", "http://x:080/", "http://x:/",
    "http://u@x/", "http://x/a b", "http://x/a/./b", "http://x/%2e/", "http://x/%2E%2E/", "http://x/a\\b", "http://x/é",
    "http://x/a\tb", "http://x/\"", "http://x/{}", "http://x/?'", "http://x/#`", "http://xn--n3h/", "http://127.1/",
    "http://0x7f.0.0.1/", "http://[::1]/", "http://x:99999/", " http://x/",
])
def test_split_serialized_refuses_what_the_parser_would_change(url):
    assert split_serialized(url) is None


def test_the_origin_cache_is_bounded():
    for i in range(url_module._PLAIN_ORIGINS_MAX + 20):
        split_serialized(f"http://host{i}/")
    assert len(url_module._plain_origins) <= url_module._PLAIN_ORIGINS_MAX


path_text = st.text(alphabet="abcXYZ019-._~!$&'()*+,;=:@%/?#[]^|{}<>` \"\\é", max_size=30)


@given(st.sampled_from(["http://", "https://"]), st.sampled_from(["x", "api.x.com", "127.0.0.1", "x:8080", "X", "x:80"]),
       path_text)
def test_split_serialized_agrees_with_the_parser(scheme, host, rest):
    text = scheme + host + "/" + rest
    split = split_serialized(text)
    try:
        parsed = URL(text)
    except ValueError:
        assert split is None
        return
    if split is None:
        return
    assert parsed.href == text
    path_start, query_start, fragment_start = split
    assert parsed.pathname == text[path_start:query_start]
    assert parsed.search == (text[query_start:fragment_start] if fragment_start - query_start > 1 else "")
    assert URL._from_serialized(text, split) == parsed


@given(st.text(max_size=40), st.sampled_from([None, "http://x/a/b?c#d", "sc://h/p", "file:///c:/x", "data:x"]))
def test_the_parser_never_crashes(text, base):
    try:
        url = URL(text, base)
    except ValueError:
        return
    assert URL(url.href).href == url.href


@pytest.mark.parametrize("make", [
    lambda n: "http://x/" + "a/" * n,
    lambda n: "http://x/" + "../" * n,
    lambda n: "http://x/?" + "a=1&" * n,
    lambda n: "http://" + "a." * n + "com/",
    lambda n: "http://x/" + "%" * n,
    lambda n: "http://x/" + "é" * n,
    lambda n: "http://[" + ":" * n + "]/",
])
def test_huge_inputs_finish_quickly(make):
    text = make(20000)
    start = time.perf_counter()
    try:
        URL(text)
    except ValueError:
        pass
    decode_uri_path(text)
    decode_uri_component(text)
    parse_query(text)
    assert time.perf_counter() - start < 2
