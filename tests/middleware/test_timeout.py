from __future__ import annotations

import asyncio

import pytest

from edgekit import App, Context, HTTPException
from edgekit.middleware.timeout import timeout
from tests.conftest import run


def _app(seconds: float, exception: object = None) -> tuple[App, list[str]]:
    events: list[str] = []
    app = App()
    app.use(timeout(seconds, exception))  # type: ignore[arg-type]

    @app.get("/fast")
    async def fast(c: Context) -> str:
        return "fast"

    @app.get("/slow")
    async def slow(c: Context) -> str:
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            events.append("cancelled")
            raise
        events.append("finished")
        return "slow"

    return app, events


def test_fast_handler_is_untouched() -> None:
    app, _ = _app(1)
    res = run(app.request("/fast"))
    assert res.status == 200 and run(res.text()) == "fast"


def test_slow_handler_gets_504_and_is_cancelled() -> None:
    app, events = _app(0.02)

    async def go() -> tuple[int, str, float]:
        loop = asyncio.get_running_loop()
        start = loop.time()
        res = await app.request("/slow")
        return res.status, await res.text(), loop.time() - start

    status, text, took = run(go())
    assert status == 504 and text == "Gateway Timeout"
    assert events == ["cancelled"]
    assert took < 1


def test_custom_exception_instance_and_factory() -> None:
    app, _ = _app(0.01, HTTPException(503, "try later"))
    res = run(app.request("/slow"))
    assert (res.status, run(res.text())) == (503, "try later")
    app, _ = _app(0.01, lambda c: HTTPException(504, f"timed out: {c.req.path}"))
    assert run(run(app.request("/slow")).text()) == "timed out: /slow"


def test_other_errors_pass_through() -> None:
    app = App()
    app.use(timeout(1))

    @app.get("/teapot")
    def teapot(c: Context) -> str:
        raise HTTPException(418)

    assert run(app.request("/teapot")).status == 418


def test_error_handler_sees_the_timeout() -> None:
    app, _ = _app(0.01)
    seen: list[int] = []

    @app.on_error
    def on_error(err: Exception, c: Context) -> object:
        assert isinstance(err, HTTPException)
        seen.append(err.status)
        return c.json({"error": "timeout"}, err.status)

    res = run(app.request("/slow"))
    assert res.status == 504 and run(res.json()) == {"error": "timeout"} and seen == [504]


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf")])
def test_bad_seconds(bad: float) -> None:
    with pytest.raises(ValueError):
        timeout(bad)


@pytest.mark.parametrize("bad", ["5", None, True])
def test_seconds_must_be_a_number(bad: object) -> None:
    with pytest.raises(TypeError):
        timeout(bad)  # type: ignore[arg-type]


def test_bad_exception() -> None:
    with pytest.raises(TypeError, match="HTTPException"):
        timeout(1, "504")  # type: ignore[arg-type]
