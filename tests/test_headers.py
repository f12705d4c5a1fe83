"""Headers: Fetch semantics, validation, the trusted constructor and immutability."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgekit import headers as headers_module
from edgekit.headers import Headers, is_token


def test_init_forms_give_the_same_list():
    pairs = [("Content-Type", "text/html"), ("X-A", "1")]
    expected = [("content-type", "text/html"), ("x-a", "1")]
    assert Headers(pairs).items() == expected
    assert Headers(dict(pairs)).items() == expected
    assert Headers(iter(pairs)).items() == expected
    assert Headers([list(p) for p in pairs]).items() == expected
    assert Headers(Headers(pairs)).items() == expected
    assert Headers().items() == []
    assert Headers(None).items() == []


def test_copying_a_headers_does_not_share_it():
    original = Headers({"a": "1"})
    copy = Headers(original)
    other = original.copy()
    copy.set("a", "2")
    other.append("b", "3")
    assert original.items() == [("a", "1")]
    assert copy.items() == [("a", "2")]
    assert other.items() == [("a", "1"), ("b", "3")]


@pytest.mark.parametrize("init", [1, "a: b", b"a: b", 3.5])
def test_init_that_is_not_a_mapping_or_pairs_is_a_type_error(init):
    with pytest.raises(TypeError):
        Headers(init)


@pytest.mark.parametrize("pair", [("a",), ("a", "1", "2"), ()])
def test_pair_of_the_wrong_length_is_refused(pair):
    with pytest.raises(ValueError, match="pair"):
        Headers([pair])


def test_a_string_is_not_a_pair():
    with pytest.raises(TypeError, match="pair"):
        Headers(["ab"])


def test_names_are_case_insensitive():
    h = Headers([("Content-Type", "text/html")])
    assert h.get("content-type") == h.get("CONTENT-TYPE") == "text/html"
    assert h.has("Content-type") and "CONTENT-TYPE" in h
    assert "x" not in h and h.get("x") is None


def test_repeated_values_combine_and_cookie_uses_semicolons():
    h = Headers()
    h.append("Accept", "text/html")
    h.append("accept", "")
    h.append("ACCEPT", "*/*")
    h.append("cookie", "a=1")
    h.append("Cookie", "b=2")
    assert h.get("accept") == "text/html, , */*"
    assert h.get_all("accept") == ["text/html", "", "*/*"]
    assert h.get("cookie") == "a=1; b=2"
    assert h.items() == [("accept", "text/html, , */*"), ("cookie", "a=1; b=2")]


def test_set_cookie_stays_separate_in_iteration():
    h = Headers([("z", "1"), ("Set-Cookie", "s=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT"), ("a", "2"),
                 ("set-cookie", "s=2"), ("set-cookie2", "x"), ("set-cookie2", "y")])
    assert h.get_set_cookie() == ["s=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT", "s=2"]
    assert h.get_all("SET-COOKIE") == h.get_set_cookie()
    assert h.get("set-cookie") == "s=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT, s=2"
    assert h.items() == [("a", "2"), ("set-cookie", "s=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT"),
                         ("set-cookie", "s=2"), ("set-cookie2", "x, y"), ("z", "1")]
    assert h.keys() == ["a", "set-cookie", "set-cookie", "set-cookie2", "z"]
    assert h.values()[-1] == "1"
    assert list(h) == h.items()


def test_iteration_sorts_by_code_unit():
    h = Headers([("b", "1"), ("a", "2"), ("C", "3"), ("a-b", "4"), ("a_b", "5"), ("0", "8"), ("~", "9")])
    assert h.keys() == ["0", "a", "a-b", "a_b", "b", "c", "~"]


def test_set_replaces_every_value_at_the_first_position():
    h = Headers([("a", "1"), ("b", "2"), ("A", "3"), ("c", "4")])
    h.set("a", "x")
    assert h.raw_items() == [("a", "x"), ("b", "2"), ("c", "4")]
    h.set("d", "5")
    assert h.raw_items()[-1] == ("d", "5")


def test_delete_removes_every_value_and_ignores_missing_names():
    h = Headers([("a", "1"), ("b", "2"), ("A", "3")])
    h.delete("A")
    h.delete("missing")
    assert h.raw_items() == [("b", "2")]


def test_raw_items_keep_insertion_order_uncombined_and_are_a_copy():
    h = Headers([("B", "1"), ("set-cookie", "a"), ("b", "2"), ("set-cookie", "b")])
    raw = h.raw_items()
    assert raw == [("b", "1"), ("set-cookie", "a"), ("b", "2"), ("set-cookie", "b")]
    raw.clear()
    assert len(h.raw_items()) == 4


def test_values_are_trimmed_of_http_whitespace_only():
    h = Headers([("a", "\r\n x \t\n"), ("b", " \t "), ("c", "x  \t y"), ("d", "\u00a0x\u00a0"), ("e", "x\x0b\x7fé")])
    assert h.get("a") == "x"
    assert h.get("b") == "" and h.has("b")
    assert h.get("c") == "x  \t y"
    assert h.get("d") == "\u00a0x\u00a0"
    assert h.get("e") == "x\x0b\x7fé"


@pytest.mark.parametrize("name", ["a b", "a:b", "", "é", "Ā", " a", "a\0", "a\n", "(x)", "a/b", "a\tb"])
def test_invalid_names_raise_value_error_everywhere(name):
    h = Headers()
    for call in (lambda: Headers([(name, "1")]), lambda: Headers({name: "1"}), lambda: h.append(name, "1"),
                 lambda: h.set(name, "1"), lambda: h.get(name), lambda: h.has(name), lambda: h.delete(name),
                 lambda: h.get_all(name)):
        with pytest.raises(ValueError, match="invalid header name"):
            call()
    assert h.items() == []


def test_every_tchar_is_a_valid_name():
    name = "!#$%&'*+-.^_`|~09azAZ"
    assert is_token(name) and not is_token("") and not is_token("a b")
    assert Headers([(name, "x")]).items() == [(name.lower(), "x")]


@pytest.mark.parametrize("value", ["x\ry", "x\ny", "x\0y", "x\r\ny", "\0"])
def test_cr_lf_or_nul_inside_a_value_is_refused_naming_the_header(value):
    with pytest.raises(ValueError, match="X-Injected"):
        Headers([("X-Injected", value)])
    h = Headers()
    with pytest.raises(ValueError, match="X-Injected"):
        h.set("X-Injected", value)
    with pytest.raises(ValueError, match="X-Injected"):
        h.append("X-Injected", value)
    assert h.items() == []


def test_characters_above_latin_1_are_refused():
    with pytest.raises(ValueError, match="U\\+00FF"):
        Headers([("a", "xĀ")])
    assert Headers([("a", "\u00ff")]).get("a") == "\u00ff"


def test_values_must_be_strings():
    with pytest.raises(TypeError, match="'a' must be str"):
        Headers([("a", 1)])
    with pytest.raises(TypeError, match="name must be str"):
        Headers([(1, "a")])

    class Text(str):
        pass

    assert type(Headers([("a", Text("v"))]).get("a")) is str


def test_a_failing_init_creates_nothing():
    with pytest.raises(ValueError):
        Headers([("ok", "1"), ("bad name", "2")])
    assert Headers().items() == []


def test_trusted_headers_adopt_the_list():
    pairs = [("content-type", "application/json")]
    h = Headers._trusted(pairs)
    assert h.get("Content-Type") == "application/json"
    h.append("x", "1")
    assert pairs[-1] == ("x", "1")


def test_immutable_headers_refuse_every_change_but_can_be_read_and_copied():
    h = Headers._trusted([("location", "http://x/")], immutable=True)
    assert h.immutable
    for change in (lambda: h.set("a", "1"), lambda: h.append("a", "1"), lambda: h.delete("location")):
        with pytest.raises(TypeError, match="immutable"):
            change()
    assert h.get("location") == "http://x/"
    copy = h.copy()
    assert not copy.immutable
    copy.set("a", "1")
    assert h.items() == [("location", "http://x/")]


def test_the_name_cache_is_bounded():
    for i in range(headers_module._VALID_NAMES_MAX + 50):
        Headers([(f"X-Name-{i}", "v")])
    assert len(headers_module._valid_names) <= headers_module._VALID_NAMES_MAX
    assert Headers([("X-Name-9999", "v")]).get("x-name-9999") == "v"


def test_repr_shows_the_list():
    assert repr(Headers({"A": "1"})) == "Headers([('a', '1')])"


names = st.sampled_from(["a", "A", "b", "B", "set-cookie", "Set-Cookie", "cookie", "c-d"])
values = st.text(alphabet="xyz ,;=", max_size=4)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("append"), names, values),
        st.tuples(st.just("set"), names, values),
        st.tuples(st.just("delete"), names, st.just("")),
    ),
    max_size=25,
)


@given(operations)
def test_headers_behave_like_a_dict_of_lists(ops):
    h = Headers()
    model: dict[str, list[str]] = {}
    for action, name, value in ops:
        key = name.lower()
        trimmed = value.strip(" \t\r\n")
        if action == "append":
            h.append(name, value)
            model.setdefault(key, []).append(trimmed)
        elif action == "set":
            h.set(name, value)
            model[key] = [trimmed]
        else:
            h.delete(name)
            model.pop(key, None)
    for key in ("a", "b", "set-cookie", "cookie", "c-d", "missing"):
        expected = model.get(key)
        assert h.has(key) == (expected is not None)
        assert h.get_all(key) == (expected or [])
        if expected is None:
            assert h.get(key) is None
        else:
            assert h.get(key) == ("; " if key == "cookie" else ", ").join(expected)
    expected_items = []
    for key in sorted(model):
        if key == "set-cookie":
            expected_items += [(key, v) for v in model[key]]
        else:
            expected_items.append((key, ("; " if key == "cookie" else ", ").join(model[key])))
    assert h.items() == expected_items
    assert sorted(h.raw_items()) == sorted((k, v) for k, vs in model.items() for v in vs)


def test_deferred_headers_are_built_once_on_first_use_and_then_behave_as_any():
    calls = []

    def make(source):
        calls.append(source)
        return [("accept", "text/html"), ("x-a", "1")]

    headers = Headers._deferred(make, "raw")
    assert calls == []
    assert headers.get("Accept") == "text/html"
    headers.append("x-a", "2")
    assert headers.get("x-a") == "1, 2"
    assert list(Headers(headers).items()) == [("accept", "text/html"), ("x-a", "1, 2")]
    assert headers.copy().get_all("x-a") == ["1", "2"]
    assert calls == ["raw"]
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        headers.missing  # noqa: B018 - the lookup is the test


def test_deferred_headers_answer_single_names_by_lookup_until_the_pairs_are_made():
    pairs = [("accept", "text/html"), ("cookie", "a=1"), ("cookie", "b=2"), ("x-a", "1")]
    made, looked_up = [], []

    def make(source):
        made.append(source)
        return list(pairs)

    def lookup(source, name):
        looked_up.append(name)
        values = [v for n, v in pairs if n == name]
        return ", ".join(values) if values else None

    headers = Headers._deferred(make, "raw", lookup)
    assert headers.get("Accept") == "text/html"
    assert headers.get("x-missing") is None
    assert "X-A" in headers and not headers.has("x-b")
    assert looked_up == ["accept", "x-missing", "x-a", "x-b"] and made == []
    # Cookie lines join with "; " here, unlike the lookup's ", ": the pairs are made for it.
    assert headers.get("Cookie") == "a=1; b=2"
    assert made == ["raw"]
    headers.set("accept", "application/json")
    assert headers.get("accept") == "application/json" and len(looked_up) == 4
    with pytest.raises(ValueError, match="header name"):
        Headers._deferred(make, "raw", lookup).get("bad name")
