"""The dev server's request log and budgets: CPU time and memory per request, against Workers' limits.

:class:`BudgetMeter` wraps an ASGI app. For each HTTP request it logs one line::

    GET /todos 200 3.1ms cpu 1.2ms (12% of 10ms)

and, with memory measured, `` mem 0.4MB (1% of 128MB)``. A request over a
budget gets a warning in that line; with ``enforce`` its response is replaced
by a 503 that names the breach.

CPU time is what Cloudflare limits (10 ms per request on the free plan): time
spent computing, not waiting for I/O. It is measured here with
``time.thread_time()`` summed over each step of the request's own coroutine
(from one ``await`` that suspends to the next), so neither the time it waits
for the network or a timer nor the steps of other requests interleaved on the
same event loop count. What it cannot see: the same code runs slower in
Pyodide (WebAssembly) than in native CPython, and the local KV and D1 stores
compute in this thread where the real ones are I/O; so the figure is a guide,
not a promise.

Memory is measured only when asked for, because ``tracemalloc`` slows every
allocation down: the peak of Python allocations during the request above what
was allocated when it started (process-wide, so concurrent requests add to
each other's peak), against the 128 MB a Workers isolate may use.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Generator
    from typing import Any

    from ..mount import ASGIApp as ASGI
    from ..runtime.asgi import Message, Receive, Scope, Send

WORKERS_FREE_CPU_MS = 10.0
"""CPU time per request on Workers' free plan."""
WORKERS_MEMORY_MB = 128.0
"""Memory per Workers isolate."""

_MB = 1024 * 1024


@dataclass(frozen=True)
class Budget:
    """What a request may use. ``memory_mb`` None: measured only when ``measure_memory``."""

    cpu_ms: float = WORKERS_FREE_CPU_MS
    memory_mb: float | None = None
    measure_memory: bool = False
    enforce: bool = False

    @property
    def memory_limit_mb(self) -> float:
        """The memory figure a request is compared with: the user's budget, else the isolate's limit."""
        return WORKERS_MEMORY_MB if self.memory_mb is None else self.memory_mb


@dataclass(frozen=True)
class Usage:
    """What one request used."""

    wall_ms: float
    cpu_ms: float
    memory_mb: float | None

    def breaches(self, budget: Budget) -> list[str]:
        """Each budget this usage goes over, said in words."""
        found = []
        if self.cpu_ms > budget.cpu_ms:
            found.append(f"CPU time {self.cpu_ms:.1f}ms is over the {budget.cpu_ms:g}ms budget")
        if self.memory_mb is not None and self.memory_mb > budget.memory_limit_mb:
            found.append(f"memory {self.memory_mb:.1f}MB is over the {budget.memory_limit_mb:g}MB budget")
        return found


class CPUMeter:
    """An awaitable that runs ``work`` and sums the thread CPU time of its steps in :attr:`cpu_seconds`."""

    def __init__(self, work: Awaitable[None]) -> None:
        self._work = work
        self.cpu_seconds = 0.0

    def __await__(self) -> Generator[Any, Any, None]:
        coroutine = self._work.__await__()
        clock = time.thread_time
        value: Any = None
        error: BaseException | None = None
        while True:
            start = clock()
            try:
                if error is None:
                    suspended_on = coroutine.send(value)
                else:
                    suspended_on = coroutine.throw(error)
            except StopIteration:
                return
            finally:
                self.cpu_seconds += clock() - start
            # Suspended (waiting for I/O or another task): what passes until the loop resumes it does not count.
            value, error = None, None
            try:
                value = yield suspended_on
            except GeneratorExit:
                coroutine.close()
                raise
            except BaseException as exc:  # noqa: BLE001 - thrown into the coroutine, as the loop meant it
                error = exc


def format_line(method: str, path: str, status: int, usage: Usage, budget: Budget, refused: bool = False) -> str:
    """One request's log line, with a warning for each breach; ``refused``: answered 503 for it."""
    line = (
        f"{method} {path} {status} {usage.wall_ms:.1f}ms "
        f"cpu {usage.cpu_ms:.1f}ms ({usage.cpu_ms / budget.cpu_ms:.0%} of {budget.cpu_ms:g}ms)"
    )
    if usage.memory_mb is not None:
        limit = budget.memory_limit_mb
        line += f" mem {usage.memory_mb:.1f}MB ({usage.memory_mb / limit:.0%} of {limit:g}MB)"
    breaches = usage.breaches(budget)
    if breaches:
        line += " WARNING: " + "; ".join(breaches)
        if refused:
            line += " (answered 503: --enforce)"
        elif budget.enforce:
            line += " (streamed, so not replaced)"
    return line


class BudgetMeter:
    """ASGI middleware: measure each HTTP request, log it, and enforce the budget when asked.

    ``log`` receives one line per request. With ``budget.enforce`` a response
    of known length is held back until the request is done, so that a request
    over budget can be answered with a 503 instead; a streamed response (no
    Content-Length: server-sent events, large downloads) is passed on as it
    comes, since holding it could mean waiting forever, and is only logged.
    """

    def __init__(self, app: ASGI, budget: Budget, log: Callable[[str], None]) -> None:
        self.app = app
        self.budget = budget
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        budget = self.budget
        held: list[Message] = []
        holding = budget.enforce
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status, holding
            if message["type"] == "http.response.start":
                status = int(message["status"])
                holding = holding and any(name.lower() == b"content-length" for name, _ in message["headers"])
            if holding:
                held.append(message)
            else:
                await send(message)

        tracing = budget.measure_memory or budget.memory_mb is not None
        if tracing:
            import tracemalloc

            if not tracemalloc.is_tracing():
                tracemalloc.start()
            tracemalloc.reset_peak()
            baseline = tracemalloc.get_traced_memory()[0]
        started = time.perf_counter()
        meter = CPUMeter(self.app(scope, receive, watch))
        try:
            await meter
        finally:
            memory_mb = (tracemalloc.get_traced_memory()[1] - baseline) / _MB if tracing else None
            usage = Usage((time.perf_counter() - started) * 1000, meter.cpu_seconds * 1000, memory_mb)
            breaches = usage.breaches(budget)
            refused = holding and bool(breaches)
            self.log(format_line(scope["method"], scope["path"], 503 if refused else status, usage, budget, refused))
        if holding:
            for message in _refusal(breaches) if refused else held:
                await send(message)


def _refusal(breaches: list[str]) -> list[Message]:
    """The 503 that replaces a response over budget."""
    body = (
        "edgekit dev --enforce: this request went over its budget: "
        + "; ".join(breaches)
        + ". On Workers a request over the CPU limit fails. Make the handler cheaper, "
        "or raise the budget (--cpu-budget-ms, --memory-budget-mb).\n"
    ).encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    return [
        {"type": "http.response.start", "status": 503, "headers": headers},
        {"type": "http.response.body", "body": body},
    ]
