"""Replays the Fetch conformance corpus (recorded on Node 20: undici + ada) through edgekit.

``fetch_conformance/cases.json`` holds the operations and ``expected.json`` what Node
answered for each (both copied from the shared corpus; see its README).  Every case
is one test.  Values must match exactly (numbers by value, integers beyond 2**53 as
JavaScript's doubles); a JavaScript error must be a Python TypeError or ValueError.

Deliberate differences, as the corpus README describes them:

* edgekit caches bodies, so a read after the first one succeeds with the same content
  where JavaScript throws "Body is unusable";
* where an operation carries the outcome the spec prescribes (``spec``), either is fine.
"""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path
from typing import Any

import pytest

from edgekit import URL, File, FormData, Headers, Request, Response, URLSearchParams
from tests.conftest import run
from tests.corpora import assert_all_passed, needs, run_checker

DATA = Path(__file__).parent / "fetch_conformance"
CASES = json.loads((DATA / "cases.json").read_text(encoding="utf-8"))
EXPECTED = {c["id"]: c for s in json.loads((DATA / "expected.json").read_text(encoding="utf-8"))["suites"]
            for c in s["cases"]}
DEFAULT_SLOT = {"headers": "h", "request": "req", "response": "res"}
READS = {"text", "json", "arrayBuffer", "formData"}
JS_ERRORS = {"TypeError", "RangeError", "SyntaxError"}


def canonical(value: Any) -> Any:
    """A Python result in the recording's JSON form."""
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise AssertionError(f"unexpected non-finite number {value}")
        return 0 if value == 0 else value
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    return value


def form_entries(form: FormData) -> list[list[Any]]:
    out: list[list[Any]] = []
    for name, value in form:
        if isinstance(value, File):
            value = {"$file": {"name": value.name, "type": value.type, "bytes": canonical(value.data)}}
        out.append([name, value])
    return out


def body_value(spec: Any) -> Any:
    if spec is None:
        return None
    if "$text" in spec:
        return spec["$text"]
    if "$bytes" in spec:
        return base64.b64decode(spec["$bytes"])
    if "$urlsearchparams" in spec:
        return URLSearchParams(spec["$urlsearchparams"])
    form = FormData()
    for name, value in spec["$formdata"]:
        if isinstance(value, str):
            form.append(name, value)
        else:
            f = value["$file"]
            form.append(name, File(base64.b64decode(f["bytes"]["$bytes"]), f["name"], f["type"]))
    return form


def headers_init(spec: Any, slots: dict[str, Any]) -> Any:
    if isinstance(spec, dict) and "$from" in spec:
        obj = slots[spec["$from"]]
        return obj if isinstance(obj, Headers) else obj.headers
    return [tuple(p) for p in spec] if isinstance(spec, list) else spec


def response_kwargs(init: dict[str, Any] | None, slots: dict[str, Any]) -> dict[str, Any]:
    init = init or {}
    kwargs: dict[str, Any] = {}
    if "status" in init:
        kwargs["status"] = init["status"]
    if "statusText" in init:
        kwargs["status_text"] = init["statusText"]
    if "headers" in init:
        kwargs["headers"] = headers_init(init["headers"], slots)
    return kwargs


async def perform(op: dict[str, Any], slots: dict[str, Any]) -> Any:
    """Run one operation; returns its value (None for constructors and mutators)."""
    kind = op["op"]
    family, _, action = kind.partition(".")
    target = slots.get(op.get("on", DEFAULT_SLOT.get(family, "")))
    into = op.get("as", "clone" if action == "clone" else DEFAULT_SLOT.get(family))

    if kind == "headers.new":
        slots[into] = Headers(headers_init(op["init"], slots)) if "init" in op else Headers()
        return None
    if family == "headers":
        headers = target if isinstance(target, Headers) else target.headers
        if action in ("get", "has", "delete"):
            return getattr(headers, action)(op["name"])
        if action in ("set", "append"):
            return getattr(headers, action)(op["name"], op["value"])
        if action == "entries":
            return [list(pair) for pair in headers]
        return headers.get_set_cookie()

    if kind == "request.new":
        init = op.get("init") or {}
        kwargs = {k: init[k] for k in ("method",) if k in init}
        if "headers" in init:
            kwargs["headers"] = headers_init(init["headers"], slots)
        if "body" in init:
            kwargs["body"] = body_value(init["body"])
        slots[into] = Request(op["url"], **kwargs)
        return None
    if kind == "request.url_of":
        return Request(op["input"]).url
    if kind == "response.new":
        kwargs = response_kwargs(op.get("init"), slots)
        if "body" in op:
            kwargs["body"] = body_value(op["body"])
        slots[into] = Response(**kwargs)
        return None
    if kind == "response.json_static":
        slots[into] = Response.json(op["data"], **response_kwargs(op.get("init"), slots))
        return None
    if kind == "response.redirect_static":
        slots[into] = Response.redirect(op["url"], **({"status": op["status"]} if "status" in op else {}))
        return None
    if kind == "response.error_static":
        slots[into] = Response.error()
        return None

    if action == "clone":
        slots[into] = target.clone()
        return None
    attributes = {"method": "method", "url": "url", "status": "status", "ok": "ok",
                  "statusText": "status_text", "type": "type", "bodyUsed": "body_used"}
    if action in attributes:
        return getattr(target, attributes[action])
    if action == "body_is_null":
        return target.body is None
    if action == "text":
        return await target.text()
    if action == "json":
        return await target.json()
    if action == "arrayBuffer":
        return await target.bytes()
    if action == "formData":
        return form_entries(await target.form())

    url = URL(op["input"], op.get("base"))
    if kind == "url.parse":
        keys = ("href", "origin", "protocol", "username", "password", "host", "hostname", "port",
                "pathname", "search", "hash")
        return {k: getattr(url, k) for k in keys}
    if kind == "url.search_params":
        return [list(pair) for pair in url.search_params]
    if kind == "url.search_get":
        return url.search_params.get(op["name"])
    return url.search_params.get_all(op["name"])


def reread_outcome(first: tuple[str, Any], action: str) -> dict[str, Any] | None:
    """What a second read gives with a cached body, from the first read's result."""
    first_action, first_value = first
    if action == first_action:
        return {"ok": first_value}
    if first_action == "text":
        data = first_value.encode("utf-8")
    elif first_action == "arrayBuffer":
        data = base64.b64decode(first_value["$bytes"])
    else:
        return None
    if action == "arrayBuffer":
        return {"ok": canonical(data)}
    text = data.decode("utf-8", "replace").removeprefix("\ufeff")
    if action == "text":
        return {"ok": text}
    if action != "json":
        return None
    try:
        return {"ok": json.loads(text)}
    except ValueError:
        return {"error": {"name": "SyntaxError"}}


def same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        if isinstance(expected, int) and isinstance(actual, int) and max(abs(expected), abs(actual)) <= 2**53:
            return expected == actual
        return float(expected) == float(actual)
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(same(e, a) for e, a in zip(expected, actual))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(same(expected[k], actual[k]) for k in expected)
    return type(expected) is type(actual) and expected == actual


def matches(expected: dict[str, Any], outcome: dict[str, Any]) -> bool:
    if "error" in expected:
        return "error" in outcome and expected["error"]["name"] in JS_ERRORS
    return "ok" in outcome and same(expected["ok"], outcome["ok"])


def normalise_boundary(value: Any, target: Any) -> Any:
    content_type = target.headers.get("content-type") or ""
    if "boundary=" not in content_type:
        return value
    boundary = content_type.split("boundary=", 1)[1].split(";", 1)[0].strip('"')
    if isinstance(value, str):
        return value.replace(boundary, "BOUNDARY")
    if isinstance(value, list):
        return [normalise_boundary(v, target) for v in value]
    return value


def all_cases() -> list[Any]:
    params = []
    for suite in CASES["suites"]:
        for case in suite["cases"]:
            marks = [pytest.mark.skip(reason=case["python_skip"])] if case.get("python_skip") else []
            params.append(pytest.param(case, id=case["id"], marks=marks))
    return params


def test_the_corpus_and_its_recording_match() -> None:
    ids = [c["id"] for s in CASES["suites"] for c in s["cases"]]
    assert len(ids) == len(EXPECTED) == len(set(ids))
    for suite in CASES["suites"]:
        for case in suite["cases"]:
            assert len(EXPECTED[case["id"]]["outcomes"]) == len(case["ops"]), case["id"]


@pytest.mark.parametrize("case", all_cases())
def test_case(case: dict[str, Any]) -> None:
    run(replay(case))


async def replay(case: dict[str, Any]) -> None:
    slots: dict[str, Any] = {}
    first_reads: dict[str, tuple[str, Any]] = {}
    problems = []
    for index, (op, expected) in enumerate(zip(case["ops"], EXPECTED[case["id"]]["outcomes"])):
        if op.get("python_skip"):
            continue
        family, _, action = op["op"].partition(".")
        slot = op.get("on", DEFAULT_SLOT.get(family))
        try:
            value = canonical(await perform(op, slots))
            if op.get("normalise_boundary"):
                value = normalise_boundary(value, slots[slot])
            outcome: dict[str, Any] = {"ok": value}
        except (TypeError, ValueError) as e:
            outcome = {"error": e}
        accepted = [expected] + ([op["spec"]] if "spec" in op else [])
        if action in READS and family in ("request", "response"):
            gist = expected.get("error", {}).get("gist")
            if gist == "body already used" and slot in first_reads:
                derived = reread_outcome(first_reads[slot], action)
                if derived is None:
                    continue
                accepted = [derived]
            elif "ok" in outcome and slot not in first_reads:
                first_reads[slot] = (action, outcome["ok"])
        if not any(matches(e, outcome) for e in accepted):
            problems.append(f"op {index} {op}: expected {accepted[0]}, got {outcome}")
    assert not problems, "\n".join(problems)


@needs("fetch-conformance")
def test_upstream_checker_passes() -> None:
    """The corpus's own checker, run against this tree."""
    assert_all_passed(run_checker("fetch-conformance", "--show", "5"))
