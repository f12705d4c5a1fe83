"""The event loop the component runs async code on, under CPython."""

from __future__ import annotations

import asyncio
import time

import pytest

from edgekit import App
from edgekit.runtime.wasi_loop import StepLoop, run

pytestmark = pytest.mark.cpython_only  # Pyodide's time.sleep runs on its own event loop, not StepLoop's


def test_runs_tasks_timers_and_locks() -> None:
    async def main() -> list[str]:
        order: list[str] = []
        lock = asyncio.Lock()

        async def worker(name: str, delay: float) -> None:
            await asyncio.sleep(delay)
            async with lock:
                order.append(name)

        await asyncio.gather(worker("slow", 0.03), worker("fast", 0.01))
        async with asyncio.timeout(1):
            order.append(await asyncio.get_running_loop().create_task(asyncio.sleep(0, "task")))
        return order

    started = time.monotonic()
    assert run(main()) == ["fast", "slow", "task"]
    assert time.monotonic() - started >= 0.03


def test_timeout_fires() -> None:
    async def main() -> None:
        async with asyncio.timeout(0.01):
            await asyncio.sleep(10)

    with pytest.raises(TimeoutError):
        run(main())


def test_an_exception_propagates_and_pending_tasks_are_cancelled() -> None:
    cancelled = []

    async def background() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    async def main() -> None:
        asyncio.get_running_loop().create_task(background())
        await asyncio.sleep(0)
        raise ValueError("bad")

    with pytest.raises(ValueError, match="bad"):
        run(main())
    assert cancelled == [True]


def test_waiting_on_nothing_is_an_error_not_a_hang() -> None:
    async def main() -> None:
        await asyncio.get_running_loop().create_future()

    with pytest.raises(RuntimeError, match="will ever provide"):
        run(main())


def test_serves_an_app() -> None:
    app = App()

    @app.post("/echo")
    async def echo(c):  # type: ignore[no-untyped-def]
        return {"got": await c.req.json()}

    response = run(app.request("/echo", method="POST", json={"a": 1}))
    assert response.status == 200 and run(response.json()) == {"got": {"a": 1}}
    assert (
        run(app.request("/echo", method="POST", body=b"{", headers={"content-type": "application/json"})).status == 400
    )


def test_a_closed_loop_refuses_to_run() -> None:
    loop = StepLoop()  # type: ignore[abstract]
    loop.close()
    pending = asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="closed"):
        loop.run_until_complete(pending)
    pending.close()
