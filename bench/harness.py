"""What every workload shares: the timer, a loop-free coroutine driver and an
in-memory ASGI connection.

Kept free of heavy imports (no asyncio, json, typing, re): the cold-start
child imports it, and whatever it imported would be charged to the framework.
"""

from __future__ import annotations

import gc
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable


def best_of(run: Callable[[int], int], *, min_ns: int, repeats: int) -> tuple[float, int]:
    """Time ``run(n)`` (which returns the ns it took for ``n`` units of work).

    ``n`` is first doubled until one call lasts ``min_ns``; then ``repeats``
    calls are made with that ``n`` (the calibration call is one of them), a
    full GC before each. Returns (best ns per unit, n). Best-of filters out
    the noise a shared 2-core machine adds; it never filters the work.
    """
    n = 1
    gc.collect()
    took = run(n)
    while took < min_ns:
        n = max(n * 2, int(n * min_ns * 1.1 / max(took, 1)))
        gc.collect()
        took = run(n)
    samples = [took]
    for _ in range(repeats - 1):
        gc.collect()
        samples.append(run(n))
    return min(samples) / n, n


class Suspended(RuntimeError):
    """``drive`` met a coroutine that waits for something: it needs an event loop."""


def drive(coro):  # noqa: ANN001, ANN201 - any coroutine
    """Run a coroutine that never suspends, without an event loop (raises Suspended)."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    coro.close()
    raise Suspended("the coroutine suspended: it needs an event loop")


now_ns = time.perf_counter_ns


def worker_main(description: str, frameworks, work) -> None:  # noqa: ANN001
    """The CLI of a per-framework worker: ``FRAMEWORK [--quick]``, then
    ``work(framework, quick)``'s rows as JSON on stdout (read by ``run.py``)."""
    import argparse
    import json
    import sys

    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("framework", choices=sorted(frameworks))
    ap.add_argument("--quick", action="store_true", help="short smoke run")
    args = ap.parse_args()
    json.dump(work(args.framework, args.quick), sys.stdout)


# -- an ASGI connection in memory ----------------------------------------------------


def http_scope(method: str, path: str, headers: list[tuple[bytes, bytes]]) -> dict:
    """An ASGI 3 HTTP scope as a server would hand it over (copy it per request)."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("ascii"),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
    }


class Receive:
    """``receive`` for one request: the whole body in one message, then a disconnect."""

    __slots__ = ("body", "done")

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.done = False

    async def __call__(self) -> dict:
        if self.done:
            return {"type": "http.disconnect"}
        self.done = True
        return {"type": "http.request", "body": self.body, "more_body": False}


def parse_sent(messages: list[dict]) -> tuple[int, dict[str, str], bytes]:
    """(status, headers with lower-case names, body) from what an app sent."""
    status, headers, body = 0, {}, b""
    for message in messages:
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in message.get("headers", [])}
        elif message["type"] == "http.response.body":
            body += message.get("body", b"")
    return status, headers, body


async def asgi_call(app, method: str, path: str, headers: list, body: bytes) -> tuple[int, dict, bytes]:  # noqa: ANN001
    """One request through an ASGI app; returns ``parse_sent`` of what it sent."""
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    await app(http_scope(method, path, headers), Receive(body), send)
    return parse_sent(sent)
