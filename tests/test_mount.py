"""``app.mount(prefix, asgi_app)``: a Starlette app served inside an edgekit App."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from edgekit import App
from tests.conftest import run

EVENTS: list[str] = []


async def user(request: StarletteRequest) -> JSONResponse:
    return JSONResponse(
        {
            "id": request.path_params["id"],
            "q": request.query_params.get("q"),
            "path": request.url.path,
            "root_path": request.scope["root_path"],
            "url_for": str(request.url_for("user", id="7")),
            "agent": request.headers.get("x-agent"),
        }
    )


async def echo(request: StarletteRequest) -> Response:
    body = await request.body()
    return Response(body[::-1], headers={"x-length": str(len(body))}, media_type="application/octet-stream")


async def stream(request: StarletteRequest) -> StreamingResponse:
    async def numbers():
        for n in range(3):
            yield f"{n}\n"
            await asyncio.sleep(0)

    return StreamingResponse(numbers(), media_type="text/plain")


async def cookies(request: StarletteRequest) -> PlainTextResponse:
    res = PlainTextResponse("ok", status_code=201, background=BackgroundTask(EVENTS.append, "background ran"))
    res.set_cookie("a", "1")
    res.set_cookie("b", "2")
    return res


async def empty(request: StarletteRequest) -> Response:
    return Response(status_code=204)


async def boom(request: StarletteRequest) -> Response:
    raise RuntimeError("mounted app failed")


legacy = Starlette(
    routes=[
        Route("/users/{id}", user, name="user"),
        Route("/echo", echo, methods=["POST"]),
        Route("/stream", stream),
        Route("/cookies", cookies),
        Route("/empty", empty, methods=["DELETE"]),
        Route("/boom", boom),
    ]
)


def make_app() -> App:
    app = App()

    @app.use
    async def tag(c, next):
        await next()
        c.header("x-edgekit", "1")

    @app.get("/native")
    def native(c):
        return c.text("edgekit here")

    app.mount("/legacy", legacy)
    return app


APP = make_app()


def call(path: str, **kwargs):
    async def go():
        res = await APP.request(path, **kwargs)
        return res, await res.bytes()

    return run(go())


def test_routing_path_params_query_and_headers_reach_the_mounted_app() -> None:
    res, body = call("/legacy/users/42?q=x%20y", headers={"x-agent": "tests"})
    assert res.status == 200 and res.headers.get("x-edgekit") == "1"
    assert json.loads(body) == {
        "id": "42",
        "q": "x y",
        "path": "/legacy/users/42",
        "root_path": "/legacy",
        "url_for": "http://localhost/legacy/users/7",
        "agent": "tests",
    }


def test_percent_encoded_path_is_decoded_for_the_mounted_app() -> None:
    res, body = call("/legacy/users/J%C3%BCrgen")
    assert json.loads(body)["id"] == "Jürgen"


def test_request_body_and_response_headers() -> None:
    res, body = call("/legacy/echo", method="POST", body=b"abc" * 1000)
    assert (res.status, body[:6], res.headers.get("x-length")) == (200, b"cbacba", "3000")
    assert res.headers.get("content-type") == "application/octet-stream"


def test_streamed_body_arrives_in_chunks() -> None:
    async def go():
        res = await APP.request("/legacy/stream")
        assert res.body_bytes is None  # not buffered by the bridge
        return [chunk async for chunk in res.body]

    assert b"".join(run(go())) == b"0\n1\n2\n"


def test_several_set_cookie_and_background_tasks() -> None:
    EVENTS.clear()
    res, body = call("/legacy/cookies")
    assert (res.status, body) == (201, b"ok")
    assert [c.split(";")[0] for c in res.headers.get_set_cookie()] == ["a=1", "b=2"]
    assert EVENTS == ["background ran"]


def test_null_body_status_and_method_mismatch() -> None:
    res, body = call("/legacy/empty", method="DELETE")
    assert (res.status, body) == (204, b"")
    res, body = call("/legacy/empty")
    assert res.status == 405  # the mounted app's own answer


def test_paths_outside_the_mount_stay_with_edgekit() -> None:
    assert call("/native")[1] == b"edgekit here"
    assert call("/legacyx")[0].status == 404
    res, body = call("/legacy/nothing")
    assert (res.status, body) == (404, b"Not Found")  # Starlette's 404


def test_an_exception_in_the_mounted_app_is_a_500(capsys: pytest.CaptureFixture[str]) -> None:
    res, body = call("/legacy/boom")
    assert (res.status, body) == (500, b"Internal Server Error")
    assert "mounted app failed" in capsys.readouterr().err


def test_mount_under_a_base_path_and_at_the_root() -> None:
    app = App()
    app.base_path("/v1").mount("/old", legacy)
    res = run(app.request("/v1/old/users/1"))
    assert json.loads(run(res.text()))["root_path"] == "/v1/old"
    root = App().mount("/", legacy)
    res = run(root.request("/users/5"))
    data = json.loads(run(res.text()))
    assert (data["id"], data["root_path"]) == ("5", "")


@pytest.mark.parametrize("prefix", ["legacy", "/users/:id", "/files/*", 3])
def test_mount_refuses_a_prefix_that_is_not_a_plain_path(prefix) -> None:
    with pytest.raises(ValueError, match="mount prefix"):
        App().mount(prefix, legacy)


def test_mount_refuses_what_is_not_callable() -> None:
    with pytest.raises(TypeError, match="ASGI application"):
        App().mount("/x", object())


async def _broken_app(scope, receive, send) -> None:
    await send({"type": "http.response.body", "body": b"too early"})


def test_a_protocol_error_in_the_mounted_app_is_a_500(capsys: pytest.CaptureFixture[str]) -> None:
    app = App().mount("/", _broken_app)
    assert run(app.request("/")).status == 500
    assert "http.response.start" in capsys.readouterr().err


def test_importing_the_core_does_not_import_the_bridge() -> None:
    code = "import sys, edgekit; edgekit.App(); print('edgekit.mount' in sys.modules, 'asyncio' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]
