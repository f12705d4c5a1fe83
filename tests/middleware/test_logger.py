from __future__ import annotations

import asyncio
import re

import pytest

from edgekit import App, Context
from edgekit.middleware.logger import escape_control, logger
from tests.conftest import run


def _app(lines: list[str]) -> App:
    app = App()
    app.use(logger(lines.append))

    @app.get("/users/:id")
    def user(c: Context) -> str:
        return "ok"

    @app.post("/secret")
    async def secret(c: Context) -> str:
        return await c.req.text()

    @app.get("/slow")
    async def slow(c: Context) -> str:
        await asyncio.sleep(0.02)
        return "slow"

    @app.get("/boom")
    def boom(c: Context) -> str:
        raise RuntimeError("x")

    return app


def test_one_line_in_one_line_out() -> None:
    lines: list[str] = []
    run(_app(lines).request("/users/1?token=abc"))
    assert lines[0] == "--> GET /users/1"
    assert re.fullmatch(r"<-- GET /users/1 200 \d+ms", lines[1])
    assert len(lines) == 2


def test_status_of_not_found_and_errors() -> None:
    lines: list[str] = []
    app = _app(lines)
    run(app.request("/missing"))
    run(app.request("/boom"))
    assert lines[1].startswith("<-- GET /missing 404 ")
    assert lines[3].startswith("<-- GET /boom 500 ")


def test_elapsed_time_is_measured() -> None:
    lines: list[str] = []
    run(_app(lines).request("/slow"))
    ms = int(re.fullmatch(r"<-- GET /slow 200 (\d+)ms", lines[1]).group(1))  # type: ignore[union-attr]
    assert ms >= 15


def test_never_logs_bodies_or_headers() -> None:
    lines: list[str] = []
    run(_app(lines).request("/secret", method="POST", body="password=hunter2", headers={"authorization": "Bearer t0k"}))
    joined = "\n".join(lines)
    assert "hunter2" not in joined and "t0k" not in joined
    assert lines[0] == "--> POST /secret"


def test_path_control_characters_are_escaped() -> None:
    lines: list[str] = []
    app = _app(lines)
    app.get("/x/*")(lambda c: "x")
    run(app.request("/x/%1b[31m%5cx%E2%80%A8FAKE"))
    assert lines[0] == "--> GET /x/\\x1b[31m\\\\x\\u2028FAKE"
    assert lines[1].startswith("<-- GET /x/\\x1b[31m\\\\x\\u2028FAKE 200 ")
    assert all("\x1b" not in line and "\u2028" not in line for line in lines)


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("/plain/caf\u00e9", "/plain/caf\u00e9"),
        ("/a\rb", "/a\\x0db"),
        ("/del\x7f", "/del\\x7f"),
        ("/c1\x85", "/c1\\x85"),
        ("/ls\u2028", "/ls\\u2028"),
        ("/back\\slash", "/back\\\\slash"),
        ("/sp ace", "/sp ace"),
    ],
)
def test_escape_control(raw: str, escaped: str) -> None:
    assert escape_control(raw) == escaped


def test_print_fn_must_be_callable() -> None:
    with pytest.raises(TypeError, match="callable"):
        logger("stdout")  # type: ignore[arg-type]


def test_default_prints(capsys: pytest.CaptureFixture[str]) -> None:
    app = App()
    app.use(logger())
    app.get("/")(lambda c: "x")
    run(app.request("/"))
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "--> GET /" and out[1].startswith("<-- GET / 200 ")
