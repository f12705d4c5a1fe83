"""json_codec: JavaScript's JSON.stringify output, and the same results with or without msgspec."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import json
import math
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgekit import json_codec
from edgekit.json_codec import dumps, format_number, loads


@pytest.fixture(params=["msgspec", "stdlib"])
def backend(request, monkeypatch):
    """Run a test on both paths (the msgspec one only where msgspec is installed)."""
    if request.param == "msgspec":
        pytest.importorskip("msgspec")
        monkeypatch.delenv("EDGEKIT_JSON", raising=False)
        json_codec.use_stdlib(False)
    else:
        json_codec.use_stdlib(True)
    yield request.param
    json_codec.use_stdlib(False)


def both_paths(function, *args):
    """``function(*args)`` on the msgspec path and on the stdlib path (result or exception type)."""
    results = []
    for stdlib in (False, True):
        json_codec.use_stdlib(stdlib)
        try:
            results.append(function(*args))
        except Exception as e:  # noqa: BLE001 - the exception type is the result compared
            results.append(type(e))
    json_codec.use_stdlib(False)
    return results


# (value, JSON.stringify(value)) recorded from Node 20.
NUMBERS = [
    (0, "0"),
    (-0.0, "0"),
    (1, "1"),
    (-3, "-3"),
    (0.1, "0.1"),
    (1e21, "1e+21"),
    (1e20, "100000000000000000000"),
    (1e-7, "1e-7"),
    (1e-6, "0.000001"),
    (123456789012345678.0, "123456789012345680"),
    (1.5e300, "1.5e+300"),
    (5e-324, "5e-324"),
    (2.0**53, "9007199254740992"),
    (12345.5, "12345.5"),
    (1.7976931348623157e308, "1.7976931348623157e+308"),
    (-1e-300, "-1e-300"),
    (0.000001234, "0.000001234"),
    (100.0, "100"),
    (1e16, "10000000000000000"),
    (9.999999999999999e20, "999999999999999900000"),
]


@pytest.mark.parametrize(("value", "text"), NUMBERS)
def test_numbers_are_written_as_javascript_writes_them(backend, value, text):
    assert dumps(value) == text.encode()
    if isinstance(value, float):
        assert format_number(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({"z": 1, "a": {"y": [1, 2, {"b": None}], "x": ""}}, '{"z":1,"a":{"y":[1,2,{"b":null}],"x":""}}'),
        (
            "\u2028\u2029<>&'\"\\/\x00\x1f\x7f é😀\b\f\n\r\t",
            '"\u2028\u2029<>&\'\\"\\\\/\\u0000\\u001f\x7f é😀\\b\\f\\n\\r\\t"',
        ),
        ([True, False, None], "[true,false,null]"),
        ("\ud800x\udc00", '"\\ud800x\\udc00"'),
        ((1, [2.5, "x"]), '[1,[2.5,"x"]]'),
        ({1: "a", "b": 1.0}, '{"1":"a","b":1}'),
        ([float("nan"), float("inf"), -float("inf")], "[null,null,null]"),
        (123456789012345678901234567890, "123456789012345678901234567890"),
    ],
)
def test_values_are_written_as_javascript_writes_them(backend, value, text):
    assert dumps(value) == text.encode("utf-8")


class Color(enum.IntEnum):
    RED = 1


class Name(str, enum.Enum):
    ADA = "ada"


def test_subclasses_of_json_types_are_written_by_value(backend):
    assert dumps({"c": Color.RED, Name.ADA: [Name.ADA]}) == b'{"c":1,"ada":["ada"]}'


@dataclasses.dataclass
class Dataclass:
    x: int = 1


@pytest.mark.parametrize(
    ("value", "text"),
    [
        # Strings that look like the floats msgspec writes unlike JavaScript stay strings.
        (["1.0", "2e5", "-0.0"], '["1.0","2e5","-0.0"]'),
        ({"v": "x1.0]", "n": 1.25}, '{"v":"x1.0]","n":1.25}'),
        # Floats hidden among plain values, at any depth.
        ({"a": [{"b": [3.0]}]}, '{"a":[{"b":[3]}]}'),
        ([1.05, 10.5, 2e16], "[1.05,10.5,20000000000000000]"),
        ([float("nan")], "[null]"),
    ],
)
def test_values_msgspec_would_write_differently_take_the_exact_path(backend, value, text):
    assert dumps(value) == text.encode("utf-8")


def test_a_msgspec_raw_value_is_refused_like_any_other_object():
    msgspec = pytest.importorskip("msgspec")
    assert both_paths(dumps, [msgspec.Raw(b"{not json")]) == [TypeError, TypeError]


@pytest.mark.parametrize(
    "value",
    [
        {1.5: 1},
        {True: 1},
        {None: 1},
        {(1, 2): 1},
        {1, 2},
        b"x",
        datetime.date(2020, 1, 1),
        object(),
        [frozenset()],
        {"when": datetime.datetime(2020, 1, 1)},  # msgspec writes it as a string
        [Dataclass()],  # ... and this as an object
        [uuid.UUID(int=1)],
        [decimal.Decimal("1.5")],
        [bytearray(b"x")],
    ],
)
def test_what_json_cannot_carry_is_refused_on_every_path(backend, value):
    with pytest.raises(TypeError):
        dumps(value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('{"a": [1, 2.5, "x", null, true], "b": {"c": "é"}}', {"a": [1, 2.5, "x", None, True], "b": {"c": "é"}}),
        (" \n 1 \t", 1),
        ("12345678901234567890", 12345678901234567890),
        ('{"a":1,"a":2}', {"a": 2}),
        ('"\\ud800"', "\ud800"),
        ("1E400", math.inf),
        ("-0", 0),
        (b'{"a": 1}', {"a": 1}),
    ],
)
def test_loads(backend, text, value):
    assert loads(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "NaN",
        "Infinity",
        "-Infinity",
        "[1,]",
        "{'a': 1}",
        "'a'",
        '{"a":1} x',
        "01",
        "1.",
        ".5",
        "+1",
        '"\x01"',
        "\ufeff1",
        "[" * 100000,
        b"\xff",
        "nul",
    ],
)
def test_loads_rejects_what_is_not_json(backend, text):
    with pytest.raises(ValueError):
        loads(text)


def test_the_environment_variable_forces_the_stdlib(monkeypatch):
    monkeypatch.setenv("EDGEKIT_JSON", "stdlib")
    json_codec.use_stdlib(False)
    try:
        assert json_codec._backend() is False
        assert dumps({"a": 1.5}) == b'{"a":1.5}'
    finally:
        monkeypatch.delenv("EDGEKIT_JSON")
        json_codec.use_stdlib(False)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=5) | st.integers(), children, max_size=4)
    ),
    max_leaves=12,
)


@given(json_values)
def test_both_paths_write_the_same_bytes(value):
    before = repr(value)
    with_msgspec, with_stdlib = both_paths(dumps, value)
    assert with_msgspec == with_stdlib
    assert repr(value) == before  # floats are redone in copies, never in the caller's value


def as_javascript_reads_it(value):
    """What JavaScript gets back for ``value``: string keys, arrays, doubles (NaN and infinities as null)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return float(value)
    if isinstance(value, dict):
        return {str(k): as_javascript_reads_it(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_javascript_reads_it(v) for v in value]
    return value


@given(json_values)
def test_written_json_reads_back(value):
    text = dumps(value)
    assert as_javascript_reads_it(loads(text)) == as_javascript_reads_it(value)
    assert json.loads(text) == loads(text)


@given(st.text(alphabet=' \t\n{}[]":,.-+0123456789eEtruefalsn\\u'))
def test_both_paths_read_the_same(text):
    with_msgspec, with_stdlib = both_paths(loads, text)
    if isinstance(with_msgspec, type) or isinstance(with_stdlib, type):
        assert isinstance(with_msgspec, type) and isinstance(with_stdlib, type)
    else:
        assert with_msgspec == with_stdlib


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_floats_round_trip_as_doubles(value):
    assert float(loads(dumps(value))) == value


@pytest.mark.parametrize("as_bytes", [False, True])
def test_nesting_is_limited_the_same_on_every_path(backend, as_bytes):
    limit = json_codec.MAX_DEPTH

    def text(depth: int) -> str:
        return "[" * depth + "]" * depth

    def parse(text: str):
        return loads(text.encode() if as_bytes else text)

    assert parse(text(limit)) is not None
    for deep in (text(limit + 1), "[" * 100_000, '{"a":' * (limit + 1) + "1" + "}" * (limit + 1)):
        with pytest.raises(ValueError, match="nested more than"):
            parse(deep)
    # Brackets inside strings are text, not nesting.
    assert parse('["' + "[{" * 5_000 + '"]') == ["[{" * 5_000]
