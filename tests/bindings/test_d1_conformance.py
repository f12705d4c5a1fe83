"""Replays the D1 part of the bindings conformance corpus (recorded from miniflare) through D1Database.

``d1_data/cases.json`` and ``d1_data/expected.json`` are the ``d1_*`` suites of
``../shared/bindings-conformance`` (copied: recorded facts), so this runs on a clone
without ``../shared``.  Every case is one test, on a fresh in-memory database.

Compared as the corpus README says, with edgekit's documented choices for what are
JavaScript artefacts in the recording:

* values exactly, numbers by value (a boolean never equals a number; integers beyond
  2**53 as doubles, as D1 returns them); BLOBs come back as ``bytes`` where D1's JSON
  transport gives arrays of byte values;
* meta: the same keys; ``changes`` and ``changed_db`` exactly, ``last_row_id`` exactly
  after a change (before that, miniflare's reflects its internal ``_cf_METADATA``
  writes), timings and the counters SQLite does not expose by type;
* errors: a ``D1_*`` error must be a :class:`D1Error` whose token is the recorded one,
  any error must contain the recorded ``contains`` text and come from the same call
  (``bind()`` or the awaited call).

When the shared corpus is present, the upstream checker also runs against
``conformance_factory``, one ``--suite`` per D1 suite, and the copy is checked against
the corpus.
"""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path
from typing import Any

import pytest

from edgekit.bindings.d1 import D1Database, D1Error, D1PreparedStatement, conformance_factory
from tests.conftest import run
from tests.corpora import assert_all_passed, corpus, load_recording, needs, run_checker

DATA = Path(__file__).parent / "data"
CASES, EXPECTED = load_recording(DATA / "d1_cases.json", DATA / "d1_expected.json")
SUITES = [suite["name"] for suite in CASES["suites"]]
ALL_CASES = [case for suite in CASES["suites"] for case in suite["cases"]]
SHARED = corpus("bindings-conformance")
SAFE = 2**53
TYPED_META = ("served_by", "size_after", "rows_read", "rows_written", "duration")


def bind_value(value: Any) -> Any:
    """A case's bind value (JSON with tags) as the Python value a handler would bind."""
    if isinstance(value, dict) and "$bytes" in value:
        return base64.b64decode(value["$bytes"])
    if isinstance(value, dict) and "$num" in value:
        return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf, "-0": -0.0}[value["$num"]]
    return value


def prepared(db: D1Database, spec: dict[str, Any]) -> D1PreparedStatement:
    stmt = db.prepare(spec["sql"])
    return stmt.bind(*[bind_value(v) for v in spec["bind"]]) if "bind" in spec else stmt


def plain(value: Any) -> Any:
    """A result as the recording writes it: dicts and lists, BLOBs as arrays of byte values."""
    if isinstance(value, bytes):
        return list(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def kind(value: Any) -> str:
    return "number" if isinstance(value, (int, float)) and not isinstance(value, bool) else type(value).__name__


def differences(expected: Any, actual: Any, path: str = "$") -> list[str]:
    if kind(expected) == "number" and kind(actual) == "number":
        both_ints = isinstance(expected, int) and isinstance(actual, int) and max(abs(expected), abs(actual)) <= SAFE
        same = expected == actual if both_ints else float(expected) == float(actual)
        return [] if same else [f"{path}: expected {expected!r}, got {actual!r}"]
    if isinstance(expected, dict) and isinstance(actual, dict):
        if set(expected) != set(actual):
            return [f"{path}: keys {sorted(expected)} expected, got {sorted(actual)}"]
        return [d for k in expected for d in differences(expected[k], actual[k], f"{path}.{k}")]
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        return [d for i, (e, a) in enumerate(zip(expected, actual)) for d in differences(e, a, f"{path}[{i}]")]
    if type(expected) is type(actual) and expected == actual:
        return []
    return [f"{path}: expected {expected!r}, got {actual!r}"]


def loosen(expected: Any, actual: Any, loose: list[str]) -> tuple[Any, Any]:
    """Meta fields compared by type only become their type on both sides."""
    if not (isinstance(expected, dict) and isinstance(actual, dict) and "meta" in expected and "meta" in actual):
        return expected, actual
    e_meta, a_meta = dict(expected["meta"]), dict(actual["meta"])
    typed = set(TYPED_META) | {f.split(".", 1)[1] for f in loose}
    if not e_meta.get("changes"):
        typed.add("last_row_id")
    for key in typed & set(e_meta) & set(a_meta):
        e_meta[key] = kind(e_meta[key]) if not isinstance(e_meta[key], dict) else "number"  # {"$typeof": "number"}
        a_meta[key] = kind(a_meta[key])
    return {**expected, "meta": e_meta}, {**actual, "meta": a_meta}


async def outcome(db: D1Database, op: dict[str, Any]) -> tuple[str, Any]:
    """("ok", result), or ("bind" | "call", exception) for an operation of the corpus."""
    kind_ = op["op"]
    try:
        if kind_ == "d1.exec":
            stmts: Any = None
        elif kind_ == "d1.batch":
            stmts = [prepared(db, s) for s in op["statements"]]
        else:
            stmts = prepared(db, op)
    except Exception as error:  # noqa: BLE001 - any exception is an outcome
        return "bind", error
    try:
        if kind_ == "d1.exec":
            return "ok", await db.exec(op["sql"])
        if kind_ == "d1.batch":
            return "ok", await db.batch(stmts)
        call = op["call"]
        if call == "first":
            return "ok", await (stmts.first(op["column"]) if "column" in op else stmts.first())
        if call == "raw":
            return "ok", await stmts.raw(column_names=op.get("columnNames", False))
        return "ok", await getattr(stmts, call)()
    except Exception as error:  # noqa: BLE001
        return "call", error


def error_problems(expected: dict[str, Any], where: str, error: BaseException) -> list[str]:
    problems = []
    category = expected["category"]
    if category.startswith("D1_"):
        if not (isinstance(error, D1Error) and error.token == category):
            problems.append(f"expected a D1Error {category}, got {type(error).__name__}: {error}")
    elif not isinstance(error, D1Error):
        problems.append(f"expected a D1Error, got {type(error).__name__}: {error}")
    if expected["contains"] not in str(error):
        problems.append(f"message must contain {expected['contains']!r}, got {str(error)!r}")
    if expected.get("thrown_by") != where:
        problems.append(f"raised by {where}, expected by {expected.get('thrown_by')}")
    return problems


async def replay(case: dict[str, Any]) -> list[str]:
    db = conformance_factory()
    try:
        for i, (op, expected) in enumerate(zip(case["ops"], EXPECTED[case["id"]])):
            if op.get("python_skip"):
                continue
            where, value = await outcome(db, op)
            if "error" in expected:
                err = dict(expected["error"], **op.get("expect_error", {}))
                problems = [f"expected an error, got {value!r}"] if where == "ok" else error_problems(err, where, value)
            elif where != "ok":
                problems = [f"expected ok, got {type(value).__name__}: {value}"]
            else:
                exp, act = expected["ok"], plain(value)
                loose = op.get("loose", [])
                if op["op"] == "d1.batch" and isinstance(exp, list) and isinstance(act, list) and len(exp) == len(act):
                    pairs = [loosen(e, a, loose) for e, a in zip(exp, act)]
                    exp, act = [p[0] for p in pairs], [p[1] for p in pairs]
                elif op["op"] == "d1.exec":
                    exp, act = dict(exp, duration="number"), dict(act, duration=kind(act.get("duration")))
                else:
                    exp, act = loosen(exp, act, loose)
                problems = differences(exp, act)
            if problems:
                return [f"op {i}: {json.dumps(op)[:300]}", *problems]
    finally:
        db.close()
    return []


def test_the_copy_holds_every_d1_suite_of_the_recording() -> None:
    assert SUITES and len(ALL_CASES) == len(EXPECTED)
    assert all(name.startswith("d1_") for name in SUITES)
    for case in ALL_CASES:
        assert len(case["ops"]) == len(EXPECTED[case["id"]]), case["id"]


@pytest.mark.parametrize("case", ALL_CASES, ids=[c["id"] for c in ALL_CASES])
def test_case(case: dict[str, Any]) -> None:
    if case.get("python_skip"):
        pytest.skip(case["python_skip"])
    problems = run(replay(case))
    assert not problems, "\n".join(problems)


@needs("bindings-conformance")
def test_the_copy_matches_the_shared_corpus() -> None:
    cases = json.loads((SHARED / "cases.json").read_text(encoding="utf-8"))
    expected = json.loads((SHARED / "expected.json").read_text(encoding="utf-8"))
    assert [s for s in cases["suites"] if s["name"] in SUITES] == CASES["suites"]
    shared = {c["id"]: c["outcomes"] for s in expected["suites"] if s["name"] in SUITES for c in s["cases"]}
    assert shared == EXPECTED
    assert {s["name"] for s in cases["suites"] if s["binding"] == "d1"} == set(SUITES)


@needs("bindings-conformance")
def test_upstream_checker_passes_the_d1_suites() -> None:
    """The corpus's own checker; BLOBs as bytes is edgekit's documented choice (see edgekit.bindings.d1)."""
    suites = [arg for name in SUITES for arg in ("--suite", name)]
    done = run_checker(
        "bindings-conformance", *suites, "--d1-blobs-as-bytes", "--show", "5",
        BINDINGS_D1_FACTORY="edgekit.bindings.d1:conformance_factory",
    )
    assert_all_passed(done)
