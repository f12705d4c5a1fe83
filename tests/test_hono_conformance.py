"""Routing conformance with the real Hono 4, replayed from recorded cases.

``tests/data/hono`` holds the cases and what Hono answered: ``cases.json`` and
``expected.json`` from the corpus in ``../shared/conformance``, and
``edgekit_*.json``, cases of our own recorded with the corpus's hono-runner
(``node run.mjs --cases edgekit_cases.json --out edgekit_expected.json``). Each suite's route table is built on an
edgekit App with handlers that write a trace of what ran into ``x-trace``, and
every request must give Hono's status, answering handler, trace and body.

Where Hono's own routers disagree, edgekit follows one rule (TrieRouter's:
a middle ``*`` also matches an empty segment), so such a case passes when it
matches either Hono's default router or its TrieRouter.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from urllib.parse import quote

import pytest

from edgekit import App
from tests.corpora import needs, run_checker

DATA = Path(__file__).parent / "data" / "hono"
HELPERS = {"GET": "get", "POST": "post", "PUT": "put", "DELETE": "delete", "PATCH": "patch", "ALL": "all"}


def _load(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


CASES = {"suites": _load("cases.json")["suites"] + _load("edgekit_cases.json")["suites"]}
EXPECTED = {
    s["name"]: {r["id"]: r for r in s["results"]}
    for name in ("expected.json", "edgekit_expected.json")
    for s in _load(name)["suites"]
}


def _trace(c, token: str) -> None:
    trace = c.get("trace") or []
    trace.append(token)
    c.set("trace", trace)
    c.header("x-trace", ",".join(trace))


def _encode(text: str) -> str:
    return quote(str(text), safe="-_.!~*'()")


def _responder(reg: dict):
    name, probe, status = reg["id"], reg.get("probe"), reg.get("status")

    async def respond(c):
        _trace(c, name)
        c.header("x-handler", name)
        body = {"handler": name, "params": c.req.param()}
        if probe:
            body["probe"] = {k: c.req.param(k) for k in probe}
        return c.json(body, status)

    return respond


def _passer(reg: dict):
    name, record = reg["id"], reg.get("record_params")

    async def middleware(c, next):
        params = ""
        if record:
            got = c.req.param()
            params = "[" + "&".join(f"{_encode(k)}={_encode(got[k])}" for k in sorted(got)) + "]"
        _trace(c, f"{name}>{params}")
        await next()
        _trace(c, f"<{name}")

    return middleware


def _void(reg: dict):
    async def void(c):
        _trace(c, reg["id"])

    return void


def _step(reg: dict, default: str):
    behavior = reg.get("behavior", default)
    return {"respond": _responder, "next": _passer, "void": _void}[behavior](reg)


def _new_app(spec: dict) -> App:
    app = App(strict=spec["strict"]) if "strict" in spec else App()
    base = spec.get("basePath")
    for prefix in [] if base is None else base if isinstance(base, list) else [base]:
        app = app.base_path(prefix)
    return app


def _register(app: App, regs: list[dict]) -> None:
    for reg in regs:
        kind = reg["type"]
        if kind == "route":
            method = reg["method"].upper()
            if method in HELPERS:
                getattr(app, HELPERS[method])(reg["path"])(_step(reg, "respond"))
            else:
                app.on(reg["method"], reg["path"])(_step(reg, "respond"))
        elif kind == "on":
            app.on(reg["methods"], reg["paths"])(_step(reg, "respond"))
        elif kind == "use":
            method = (reg.get("method") or "ALL").upper()
            mw = _step(reg, "next")
            if method != "ALL":
                app.on(method, reg.get("path") or "*")(mw)
            elif reg.get("path") is None:
                app.use(mw)
            else:
                app.use(reg["path"], mw)
        elif kind == "mount":
            sub = _new_app(reg["app"])
            _register(sub, reg["app"].get("registrations", []))
            app.route(reg["prefix"], sub)
            _register(sub, reg["app"].get("late_registrations", []))
        else:
            raise AssertionError(f"unknown registration {kind}")


async def _send(app: App, request: dict) -> dict:
    response = await app.request(request["url"], method=request["method"])
    body = await response.text()
    trace = response.headers.get("x-trace")
    try:
        parsed = ("json", json.loads(body))
    except ValueError:
        parsed = ("text", body)
    return {
        "status": response.status,
        "handler": response.headers.get("x-handler"),
        "trace": trace.split(",") if trace else [],
        "body": parsed,
    }


def _comparable(result: dict) -> dict:
    body = result["body"]
    try:
        parsed = ("json", json.loads(body))
    except ValueError:
        parsed = ("text", body)
    return {"status": result["status"], "handler": result["handler"], "trace": result["trace"], "body": parsed}


CASE_IDS = [(suite["name"], req["id"]) for suite in CASES["suites"] for req in suite["requests"]]
SUITES = {suite["name"]: suite for suite in CASES["suites"]}


@pytest.fixture(scope="module")
def apps() -> dict[str, App]:
    built = {}
    for suite in CASES["suites"]:
        app = _new_app(suite)
        _register(app, suite["registrations"])
        built[suite["name"]] = app
    return built


@pytest.mark.parametrize(("suite", "case_id"), CASE_IDS, ids=[c for _, c in CASE_IDS])
def test_matches_hono(apps: dict[str, App], suite: str, case_id: str) -> None:
    request = next(r for r in SUITES[suite]["requests"] if r["id"] == case_id)
    recorded = EXPECTED[suite][case_id]
    actual = asyncio.run(_send(apps[suite], request))
    default = _comparable(recorded["expected"])
    if recorded["routers_agree"]:
        assert actual == default
    else:
        trie = _comparable(recorded["by_router"]["TrieRouter"])
        assert actual in (default, trie), f"neither Hono's default {default} nor its TrieRouter {trie}"


def test_every_recorded_case_is_replayed() -> None:
    recorded = _load("expected.json")["total_cases"] + _load("edgekit_expected.json")["total_cases"]
    assert len(CASE_IDS) == recorded == 209 + 21


def _failures(against: str) -> set[str]:
    out = run_checker("conformance", "--against", against, "--show", "1000").stdout
    assert out.strip().splitlines()[-1].endswith("failed"), out
    return {line[2:].split(":", 1)[0] for line in out.splitlines() if line.startswith("- ")}


@needs("conformance")
def test_upstream_checker_agrees() -> None:
    """The corpus's own checker: failures against the default router are only router disagreements."""
    against_default = _failures("default")
    against_trie = _failures("TrieRouter")
    assert not against_default & against_trie
    disagreements = {r["id"] for results in EXPECTED.values() for r in results.values() if not r["routers_agree"]}
    assert against_default <= disagreements
