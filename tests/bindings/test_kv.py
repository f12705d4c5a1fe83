"""KVNamespace, the local Workers KV store: every API point, limit and bad input."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from edgekit.bindings import kv as kv_module
from edgekit.bindings.kv import KVError, KVListKey, KVListResult, KVNamespace, conformance_factory
from tests.conftest import run

START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
START_S = START_MS // 1000


class Clock:
    def __init__(self) -> None:
        self.now = START_MS

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def kv(clock: Clock) -> Iterator[KVNamespace]:
    with KVNamespace(":memory:", now_ms=clock) as store:
        yield store


async def chunks(*parts: Any) -> AsyncIterator[Any]:
    for part in parts:
        yield part


async def names(kv: KVNamespace, **kwargs: Any) -> list[str]:
    return [k.name for k in (await kv.list(**kwargs)).keys]


# ---------------------------------------------------------------- get and put


def test_get_types(kv: KVNamespace) -> None:
    async def go() -> None:
        await kv.put("k", '{"a": [1, 2.5, null]}')
        assert await kv.get("k") == '{"a": [1, 2.5, null]}'
        assert await kv.get("k", type="text") == '{"a": [1, 2.5, null]}'
        assert await kv.get("k", type="json") == {"a": [1, 2.5, None]}
        assert await kv.get("k", type="bytes") == b'{"a": [1, 2.5, null]}'
        stream = await kv.get("k", type="stream")
        assert b"".join([c async for c in stream]) == b'{"a": [1, 2.5, null]}'

    run(go())


def test_stream_is_chunked_and_empty_value_streams_nothing(kv: KVNamespace) -> None:
    async def go() -> None:
        big = bytes(range(256)) * 1000
        await kv.put("big", big)
        parts = [c async for c in await kv.get("big", type="stream")]
        assert len(parts) > 1 and b"".join(parts) == big
        await kv.put("empty", b"")
        assert [c async for c in await kv.get("empty", type="stream")] == []
        assert await kv.get("empty") == ""

    run(go())


def test_missing_key_is_none_for_every_type(kv: KVNamespace) -> None:
    async def go() -> None:
        for t in ("text", "json", "bytes", "stream"):
            assert await kv.get("nope", type=t) is None  # type: ignore[arg-type]
            assert await kv.get_with_metadata("nope", type=t) == (None, None)  # type: ignore[arg-type]

    run(go())


def test_text_replaces_invalid_utf8_and_json_errors_are_value_errors(kv: KVNamespace) -> None:
    async def go() -> None:
        await kv.put("bad", b"ok\xff\xfe")
        assert await kv.get("bad") == "ok\ufffd\ufffd"
        assert await kv.get("bad", type="bytes") == b"ok\xff\xfe"
        for text in ("not json", "", "NaN", "[1,]"):
            await kv.put("j", text)
            with pytest.raises(ValueError):
                await kv.get("j", type="json")
        await kv.put("j", '{"k":1,"k":2}')
        assert await kv.get("j", type="json") == {"k": 2}

    run(go())


def test_unknown_type_is_a_type_error(kv: KVNamespace) -> None:
    async def go() -> None:
        await kv.put("k", "v")
        for t in ("foo", "JSON", "arrayBuffer", None):
            with pytest.raises(TypeError, match="Unknown response type") as e:
                await kv.get("k", type=t)  # type: ignore[arg-type]
            assert '"bytes"' in str(e.value)
            with pytest.raises(TypeError, match="Unknown response type"):
                await kv.get_with_metadata("k", type=t)  # type: ignore[arg-type]

    run(go())


@pytest.mark.parametrize(
    "value, stored",
    [
        ("héllo ✓", "héllo ✓".encode()),
        (b"\x00\xff", b"\x00\xff"),
        (bytearray(b"ab"), b"ab"),
        (memoryview(b"cd"), b"cd"),
    ],
)
def test_put_accepts_text_and_bytes_like(kv: KVNamespace, value: Any, stored: bytes) -> None:
    async def go() -> None:
        await kv.put("k", value)
        assert await kv.get("k", type="bytes") == stored

    run(go())


def test_put_accepts_an_async_iterable_of_bytes(kv: KVNamespace) -> None:
    async def go() -> None:
        await kv.put("k", chunks(b"from ", bytearray(b"a "), memoryview(b"stream")))
        assert await kv.get("k") == "from a stream"
        with pytest.raises(TypeError, match="chunks must be bytes, not str"):
            await kv.put("k", chunks(b"x", "y"))
        assert await kv.get("k") == "from a stream"

    run(go())


@pytest.mark.parametrize("value", [{"x": 1}, [1], 123, 1.5, True, None, object(), iter([b"x"])])
def test_put_rejects_other_values_with_a_type_error(kv: KVNamespace, value: Any) -> None:
    with pytest.raises(TypeError, match="KV put\\(\\) accepts only strings") as e:
        run(kv.put("k", value))
    assert "In Python: str, bytes" in str(e.value)
    assert run(kv.get("k")) is None


def test_put_rejects_lone_surrogates(kv: KVNamespace) -> None:
    with pytest.raises(TypeError, match="KV value must be valid Unicode"):
        run(kv.put("k", "a\ud800"))
    with pytest.raises(TypeError, match="KV key must be valid Unicode: lone surrogate at index 1"):
        run(kv.put("a\udc00", "v"))


def test_overwrite_replaces_value_metadata_and_expiration(kv: KVNamespace, clock: Clock) -> None:
    async def go() -> None:
        await kv.put("k", "1", metadata={"m": 1}, expiration_ttl=60)
        await kv.put("k", b"\x01\x02")
        assert await kv.get_with_metadata("k", type="bytes") == (b"\x01\x02", None)
        clock.now += 120_000
        assert [(k.name, k.expiration, k.metadata) for k in (await kv.list()).keys] == [("k", None, None)]

    run(go())


def test_delete(kv: KVNamespace) -> None:
    async def go() -> None:
        await kv.put("a", "1")
        await kv.put("b", "2")
        await kv.delete("a")
        await kv.delete("a")  # a missing key is fine
        await kv.delete("never")
        assert await kv.get("a") is None
        assert await names(kv) == ["b"]

    run(go())


# ---------------------------------------------------------------- keys


@pytest.mark.parametrize("key", [1, b"k", None, 1.0])
def test_non_string_keys_are_type_errors(kv: KVNamespace, key: Any) -> None:
    for call in (kv.get(key), kv.get_with_metadata(key), kv.put(key, "v"), kv.delete(key)):
        with pytest.raises(TypeError, match="KV key must be a str"):
            run(call)


@pytest.mark.parametrize(
    "key, message", [("", "Key name cannot be empty."), (".", '"." is not allowed'), ("..", '".." is not allowed')]
)
def test_empty_dot_and_dotdot_keys_are_type_errors(kv: KVNamespace, key: str, message: str) -> None:
    for call in (kv.get(key), kv.get_with_metadata(key), kv.put(key, "v"), kv.delete(key)):
        with pytest.raises(TypeError, match=message):
            run(call)


@pytest.mark.parametrize("key", ["k" * 512, "€" * 170 + "ab", "😀" * 128, "é" * 256])
def test_keys_up_to_512_utf8_bytes_are_accepted(kv: KVNamespace, key: str) -> None:
    run(kv.put(key, "v"))
    assert run(kv.get(key)) == "v"
    run(kv.delete(key))


@pytest.mark.parametrize("key, length", [("k" * 513, 513), ("€" * 171, 513), ("😀" * 128 + "a", 513), ("é" * 257, 514)])
def test_longer_keys_are_kv_errors_naming_the_limit(kv: KVNamespace, key: str, length: int) -> None:
    text = f"UTF-8 encoded length of {length} exceeds key length limit of 512."
    calls = (
        ("GET", kv.get(key)),
        ("GET", kv.get_with_metadata(key)),
        ("PUT", kv.put(key, "v")),
        ("DELETE", kv.delete(key)),
    )
    for op, call in calls:
        with pytest.raises(KVError) as e:
            run(call)
        assert str(e.value) == f"KV {op} failed: 414 {text}"
        assert (e.value.op, e.value.status) == (op, 414)


@pytest.mark.parametrize("key", ["...", "./a", "a/..", "a\x00b", "a\nb", " ", "\t", "a%2Fb", "a?b#c"])
def test_unusual_keys_round_trip(kv: KVNamespace, key: str) -> None:
    run(kv.put(key, key))
    assert run(kv.get(key)) == key
    assert run(names(kv)) == [key]


# ---------------------------------------------------------------- value size


def test_value_limit_is_25_mib_of_utf8(kv: KVNamespace) -> None:
    async def go() -> None:
        await kv.put("k", "small")
        limit = 26214400
        assert kv_module.MAX_VALUE_BYTES == limit
        await kv.put("ok", b"x" * limit)
        assert len(await kv.get("ok", type="bytes")) == limit
        for value, length in ((b"x" * (limit + 1), limit + 1), ("é" * (limit // 2 + 1), limit + 2)):
            with pytest.raises(
                KVError, match=f"^KV PUT failed: 413 Value length of {length} exceeds limit of {limit}.$"
            ):
                await kv.put("k", value)
        with pytest.raises(KVError, match="Value length of 26214401 exceeds"):
            await kv.put("k", chunks(b"x" * limit, b"y"))
        assert await kv.get("k") == "small"  # a rejected put leaves the old value

    run(go())


# ---------------------------------------------------------------- metadata


@pytest.mark.parametrize(
    "metadata", [{"n": 1, "s": "é", "l": [1, None, True], "o": {"p": 0.5}}, "s", 7, 2.5, [], {}, "", False]
)
def test_metadata_round_trips_any_json_value(kv: KVNamespace, metadata: Any) -> None:
    run(kv.put("k", "v", metadata=metadata))
    assert run(kv.get_with_metadata("k")) == ("v", metadata)
    assert run(kv.list()).keys[0].metadata == metadata


def test_metadata_none_means_none(kv: KVNamespace) -> None:
    run(kv.put("k", "v", metadata=None))
    assert run(kv.get_with_metadata("k")) == ("v", None)


def test_metadata_is_serialized_as_javascript_does(kv: KVNamespace) -> None:
    run(kv.put("k", "v", metadata={"t": (1, 2), "big": 1e21, "nan": float("nan")}))
    assert run(kv.get_with_metadata("k"))[1] == {"t": [1, 2], "big": 1e21, "nan": None}


def test_metadata_limit_is_1024_bytes_of_json(kv: KVNamespace) -> None:
    async def go() -> None:
        fits = "x" * (1024 - len('{"m":""}'))
        await kv.put("a", "v", metadata={"m": fits})
        with pytest.raises(KVError, match="^KV PUT failed: 413 Metadata length of 1025 exceeds limit of 1024.$"):
            await kv.put("b", "v", metadata={"m": fits + "x"})
        with pytest.raises(KVError, match="Metadata length of 1026 exceeds limit of 1024"):
            await kv.put("b", "v", metadata={"m": fits + "é"})
        assert await kv.get("b") is None

    run(go())


@pytest.mark.parametrize("metadata", [{1, 2}, object(), {"k": b"bytes"}, {(1, 2): "tuple key"}])
def test_metadata_that_is_not_json_is_a_type_error(kv: KVNamespace, metadata: Any) -> None:
    with pytest.raises(TypeError, match="KV metadata must be JSON-serializable"):
        run(kv.put("k", "v", metadata=metadata))
    assert run(kv.get("k")) is None


# ---------------------------------------------------------------- expiration


def expirations(kv: KVNamespace) -> dict[str, int | None]:
    return {k.name: k.expiration for k in run(kv.list()).keys}


def test_expiration_ttl_and_absolute_expiration(kv: KVNamespace) -> None:
    run(kv.put("ttl", "v", expiration_ttl=60))
    run(kv.put("frac", "v", expiration_ttl=60.9))
    run(kv.put("both", "v", expiration=START_S + 3600, expiration_ttl=120))
    run(kv.put("abs", "v", expiration=START_S + 60))
    run(kv.put("absfrac", "v", expiration=START_S + 100.7))
    run(kv.put("max", "v", expiration=2**31 - 1))
    assert expirations(kv) == {
        "abs": START_S + 60,
        "absfrac": START_S + 100,
        "both": START_S + 120,
        "frac": START_S + 60,
        "max": 2**31 - 1,
        "ttl": START_S + 60,
    }


@pytest.mark.parametrize(
    "ttl, text",
    [
        (59, "Invalid expiration_ttl of 59. Expiration TTL must be at least 60."),
        (59.9, "Invalid expiration_ttl of 59. Expiration TTL must be at least 60."),
        (1, "Invalid expiration_ttl of 1. Expiration TTL must be at least 60."),
        (0, "Invalid expiration_ttl of 0. Please specify integer greater than 0."),
        (-5, "Invalid expiration_ttl of -5. Please specify integer greater than 0."),
    ],
)
def test_bad_expiration_ttl(kv: KVNamespace, ttl: float, text: str) -> None:
    with pytest.raises(KVError) as e:
        run(kv.put("k", "v", expiration_ttl=ttl))
    assert str(e.value) == f"KV PUT failed: 400 {text}"
    assert run(kv.get("k")) is None


@pytest.mark.parametrize(
    "expiration, text",
    [
        (1000, "Please specify integer greater than the current number of seconds since the UNIX epoch."),
        (0, "Please specify integer greater than the current number of seconds since the UNIX epoch."),
        (-5, "Please specify integer greater than the current number of seconds since the UNIX epoch."),
        (START_S, "Please specify integer greater than the current number of seconds since the UNIX epoch."),
        (START_S + 1, "Expiration times must be at least 60 seconds in the future."),
        (START_S + 59, "Expiration times must be at least 60 seconds in the future."),
    ],
)
def test_bad_expiration(kv: KVNamespace, expiration: int, text: str) -> None:
    with pytest.raises(KVError) as e:
        run(kv.put("k", "v", expiration=expiration))
    assert str(e.value) == f"KV PUT failed: 400 Invalid expiration of {expiration}. {text}"


@pytest.mark.parametrize("name", ["expiration", "expiration_ttl"])
@pytest.mark.parametrize("value", [2**31, -(2**31) - 1, 4102444800, float("inf"), float("-inf")])
def test_expiration_out_of_32_bit_range_is_a_type_error(kv: KVNamespace, name: str, value: float) -> None:
    with pytest.raises(
        TypeError, match=r"Value out of range. Must be between -2147483648 and 2147483647 \(inclusive\)."
    ):
        run(kv.put("k", "v", **{name: value}))


@pytest.mark.parametrize("name", ["expiration", "expiration_ttl"])
@pytest.mark.parametrize("value", ["2000000000", True, float("nan"), [60]])
def test_expiration_that_is_not_a_number_is_a_type_error(kv: KVNamespace, name: str, value: Any) -> None:
    with pytest.raises(TypeError, match=f"{name} must be a number of seconds"):
        run(kv.put("k", "v", **{name: value}))


def test_expired_keys_are_never_returned(kv: KVNamespace, clock: Clock) -> None:
    async def go() -> None:
        await kv.put("a", "v", expiration_ttl=60, metadata={"m": 1})
        await kv.put("b", "keep")
        clock.now += 59_999
        assert await kv.get("a") == "v"
        assert await kv.get_with_metadata("a") == ("v", {"m": 1})
        assert await kv.get(["a"]) == {"a": "v"}
        assert await names(kv) == ["a", "b"]
        clock.now += 1  # exactly at the expiration: gone everywhere
        assert await kv.get("a") is None
        assert await kv.get("a", type="stream") is None
        assert await kv.get_with_metadata("a") == (None, None)
        assert await kv.get(["a", "b"]) == {"a": None, "b": "keep"}
        assert await kv.get_with_metadata(["a"]) == {"a": None}
        assert await names(kv) == ["b"]
        await kv.put("a", "new")  # an expired key can be written again
        assert await kv.get("a") == "new"

    run(go())


def test_list_limit_counts_only_live_keys(kv: KVNamespace, clock: Clock) -> None:
    async def go() -> None:
        for key in "abcd":
            await kv.put(key, "v", expiration_ttl=60 if key == "b" else None)
        clock.now += 61_000
        page = await kv.list(limit=2)
        assert [k.name for k in page.keys] == ["a", "c"] and not page.list_complete
        assert await names(kv, limit=2, cursor=page.cursor) == ["d"]

    run(go())


def test_real_clock_is_the_default() -> None:
    with KVNamespace(":memory:") as kv:
        with pytest.raises(KVError, match="Invalid expiration of 2000"):
            run(kv.put("k", "v", expiration=2000))
        run(kv.put("k", "v", expiration=2_000_000_000))
        assert run(kv.get("k")) == "v"


# ---------------------------------------------------------------- bulk get


def test_bulk_get(kv: KVNamespace) -> None:
    async def go() -> None:
        await kv.put("a", "1")
        await kv.put("b", '{"x":2}', metadata={"m": "b"})
        assert await kv.get(["b", "a", "missing", "a"]) == {"b": '{"x":2}', "a": "1", "missing": None}
        assert list(await kv.get(("b", "a"))) == ["b", "a"]  # request order
        assert await kv.get(["b", "a"], type="json") == {"b": {"x": 2}, "a": 1}
        assert await kv.get_with_metadata(["a", "b", "c"]) == {
            "a": ("1", None),
            "b": ('{"x":2}', {"m": "b"}),
            "c": None,
        }
        assert await kv.get(["k%d" % i for i in range(100)]) == {"k%d" % i: None for i in range(100)}

    run(go())


def test_bulk_get_with_metadata_returns_falsy_values_bare_as_workers_does(kv: KVNamespace) -> None:
    async def go() -> None:
        for key, value in (("e", ""), ("zero", "0"), ("f", "false"), ("null", "null"), ("list", "[]"), ("one", "1")):
            await kv.put(key, value)
        assert await kv.get_with_metadata(["e", "zero", "f", "one"]) == {
            "e": "",
            "zero": ("0", None),
            "f": ("false", None),
            "one": ("1", None),
        }
        assert await kv.get_with_metadata(["zero", "f", "null", "list", "one"], type="json") == {
            "zero": 0,
            "f": False,
            "null": None,
            "list": ([], None),
            "one": (1, None),
        }

    run(go())


def test_bulk_get_limits_and_errors(kv: KVNamespace) -> None:
    async def go() -> None:
        await kv.put("a", "not json")
        cases: list[tuple[Any, str, str]] = [
            ([], "text", "KV GET_BULK failed: 400 You must request a minimum of 1 key"),
            (["k"] * 101, "text", "KV GET_BULK failed: 400 You can request a maximum of 100 keys"),
            (["a", ""], "text", "KV GET_BULK failed: 400 Key names must not be empty"),
            (["a", "."], "text", 'KV GET_BULK failed: 400 Illegal key name ".". Please use a different name.'),
            (["a", ".."], "text", 'Illegal key name "..".'),
            (
                ["k" * 513],
                "text",
                "KV GET_BULK failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.",
            ),
            (["a"], "json", "At least one of the requested keys corresponds to a non-json value"),
            (["a"], "bytes", 'KV GET_BULK failed: 400 "arrayBuffer" is not a valid type. Use "json" or "text"'),
            (["a"], "stream", '"stream" is not a valid type. Use "json" or "text"'),
        ]
        for keys, t, text in cases:
            for call in (kv.get(keys, type=t), kv.get_with_metadata(keys, type=t)):  # type: ignore[arg-type]
                with pytest.raises(KVError) as e:
                    await call
                assert text in str(e.value)
        with pytest.raises(TypeError, match="KV key must be a str, not int"):
            await kv.get(["a", 1])  # type: ignore[list-item]
        with pytest.raises(TypeError, match="Unknown response type"):
            await kv.get(["a"], type="foo")  # type: ignore[arg-type]

    run(go())


# ---------------------------------------------------------------- list


def test_list_result_shape(kv: KVNamespace) -> None:
    async def go() -> None:
        await kv.put("a", "1", metadata={"m": "a"})
        await kv.put("b", "2", expiration=2_000_000_000)
        await kv.put("c", "3")
        page = await kv.list(limit=2)
        assert isinstance(page, KVListResult)
        assert page["keys"] is page.keys and page["list_complete"] is False and page["cursor"] == page.cursor
        first = page.keys[0]
        assert isinstance(first, KVListKey)
        assert (first["name"], first["expiration"], first["metadata"]) == ("a", None, {"m": "a"})
        assert (page.keys[1].name, page.keys[1].expiration, page.keys[1].metadata) == ("b", 2_000_000_000, None)
        assert "KVListKey(name='a'" in repr(page) and "list_complete=False" in repr(page)
        with pytest.raises(KeyError):
            page["value"]
        with pytest.raises(KeyError):
            first["value"]
        rest = await kv.list(cursor=page.cursor)
        assert ([k.name for k in rest.keys], rest.list_complete, rest.cursor) == (["c"], True, None)

    run(go())


def test_list_empty(kv: KVNamespace) -> None:
    page = run(kv.list())
    assert (page.keys, page.list_complete, page.cursor) == ([], True, None)


def test_list_orders_by_utf8_bytes(kv: KVNamespace) -> None:
    keys = ["b", "B", "a", "A", "10", "9", "_", " a", "a-", "a~", "aa", "a0", "é", "ÿ", "Ā", "\uff01", "😀", "\ue000"]
    keys += ["a\x00", "a\x01"]
    for key in keys:
        run(kv.put(key, "v"))
    assert run(names(kv)) == sorted(keys, key=lambda k: k.encode("utf-8"))
    assert run(names(kv))[-3:] == ["\ue000", "\uff01", "😀"]  # not UTF-16 order


def test_list_prefix_is_literal(kv: KVNamespace) -> None:
    async def go() -> None:
        for key in ("user:1", "user:2", "users", "admin:1", "a%c", "abc", "a_c", "a\\c", "é1", "é2", "e3", "User:3"):
            await kv.put(key, "v")
        assert await names(kv, prefix="user:") == ["user:1", "user:2"]
        assert await names(kv, prefix="user") == ["user:1", "user:2", "users"]
        assert await names(kv, prefix="a%") == ["a%c"]
        assert await names(kv, prefix="a_") == ["a_c"]
        assert await names(kv, prefix="a\\") == ["a\\c"]
        assert await names(kv, prefix="é") == ["é1", "é2"]
        assert await names(kv, prefix="nomatch") == []
        assert len(await names(kv, prefix="")) == len(await names(kv, prefix=None)) == 12

    run(go())


def test_list_prefix_validation(kv: KVNamespace) -> None:
    with pytest.raises(
        KVError, match="^KV GET failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.$"
    ):
        run(kv.list(prefix="p" * 513))
    assert run(kv.list(prefix="p" * 512)).keys == []
    with pytest.raises(TypeError, match="prefix must be a str or None, not bytes"):
        run(kv.list(prefix=b"p"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="KV list prefix must be valid Unicode"):
        run(kv.list(prefix="\ud800"))


def test_list_limit(kv: KVNamespace) -> None:
    async def go() -> None:
        for i in range(1001):
            await kv.put(f"k{i:04}", "v")
        page = await kv.list()
        assert len(page.keys) == 1000 and not page.list_complete
        assert await names(kv, cursor=page.cursor) == ["k1000"]
        assert len((await kv.list(limit=1000)).keys) == 1000
        assert await names(kv, limit=3, prefix="k100") == ["k1000"]
        two = await kv.list(limit=2, prefix="k000")
        assert [k.name for k in two.keys] == ["k0000", "k0001"] and two.cursor is not None

    run(go())


@pytest.mark.parametrize("limit", [1001, 5000, 0, -1])
def test_list_limit_out_of_range_is_a_kv_error(kv: KVNamespace, limit: int) -> None:
    with pytest.raises(
        KVError, match=f"^KV GET failed: 400 Invalid key_count_limit of {limit}. Please specify an integer"
    ):
        run(kv.list(limit=limit))


@pytest.mark.parametrize("limit", [1.5, "10", True, None])
def test_list_limit_must_be_an_int(kv: KVNamespace, limit: Any) -> None:
    with pytest.raises(TypeError, match="KV list limit must be an int"):
        run(kv.list(limit=limit))


def test_cursor_is_base64_of_the_last_key_as_miniflare(kv: KVNamespace) -> None:
    for key in ("a", "c", "é"):
        run(kv.put(key, "v"))
    assert run(kv.list(limit=1)).cursor == "YQ=="
    assert run(kv.list(limit=2, cursor="YQ==")).cursor is None  # "c" and "é": the rest
    assert run(kv.list(limit=1, cursor="Yw==")).cursor is None
    assert run(kv.list(limit=2)).cursor == "Yw=="
    run(kv.put("ü", "v"))
    assert run(kv.list(limit=3)).cursor == "w6k="  # base64 of the UTF-8 bytes of "é"
    assert run(names(kv, cursor="Yw==")) == ["é", "ü"]


def test_cursor_stays_valid_while_keys_are_inserted_and_deleted(kv: KVNamespace) -> None:
    async def go() -> None:
        for key in ("a", "c", "e", "g"):
            await kv.put(key, "v")
        page = await kv.list(limit=2)
        assert [k.name for k in page.keys] == ["a", "c"]
        await kv.put("b", "v")  # before the cursor: not seen again
        await kv.put("d", "v")  # after it: seen
        await kv.delete("c")  # the cursor's own key may go
        await kv.delete("e")
        page = await kv.list(limit=2, cursor=page.cursor)
        assert [k.name for k in page.keys] == ["d", "g"]
        assert page.list_complete and page.cursor is None

    run(go())


def test_paging_visits_every_key_once(kv: KVNamespace) -> None:
    async def go() -> None:
        for i in range(25):
            await kv.put(f"key-{i:02}", "v")
        seen: list[str] = []
        cursor = None
        while True:
            page = await kv.list(limit=10, cursor=cursor)
            seen += [k.name for k in page.keys]
            if page.list_complete:
                break
            cursor = page.cursor
        assert seen == [f"key-{i:02}" for i in range(25)]

    run(go())


@pytest.mark.parametrize("cursor", ["not base64!", "YQ", "////", "%%%%"])
def test_bad_cursor_is_a_clear_kv_error(kv: KVNamespace, cursor: str) -> None:
    with pytest.raises(KVError, match="Invalid cursor .*: pass the cursor of a previous list\\(\\) page."):
        run(kv.list(cursor=cursor))


def test_empty_cursor_starts_at_the_beginning_and_non_str_cursor_is_a_type_error(kv: KVNamespace) -> None:
    run(kv.put("a", "v"))
    assert run(names(kv, cursor="")) == ["a"]
    with pytest.raises(TypeError, match="cursor must be a str or None, not bytes"):
        run(kv.list(cursor=b"YQ=="))  # type: ignore[arg-type]


# ---------------------------------------------------------------- storage


def test_a_file_store_persists_across_reopening(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "KV.sqlite"
    with KVNamespace(path, now_ms=clock) as kv:
        run(kv.put("a", "1", metadata={"m": 1}, expiration_ttl=3600))
        run(kv.put("b", b"\x00\xff"))
        run(kv.put("gone", "x"))
        run(kv.delete("gone"))
    with KVNamespace(str(path), now_ms=clock) as kv:
        assert run(kv.get_with_metadata("a")) == ("1", {"m": 1})
        assert run(kv.get("b", type="bytes")) == b"\x00\xff"
        assert [(k.name, k.expiration) for k in run(kv.list()).keys] == [("a", START_S + 3600), ("b", None)]


def test_writes_are_committed_before_the_call_returns(tmp_path: Path) -> None:
    path = tmp_path / "KV.sqlite"
    kv = KVNamespace(path)
    try:
        run(kv.put("a", "1"))
        other = sqlite3.connect(path)
        try:
            assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            assert other.execute("SELECT value FROM kv").fetchall() == [(b"1",)]
            run(kv.delete("a"))
            assert other.execute("SELECT count(*) FROM kv").fetchone() == (0,)
        finally:
            other.close()
    finally:
        kv.close()


def test_two_namespaces_on_one_file_see_each_others_writes(tmp_path: Path) -> None:
    path = tmp_path / "KV.sqlite"
    with KVNamespace(path) as one, KVNamespace(path) as two:
        run(one.put("k", "from one"))
        assert run(two.get("k")) == "from one"


def test_close_is_idempotent_and_later_calls_fail_clearly() -> None:
    kv = KVNamespace(":memory:")
    kv.close()
    kv.close()
    with pytest.raises(KVError, match="^KV GET failed: 500 the KV namespace is closed$"):
        run(kv.get("k"))
    with pytest.raises(KVError, match="closed"):
        run(kv.put("k", "v"))


def test_storage_failures_are_kv_errors(tmp_path: Path) -> None:
    with pytest.raises(KVError, match="KV OPEN failed: 500 cannot open KV store"):
        KVNamespace(tmp_path)  # a directory
    kv = KVNamespace(tmp_path / "KV.sqlite")
    try:
        run(kv.put("k", "v"))
        other = sqlite3.connect(tmp_path / "KV.sqlite")
        other.execute("DROP TABLE kv")
        other.close()
        with pytest.raises(KVError, match="^KV GET failed: 500 local store error: no such table: kv$"):
            run(kv.get("k"))
    finally:
        kv.close()


def test_conformance_factory_gives_fresh_stores_on_the_given_clock(clock: Clock) -> None:
    one = conformance_factory(now_ms=clock)
    two = conformance_factory()
    try:
        run(one.put("k", "v", expiration_ttl=60))
        assert run(two.get("k")) is None
        assert run(one.list()).keys[0].expiration == START_S + 60
    finally:
        one.close()
        two.close()


def test_imports_stay_separate() -> None:
    code = (
        "import sys; import edgekit; assert 'sqlite3' not in sys.modules and 'edgekit.bindings' not in sys.modules; "
        "import edgekit.bindings.kv; assert 'edgekit.bindings.d1' not in sys.modules; "
        "import edgekit.bindings; assert [k for k in vars(edgekit.bindings) if not k.startswith('_')] == ['kv_api', 'kv']"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


WRITER = """
import asyncio, sys
from edgekit.bindings.kv import KVNamespace

async def main(kv, name, count):
    for i in range(count):
        await kv.put(f"{name}{i:06}", f"v{i}", metadata={"i": i})
        print(i, flush=True)  # acknowledged: put returned

asyncio.run(main(KVNamespace(sys.argv[1]), sys.argv[2], int(sys.argv[3])))
"""


def writer(path: Path, name: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), name, str(count)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
@pytest.mark.parametrize("kill_after", [1, 17, 60])
def test_acknowledged_puts_survive_sigkill(tmp_path: Path, kill_after: int) -> None:
    path = tmp_path / "KV.sqlite"
    proc = writer(path, "k", 100_000)
    assert proc.stdout is not None
    acked = -1
    for line in proc.stdout:
        acked = int(line)
        if acked + 1 >= kill_after:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert proc.stderr is not None
    proc.stderr.close()
    assert acked + 1 == kill_after
    with KVNamespace(path) as kv:
        found = run(kv.get_with_metadata([f"k{i:06}" for i in range(max(0, acked - 99), acked + 1)]))
        assert found == {f"k{i:06}": (f"v{i}", {"i": i}) for i in range(max(0, acked - 99), acked + 1)}
        # The writer ran on until the signal landed: every key it wrote is whole, in order.
        written = [k.name for k in run(kv.list()).keys]
        assert len(written) > acked and written == [f"k{i:06}" for i in range(len(written))]


def test_two_processes_writing_one_store_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "KV.sqlite"
    KVNamespace(path).close()  # create the file and its WAL mode once
    procs = [writer(path, name, 150) for name in ("a", "b")]
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert out.split() == [str(i) for i in range(150)]
    with KVNamespace(path) as kv:
        assert len(run(kv.list()).keys) == 300
        assert run(kv.get("b000149")) == "v149"
