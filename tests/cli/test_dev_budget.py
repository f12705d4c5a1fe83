"""The dev server's budget meter: CPU time per request (I/O waits excluded), memory, warnings, --enforce."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from edgekit import App
from edgekit.cli.dev_budget import Budget, BudgetMeter, CPUMeter, Usage, format_line
from edgekit.runtime.asgi import ASGIApp


def busy(ms: float) -> None:
    end = time.thread_time() + ms / 1000
    while time.thread_time() < end:
        pass


def make_app() -> App:
    app = App()

    @app.get("/busy/:ms")
    def burn(c):
        busy(float(c.req.param("ms")))
        return c.text("done")

    @app.get("/sleep")
    async def sleep(c):
        await asyncio.sleep(0.05)
        return c.text("rested")

    @app.get("/alloc")
    def alloc(c):
        block = bytearray(3 * 1024 * 1024)
        return c.text(str(len(block)))

    @app.get("/stream")
    def stream(c):
        async def chunks():
            yield "a"
            busy(float(c.req.query("ms") or 0))
            yield "b"

        return c.body(chunks())

    return app


def serve(budget: Budget) -> tuple[httpx.AsyncClient, list[str]]:
    lines: list[str] = []
    meter = BudgetMeter(ASGIApp(make_app()), budget, lines.append)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=meter), base_url="http://test"), lines


def get(budget: Budget, *paths: str) -> tuple[list[httpx.Response], list[str]]:
    async def go():
        client, lines = serve(budget)
        async with client:
            return [await client.get(path) for path in paths], lines

    return asyncio.run(go())


def cpu_of(line: str) -> float:
    return float(line.split(" cpu ")[1].split("ms")[0])


def test_cpu_time_is_measured_and_waiting_is_not() -> None:
    (burnt, rested), (busy_line, sleep_line) = get(Budget(cpu_ms=1000), "/busy/30", "/sleep")
    assert (burnt.text, rested.text) == ("done", "rested")
    assert 30 <= cpu_of(busy_line) < 200
    wall = float(sleep_line.split()[3].removesuffix("ms"))
    assert wall >= 50 and cpu_of(sleep_line) < 25  # the 50 ms asleep are not CPU time
    assert busy_line.startswith("GET /busy/30 200 ") and "% of 1000ms)" in busy_line
    assert "WARNING" not in busy_line


def test_a_request_over_budget_is_logged_with_a_warning_but_served() -> None:
    (res,), (line,) = get(Budget(cpu_ms=5), "/busy/20")
    assert res.status_code == 200
    assert "WARNING: CPU time" in line and "over the 5ms budget" in line


def test_enforce_answers_503_naming_the_breach() -> None:
    (over, within, streamed), lines = get(Budget(cpu_ms=5, enforce=True), "/busy/20", "/busy/0", "/stream")
    assert over.status_code == 503 and "over the 5ms budget" in over.text and "--cpu-budget-ms" in over.text
    assert (within.status_code, within.text, streamed.text) == (200, "done", "ab")
    assert lines[0].startswith("GET /busy/20 503 ") and "(answered 503: --enforce)" in lines[0]


def test_enforce_passes_streams_on_and_only_warns() -> None:
    (res,), (line,) = get(Budget(cpu_ms=5, enforce=True), "/stream?ms=20")
    assert (res.status_code, res.text) == (200, "ab")
    assert line.startswith("GET /stream 200 ") and "WARNING: CPU time" in line and "(streamed, so not replaced)" in line


def test_memory_is_measured_only_when_asked() -> None:
    (res,), (line,) = get(Budget(cpu_ms=1000), "/alloc")
    assert " mem " not in line
    (res,), (line,) = get(Budget(cpu_ms=1000, measure_memory=True), "/alloc")
    assert res.text == str(3 * 1024 * 1024)
    memory = float(line.split(" mem ")[1].split("MB")[0])
    assert 3 <= memory < 10 and "of 128MB)" in line


def test_a_memory_budget_is_checked_and_enforced() -> None:
    (res,), (line,) = get(Budget(cpu_ms=1000, memory_mb=1, enforce=True), "/alloc")
    assert res.status_code == 503 and "memory" in res.text
    assert "over the 1MB budget" in line


def test_cpu_meter_passes_results_and_errors_through() -> None:
    async def fails():
        await asyncio.sleep(0)
        raise ValueError("boom")

    async def go():
        meter = CPUMeter(fails())
        with pytest.raises(ValueError, match="boom"):
            await meter
        return meter.cpu_seconds

    assert asyncio.run(go()) >= 0


def test_cpu_meter_can_be_cancelled() -> None:
    async def go():
        async def metered():
            await CPUMeter(asyncio.sleep(10))

        task = asyncio.create_task(metered())
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(asyncio.wait_for(go(), 5))


def test_format_line() -> None:
    usage = Usage(wall_ms=3.14, cpu_ms=1.2, memory_mb=None)
    assert format_line("GET", "/todos", 200, usage, Budget()) == "GET /todos 200 3.1ms cpu 1.2ms (12% of 10ms)"
    usage = Usage(wall_ms=3, cpu_ms=12, memory_mb=64)
    line = format_line("POST", "/x", 201, usage, Budget(memory_mb=32))
    assert line.endswith("over the 32MB budget")
    assert line.startswith("POST /x 201 3.0ms cpu 12.0ms (120% of 10ms) mem 64.0MB (200% of 32MB) WARNING: ")
