"""Replays the KV part of the bindings conformance corpus (recorded from miniflare) through KVNamespace.

``data/kv_cases.json`` and ``data/kv_expected.json`` are the ``kv_*`` suites of
``../shared/bindings-conformance`` (copied: recorded facts), so this runs on a clone
without ``../shared``.  Every case is one test, on a fresh in-memory namespace (on a
fake clock when the case has ``fake_time_ms``); cases and operations marked
``python_skip`` (JavaScript-only inputs) are skipped.

Compared as the corpus README says, and stricter where edgekit matches miniflare exactly:

* values exactly (numbers by value, a boolean never equals a number); ``cacheStatus``
  (always null in miniflare, absent from the Python API) is dropped;
* list cursors exactly: like miniflare's, ours are the base64 of the last key;
* errors by category: a JavaScript ``TypeError`` must be a ``TypeError``, a
  ``SyntaxError`` a ``ValueError``, a KV service error a ``KVError``; and the message
  must contain the recorded ``contains`` text.

When the shared corpus is present, the upstream checker also runs against
``conformance_factory`` and the copy is checked against the corpus.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from edgekit.bindings.kv import KVError, KVNamespace, conformance_factory
from tests.conftest import run
from tests.corpora import assert_all_passed, corpus, load_recording, needs, run_checker

DATA = Path(__file__).parent / "data"
CASES, EXPECTED = load_recording(DATA / "kv_cases.json", DATA / "kv_expected.json")
ALL_CASES = [case for suite in CASES["suites"] for case in suite["cases"]]
SHARED = corpus("bindings-conformance")
# The corpus names JavaScript's ArrayBuffer result type; the Python API calls it "bytes".
PY_TYPES = {"arrayBuffer": "bytes"}


class Clock:
    """A manual clock in milliseconds."""

    def __init__(self, start_ms: int) -> None:
        self.now = start_ms

    def __call__(self) -> int:
        return self.now


def decode(value: Any) -> Any:
    """A case value in its tagged JSON form -> the Python value to pass."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "$bytes" in value:
        return base64.b64decode(value["$bytes"])
    if "$repeat" in value:
        text = value["$repeat"]["s"] * value["$repeat"]["n"]
        return text.encode("utf-8") if value.get("as") == "bytes" else text
    tags = [k for k in value if k.startswith("$")]
    assert not tags, f"tag {tags} is JavaScript-only: the op should be python_skip"
    return {k: decode(v) for k, v in value.items()}


def summary(data: str | bytes, kind: str) -> dict[str, Any]:
    """The recording's ``$summary`` of a large value."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    out: dict[str, Any] = {"type": kind, "sha256": hashlib.sha256(raw).hexdigest()}
    if isinstance(data, str):
        out["length"] = len(data.encode("utf-16-le")) // 2  # JavaScript counts UTF-16 units
        out["utf8_bytes"] = len(raw)
    else:
        out["length"] = len(raw)
    return {"$summary": out}


async def canonical(value: Any, op: dict[str, Any]) -> Any:
    """A value from the KV API in the recording's JSON form."""
    if value is None:
        return None
    if op.get("type") == "stream":
        chunks = [chunk async for chunk in value]
        data = b"".join(chunks)
        return summary(data, "stream") if op.get("summary") else {"$stream": base64.b64encode(data).decode("ascii")}
    if isinstance(value, bytes):
        return summary(value, "bytes") if op.get("summary") else {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, str) and op.get("summary"):
        return summary(value, "string")
    return value


async def pair(found: Any, op: dict[str, Any]) -> Any:
    """A get_with_metadata result as JavaScript's ``{value, metadata}`` (a bare value stays bare)."""
    if isinstance(found, tuple):
        return {"value": await canonical(found[0], op), "metadata": found[1]}
    return await canonical(found, op)


def listing(page: Any, op: dict[str, Any]) -> dict[str, Any]:
    keys = []
    for key in page.keys:
        entry: dict[str, Any] = {"name": key.name}
        if key.expiration is not None:
            entry["expiration"] = key.expiration
        if key.metadata is not None:
            entry["metadata"] = key.metadata
        keys.append(entry)
    out: dict[str, Any] = {"list_complete": page.list_complete}
    if page.cursor is not None:
        out["cursor"] = page.cursor
    if op.get("summary"):
        out["keys"] = {
            "$summary": {"count": len(keys), "first": keys[0] if keys else None, "last": keys[-1] if keys else None}
        }
    else:
        out["keys"] = keys
    return out


async def perform(kv: KVNamespace, op: dict[str, Any], clock: Clock | None, state: dict[str, Any]) -> Any:
    """Run one operation; its result in the recording's form."""
    name = op["op"]
    if name == "kv.$clock":
        assert clock is not None and op["action"] == "advance"
        clock.now += op["ms"]
        return None
    if name == "kv.$fill":
        for i in range(op["count"]):
            await kv.put(op["prefix"] + str(i).zfill(op["width"]), op["value"])
        return None
    if name == "kv.put":
        options = op.get("options") or {}
        kwargs = {
            py: decode(options[js])
            for js, py in (("expiration", "expiration"), ("expirationTtl", "expiration_ttl"), ("metadata", "metadata"))
            if js in options
        }
        return await kv.put(op["key"], decode(op["value"]), **kwargs)
    if name == "kv.delete":
        return await kv.delete(op["key"])
    if name == "kv.list":
        options = dict(op.get("options") or {})
        if isinstance(options.get("cursor"), dict):
            options["cursor"] = state["cursor"]
        page = await kv.list(**{k: v for k, v in options.items() if v is not None})
        state["cursor"] = page.cursor
        return listing(page, op)
    assert not op.get("options"), "get options are JavaScript-only: the op should be python_skip"
    kwargs = {"type": PY_TYPES.get(op["type"], op["type"])} if "type" in op else {}
    key = decode(op["key"])
    if name == "kv.get":
        got = await kv.get(key, **kwargs)
        if isinstance(key, list):
            return {"$map": [[k, await canonical(v, op)] for k, v in got.items()]}
        return await canonical(got, op)
    assert name == "kv.getWithMetadata", name
    got = await kv.get_with_metadata(key, **kwargs)
    if isinstance(key, list):
        return {"$map": [[k, await pair(v, op)] for k, v in got.items()]}
    return await pair(got, op)


def same(expected: Any, actual: Any) -> bool:
    """Equality of JSON values: numbers by value, but a boolean is never a number."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and expected.keys() == actual.keys()
            and all(same(v, actual[k]) for k, v in expected.items())
        )
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and all(map(same, expected, actual))
    if isinstance(expected, (int, float)):
        return isinstance(actual, (int, float)) and expected == actual
    return type(expected) is type(actual) and expected == actual


def clip(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 300 else text[:300] + f"...(+{len(text) - 300} chars)"


ERROR_TYPES = {"TypeError": TypeError, "SyntaxError": ValueError, "RangeError": ValueError, "KVError": KVError}


async def replay(case: dict[str, Any]) -> None:
    clock = Clock(case["fake_time_ms"]) if "fake_time_ms" in case else None
    kv = conformance_factory(now_ms=clock)
    state: dict[str, Any] = {}
    try:
        for i, (op, outcome) in enumerate(zip(case["ops"], EXPECTED[case["id"]], strict=True)):
            if op.get("python_skip"):
                continue
            where = f"op {i} {clip(op)}"
            if "error" in outcome:
                error = outcome["error"]
                expected_type = ERROR_TYPES.get(error["category"], Exception)
                with pytest.raises(Exception) as caught:
                    await perform(kv, op, clock, state)
                assert isinstance(caught.value, expected_type), f"{where}: {caught.value!r} is not {expected_type}"
                if expected_type is not TypeError:
                    assert not isinstance(caught.value, TypeError), f"{where}: {caught.value!r}"
                assert error["contains"] in str(caught.value), f"{where}: {caught.value!r}"
                continue
            expected = outcome["ok"]
            if isinstance(expected, dict):
                expected = {k: v for k, v in expected.items() if k != "cacheStatus"}
            actual = await perform(kv, op, clock, state)
            assert same(expected, actual), f"{where}:\n expected {clip(expected)}\n got      {clip(actual)}"
    finally:
        kv.close()


@pytest.mark.parametrize("case", ALL_CASES, ids=[c["id"] for c in ALL_CASES])
def test_kv_case(case: dict[str, Any]) -> None:
    if case.get("python_skip"):
        pytest.skip(case["python_skip"])
    if all(op.get("python_skip") for op in case["ops"]):
        pytest.skip("every operation is JavaScript-only")
    run(replay(case))


def test_corpus_copy_is_complete() -> None:
    """Every recorded case has its outcomes, one per operation."""
    assert len(ALL_CASES) == len(EXPECTED)
    for case in ALL_CASES:
        assert len(case["ops"]) == len(EXPECTED[case["id"]]), case["id"]


needs_corpus = needs("bindings-conformance")


def kv_suites(cases: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in cases["suites"] if s["binding"] == "kv"]


@needs_corpus
def test_copy_matches_the_shared_corpus() -> None:
    cases = json.loads((SHARED / "cases.json").read_text(encoding="utf-8"))
    expected = json.loads((SHARED / "expected.json").read_text(encoding="utf-8"))
    names = {s["name"] for s in kv_suites(cases)}
    assert kv_suites(cases) == CASES["suites"]
    assert {c["id"]: c["outcomes"] for s in expected["suites"] if s["name"] in names for c in s["cases"]} == EXPECTED


@needs_corpus
def test_upstream_checker_passes_every_kv_suite() -> None:
    suites = [
        arg
        for s in kv_suites(json.loads((SHARED / "cases.json").read_text(encoding="utf-8")))
        for arg in ("--suite", s["name"])
    ]
    done = run_checker(
        "bindings-conformance", *suites, BINDINGS_KV_FACTORY="edgekit.bindings.kv:conformance_factory"
    )
    assert_all_passed(done)
