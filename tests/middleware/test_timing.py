from __future__ import annotations

import asyncio
import re

import pytest

from edgekit import App, Context
from edgekit.middleware.timing import end_time, quote_description, set_metric, start_time, timing
from tests.conftest import run


def _app(**options: object) -> App:
    app = App()
    app.use(timing(**options))  # type: ignore[arg-type]

    @app.get("/")
    async def index(c: Context) -> str:
        start_time(c, "db", "user query")
        await asyncio.sleep(0.01)
        end_time(c, "db")
        set_metric(c, "cache", description="miss")
        set_metric(c, "render", 1.25)
        return "ok"

    @app.get("/running")
    async def running(c: Context) -> str:
        start_time(c, "left-open")
        return "ok"

    @app.get("/desc")
    async def desc(c: Context) -> str:
        set_metric(c, "x", description=c.req.query("d") or "")
        return "ok"

    return app


def _metrics(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(", ")]


def test_metrics_and_total() -> None:
    res = run(_app().request("/"))
    db, cache, render, total = _metrics(res.headers.get("server-timing"))
    assert re.fullmatch(r'db;dur=\d+\.\d;desc="user query"', db)
    assert float(db.split("dur=")[1].split(";")[0]) >= 9
    assert cache == 'cache;desc="miss"'
    assert render == "render;dur=1.2" or render == "render;dur=1.3"
    assert re.fullmatch(r'total;dur=\d+\.\d;desc="Total Response Time"', total)
    assert res.headers.get("timing-allow-origin") is None


def test_open_timers_end_automatically_or_not() -> None:
    assert _metrics(run(_app().request("/running")).headers.get("server-timing"))[0].startswith("left-open;dur=")
    value = run(_app(auto_end=False, total=False).request("/running")).headers.get("server-timing")
    assert value is None


def test_enabled_callable() -> None:
    app = _app(enabled=lambda c: c.req.header("x-debug") == "1")
    assert run(app.request("/")).headers.get("server-timing") is None
    assert run(app.request("/", headers={"x-debug": "1"})).headers.get("server-timing")


@pytest.mark.parametrize(
    ("option", "expected"),
    [(True, "*"), ("https://a.example", "https://a.example"), (lambda c: "https://b", "https://b")],
)
def test_cross_origin(option: object, expected: str) -> None:
    assert run(_app(cross_origin=option).request("/")).headers.get("timing-allow-origin") == expected


def test_precision_and_total_description() -> None:
    value = run(_app(precision=3, total_description='a "b"').request("/")).headers.get("server-timing") or ""
    assert re.search(r'total;dur=\d+\.\d{3};desc="a \\"b\\""$', value)


def test_hostile_descriptions_are_escaped() -> None:
    value = run(_app().request("/desc?d=" + "%22%5C%0D%0ASet-Cookie:%20x%E2%98%83caf%C3%A9")).headers.get(
        "server-timing"
    )
    assert (value or "").startswith('x;desc="\\"\\\\??Set-Cookie: x?caf\u00e9"')


def test_helpers_are_noops_without_the_middleware() -> None:
    app = App()

    @app.get("/")
    def index(c: Context) -> str:
        start_time(c, "a")
        end_time(c, "a")
        set_metric(c, "b", 3)
        return "ok"

    res = run(app.request("/"))
    assert res.status == 200 and res.headers.get("server-timing") is None


def test_appends_to_a_server_timing_the_handler_set() -> None:
    app = App()
    app.use(timing(total=False))

    @app.get("/")
    def index(c: Context) -> object:
        set_metric(c, "mine", 2)
        return c.text("x", headers={"server-timing": "edge;dur=1"})

    assert run(app.request("/")).headers.get("server-timing") == "edge;dur=1, mine;dur=2.0"


@pytest.mark.parametrize("name", ["", "a b", "a;b", "caf\u00e9", 'q"'])
def test_bad_names(name: str) -> None:
    app = App()
    app.use(timing())
    app.get("/")(lambda c: set_metric(c, name, 1) or "x")
    assert run(app.request("/")).status == 500
    with pytest.raises(ValueError, match="token"):
        start_time(None, name)  # type: ignore[arg-type]


@pytest.mark.parametrize("duration", [-1, float("nan"), float("inf"), True])
def test_bad_durations(duration: float) -> None:
    with pytest.raises(ValueError, match="duration"):
        set_metric(None, "x", duration)  # type: ignore[arg-type]


def test_end_without_start() -> None:
    app = App()
    app.use(timing())
    seen: list[str] = []

    @app.get("/")
    def index(c: Context) -> str:
        with pytest.raises(ValueError, match="never started"):
            end_time(c, "nope")
        seen.append("checked")
        return "ok"

    assert run(app.request("/")).status == 200 and seen == ["checked"]


def test_bad_options() -> None:
    with pytest.raises(ValueError):
        timing(precision=7)
    with pytest.raises(TypeError):
        timing(enabled=True)  # type: ignore[arg-type]


def test_quote_description() -> None:
    assert quote_description('say "hi"\\') == '"say \\"hi\\"\\\\"'
    assert quote_description("tab\tok") == '"tab\tok"'
