"""In-process dispatch: requests per second through a whole app, no network.

Workloads, on the apps of ``bench/apps/`` (each app also holds the 12 routes
of the small table, so routing is not a one-route special case):

* ``get_user``: ``GET /users/:id`` answering ``{"id": id, "name": "..."}``;
  the id cycles through 2,048 values, more than the per-path LRU caches of
  Litestar (1,024) and BlackSheep (1,200) hold, as real traffic would.
* ``post_echo``: ``POST /echo`` with a 1 KB JSON body, parsed and sent back.

Entry points (a row each):

* ``ASGI``: the framework's ASGI callable, awaited with a prebuilt scope
  (shallow-copied per request: apps write into it), an in-memory ``receive``
  that hands over the body in one message and a ``send`` that collects the
  messages. No server, no socket, no httpx: the apples-to-apples row.
* ``fetch``: Fetch-style frameworks' native entry (edgekit, hayate):
  ``await app.fetch(Request(url, method=, headers=, body=))`` plus reading the
  whole response body -- the Request built per request, like an adapter must.

One more row, ``no_framework (ASGI)``, is not a peer but the floor: a
hand-written ASGI callable (``bench/apps/no_framework_app.py``) that only looks
at the path and encodes with msgspec (the stdlib without it). No framework can beat it by much; it
shows how much of a row is the harness and the least any app does.

Every request of the cycle is sent once and checked first (status 200, a JSON
content type, the exact JSON back): a broken app is reported, never timed.
Then requests run sequentially in ONE asyncio event loop; the figure is the
best of several repeats (``harness.best_of``). GC stays on, as in production.

Run one framework: ``python -m bench.dispatch FRAMEWORK [--quick]`` prints a
JSON list of rows on stdout.
"""

from __future__ import annotations

import asyncio
import importlib
import json

from bench import routes as routetable
from bench.apps.common import echo_payload, user_body
from bench.frameworks import BY_NAME, NO_FRAMEWORK
from bench.harness import Receive, best_of, http_scope, now_ns, parse_sent, worker_main

WORKLOADS = ("get_user", "post_echo")
USER_IDS = 2048
ENTRY_LABEL = {"asgi": "ASGI", "fetch": "fetch"}


class Req:
    """One request of a workload, in both the ASGI and the fetch shape."""

    __slots__ = ("body", "expect", "fetch_headers", "method", "path", "scope", "url")

    def __init__(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes, expect: object) -> None:
        self.method = method
        self.path = path
        self.url = "http://localhost" + path
        self.body = body
        self.expect = expect  # the JSON value the response must carry
        self.fetch_headers = headers
        raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        self.scope = http_scope(method, path, raw)


def workload_requests(workload: str) -> list[Req]:
    base = [("host", "localhost"), ("user-agent", "bench/1"), ("accept", "application/json")]
    if workload == "get_user":
        return [Req("GET", f"/users/{i}", base, b"", user_body(str(i))) for i in range(USER_IDS)]
    payload = echo_payload()
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    headers = base + [("content-type", "application/json"), ("content-length", str(len(body)))]
    return [Req("POST", "/echo", headers, body, payload)]


def check(req: Req, status: int, content_type: str | None, body: bytes) -> str | None:
    """Why this response is wrong, or None."""
    if status != 200:
        return f"{req.method} {req.path}: status {status}: {body[:200]!r}"
    if not content_type or "json" not in content_type:
        return f"{req.method} {req.path}: content-type {content_type!r}"
    try:
        got = json.loads(body)
    except ValueError:
        return f"{req.method} {req.path}: body is not JSON: {body[:200]!r}"
    if got != req.expect:
        return f"{req.method} {req.path}: wrong body {body[:200]!r}"
    return None


# -- one runner per entry point: (entry object, requests) -> (check_all, run) -----------


def asgi_runner(app, reqs: list[Req]):  # noqa: ANN001
    async def check_all() -> str | None:
        sent: list[dict] = []

        async def send(message: dict) -> None:
            sent.append(message)

        for req in reqs:
            sent.clear()
            await app(req.scope.copy(), Receive(req.body), send)
            status, headers, body = parse_sent(sent)
            error = check(req, status, headers.get("content-type"), body)
            if error:
                return error
        return None

    scopes = [(req.scope, req.body) for req in reqs]
    k = len(scopes)

    async def run(n: int) -> int:
        sent: list[dict] = []

        async def send(message: dict) -> None:
            sent.append(message)

        t0 = now_ns()
        for i in range(n):
            scope, body = scopes[i % k]
            await app(scope.copy(), Receive(body), send)
            sent.clear()
        return now_ns() - t0

    return check_all, run


def fetch_runner(call, reqs: list[Req]):  # noqa: ANN001
    async def check_all() -> str | None:
        for req in reqs:
            status, headers, body = await call(req.method, req.url, req.fetch_headers, req.body)
            error = check(req, status, headers.get("content-type"), body)
            if error:
                return error
        return None

    args = [(req.method, req.url, req.fetch_headers, req.body) for req in reqs]
    k = len(args)

    async def run(n: int) -> int:
        t0 = now_ns()
        for i in range(n):
            await call(*args[i % k])
        return now_ns() - t0

    return check_all, run


RUNNERS = {"asgi": asgi_runner, "fetch": fetch_runner}


def measure(framework: str, *, min_ns: int, repeats: int) -> list[dict]:
    fw = BY_NAME[framework]
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    out = []
    try:
        module = importlib.import_module(fw.app_module)
        app = loop.run_until_complete(module.build(routetable.load("small")))
    except Exception as exc:  # noqa: BLE001 - reported, the run goes on
        return [
            {"row": f"{framework} ({ENTRY_LABEL[e]})", "framework": framework, "entry": e, "workload": w,
             "error": f"build: {exc!r}"}
            for e in fw.entries for w in WORKLOADS
        ]
    for entry in fw.entries:
        for workload in WORKLOADS:
            record = {"row": f"{framework} ({ENTRY_LABEL[entry]})", "framework": framework, "entry": entry,
                      "workload": workload, "info": fw is NO_FRAMEWORK}
            try:
                check_all, run = RUNNERS[entry](getattr(module, entry)(app), workload_requests(workload))
                error = loop.run_until_complete(check_all())
                if error:
                    record["error"] = error
                else:
                    ns, n = best_of(lambda n, run=run: loop.run_until_complete(run(n)), min_ns=min_ns, repeats=repeats)
                    record.update(ns=ns, rps=1e9 / ns, requests=n)
            except Exception as exc:  # noqa: BLE001 - reported, the run goes on
                record["error"] = repr(exc)
            out.append(record)
    loop.close()
    return out


def run(framework: str, quick: bool) -> list[dict]:
    min_ns, repeats = (30_000_000, 3) if quick else (200_000_000, 5)
    return measure(framework, min_ns=min_ns, repeats=repeats)


if __name__ == "__main__":
    worker_main(__doc__.splitlines()[0], BY_NAME, run)
