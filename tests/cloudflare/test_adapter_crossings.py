"""The Workers adapter on CPython, over fake JavaScript objects that count what crosses.

Pyodide itself is exercised end to end in ``test_e2e_pyodide.py`` and
``test_adapter_pyodide.py``; here the fakes pin what the adapter asks of JavaScript:
nothing about the request headers until the app reads one, then one ``get`` per name
read, or a single conversion when it reads them all.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from edgekit import App
from edgekit.response import Response
from edgekit.runtime.cloudflare import JsSide, WorkerHandler, to_js_response, to_request
from tests.bindings.fake_js import JS_NULL, RUNTIME, FakeBuffer, FakeJsArray, FakeJsProxy, to_js


class FakeHeaders(FakeJsProxy):
    """A JavaScript ``Headers``: read whole by ``Array.from(headers)`` (see :func:`array_from`),
    or one name at a time by ``get``, which counts its calls."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs
        self.conversions = 0
        self.gets: list[str] = []

    def get(self, name: str) -> Any:
        self.gets.append(name)
        values = [v for n, v in self.pairs if n == name]
        return ", ".join(values) if values else JS_NULL


class FakeRequest(FakeJsProxy):
    """A JavaScript ``Request`` that counts the reads of its ``headers`` property."""

    def __init__(self, url: str, method: str = "GET", headers: list[tuple[str, str]] | None = None) -> None:
        self.url = url
        self.method = method
        self._headers = FakeHeaders(headers or [])
        self.header_reads = 0
        self.body: Any = JS_NULL
        self._data = b""

    @property
    def headers(self) -> FakeHeaders:
        self.header_reads += 1
        return self._headers

    def with_body(self, data: bytes) -> FakeRequest:
        self.body, self._data = object(), data
        return self

    async def arrayBuffer(self) -> FakeBuffer:  # noqa: N802 - the JavaScript name
        return FakeBuffer(self._data, "ArrayBuffer")


class FakeResponse:
    """What ``new Response(body, {status, statusText, headers})`` keeps."""

    def __init__(self, body: Any, status: int, headers: FakeJsArray, status_text: str = "") -> None:
        self.body, self.status, self.status_text = body, status, status_text
        self.headers = [tuple(pair.items) for pair in headers.items]

    @classmethod
    def new(cls, body: Any, *, status: int, headers: FakeJsArray, statusText: str = "") -> FakeResponse:  # noqa: N803
        return cls(body, status, headers, statusText)


def array_from(headers: FakeHeaders) -> FakeJsArray:
    """``Array.from(headers)``: one array of ``[name, value]`` arrays."""
    headers.conversions += 1
    return FakeJsArray([FakeJsArray(list(pair)) for pair in headers.pairs])


class SdkRequest:
    """The ``workers`` SDK's request wrapper."""

    def __init__(self, js_object: FakeRequest) -> None:
        self.js_object = js_object


class FakeCtx:
    def __init__(self) -> None:
        self.promises: list[Any] = []

    def waitUntil(self, promise: Any) -> None:  # noqa: N802 - the JavaScript name
        self.promises.append(promise)


class FakePromise:
    """``new Promise(executor)``, resolved when the executor calls back."""

    def __init__(self, executor: Any) -> None:
        self.done = asyncio.get_running_loop().create_future()
        executor(lambda value: self.done.set_result(value), None)

    @classmethod
    def new(cls, executor: Any) -> FakePromise:
        return cls(executor)


class FakeJs:
    Promise = FakePromise


def fake_side() -> JsSide:
    side = JsSide.__new__(JsSide)
    side.js = FakeJs()
    side.runtime = RUNTIME
    side.create_proxy = side.create_once_callable = lambda f: f
    side.to_js = to_js
    side.null = JS_NULL
    side.JsProxy = FakeJsProxy
    side.Response = FakeResponse
    side._array_from = array_from
    return side


BROWSER = [("accept", "text/html"), ("cookie", "a=1; b=2"), ("user-agent", "probe/1"), ("x-id", "7")]


def make_app(log: list[Any]) -> App:
    app = App()

    @app.get("/none")
    async def none(c: Any) -> Any:
        return c.text("no header read")

    @app.get("/one")
    async def one(c: Any) -> Any:
        return c.text(f"{c.req.header('User-Agent')} {c.req.header('x-none')} {c.req.header('cookie')}")

    @app.get("/later")
    async def later(c: Any) -> Any:
        await asyncio.sleep(0)
        return c.json({"ua": c.req.header("User-Agent"), "all": c.req.header()})

    @app.get("/background")
    async def background(c: Any) -> Any:
        async def read() -> None:
            await asyncio.sleep(0)
            log.append(c.req.header("x-id"))

        c.ctx.wait_until(read())
        return c.text("scheduled")

    @app.post("/echo")
    async def echo(c: Any) -> Any:
        return c.body(await c.req.bytes(), 200, headers={"content-type": "application/octet-stream"})

    @app.post("/unread")
    async def unread(c: Any) -> Any:
        return c.text("left the body")

    return app


async def call(path: str, method: str = "GET", body: bytes | None = None, ctx: Any = None) -> tuple[Any, FakeRequest]:
    log: list[Any] = []
    request = FakeRequest(f"https://example.com{path}", method, BROWSER)
    if body is not None:
        request.with_body(body)
    response = await WorkerHandler(make_app(log))(SdkRequest(request), None, ctx)
    return response, request


def test_headers_are_not_read_from_javascript_when_the_app_reads_none() -> None:
    response, request = asyncio.run(call("/none"))
    assert response.status == 200 and request.header_reads == 0


def test_a_header_read_by_name_is_one_get_in_javascript_and_cookie_a_conversion() -> None:
    response, request = asyncio.run(call("/one"))
    assert response.body.data == b"probe/1 None a=1; b=2"
    # Cookie lines are converted whole: edgekit joins repeated ones with "; ", JavaScript with ", ".
    assert request._headers.gets == ["user-agent", "x-none"] and request._headers.conversions == 1


def test_headers_are_converted_once_and_complete_after_an_await() -> None:
    response, request = asyncio.run(call("/later"))
    assert request._headers.gets == ["user-agent"] and request._headers.conversions == 1
    assert response.body.data == (
        b'{"ua":"probe/1","all":{"accept":"text/html","cookie":"a=1; b=2","user-agent":"probe/1","x-id":"7"}}'
    )


def test_headers_can_be_read_in_wait_until_work_after_the_response() -> None:
    async def scenario() -> list[Any]:
        ctx = FakeCtx()
        log: list[Any] = []
        request = FakeRequest("https://example.com/background", "GET", BROWSER)
        response = await WorkerHandler(make_app(log))(request, None, ctx)
        assert response.status == 200 and request.header_reads == 0 and log == []
        for promise in ctx.promises:
            await promise.done
        return log

    assert asyncio.run(scenario()) == ["7"]


def test_a_body_is_read_when_the_app_reads_it_and_drained_when_not() -> None:
    response, _ = asyncio.run(call("/echo", "POST", b"payload"))
    assert response.body.data == b"payload"
    drained: list[bool] = []

    class Watched(FakeRequest):
        async def arrayBuffer(self) -> FakeBuffer:  # noqa: N802 - the JavaScript name
            drained.append(True)
            return await super().arrayBuffer()

    request = Watched("https://example.com/unread", "POST", BROWSER).with_body(b"x" * 20000)
    response = asyncio.run(WorkerHandler(make_app([]))(request))
    assert response.status == 200 and drained == [True]


def test_to_request_takes_the_js_request_or_the_sdk_wrapper() -> None:
    side = fake_side()
    plain = FakeRequest("https://example.com/a?b=1", "PATCH", [("x-a", "1")])
    for given in (plain, SdkRequest(plain)):
        req = to_request(given, side)
        assert (req.method, req.url, req.headers.get("x-a")) == ("PATCH", "https://example.com/a?b=1", "1")


def test_response_headers_cross_as_pairs_and_bodiless_statuses_drop_the_body() -> None:
    side = fake_side()
    res = Response("hi", 201, [("set-cookie", "a=1"), ("set-cookie", "b=2")], status_text="Made")
    out = to_js_response(res, side)
    assert (out.status, out.status_text, out.body.data) == (201, "Made", b"hi")
    assert out.headers == [
        ("set-cookie", "a=1"),
        ("set-cookie", "b=2"),
        ("content-type", "text/plain;charset=UTF-8"),
    ]
    assert to_js_response(res, side, head=True).body is None
    assert to_js_response(Response(None, 304), side).body is None


def test_the_same_env_is_wrapped_once_and_a_new_one_again() -> None:
    app = App()
    seen: list[Any] = []

    @app.get("/")
    async def home(c: Any) -> Any:
        seen.append(c.env)
        return c.text(c.env.NAME)

    class Env:
        def __init__(self, name: str) -> None:
            self.NAME = name

    async def scenario() -> list[bytes]:
        handler = WorkerHandler(app)
        first, second = Env("first"), Env("second")
        bodies = []
        for env in (first, first, second):
            bodies.append((await handler(FakeRequest("https://example.com/"), env)).body.data)
        return bodies

    assert asyncio.run(scenario()) == [b"first", b"first", b"second"]
    assert seen[0] is seen[1] and seen[2] is not seen[1]


@pytest.fixture(autouse=True)
def _fake_js_side(monkeypatch: pytest.MonkeyPatch) -> None:
    # The adapter looks its JsSide up once per isolate; here every test gets the fakes.
    import edgekit.runtime.cloudflare as adapter

    monkeypatch.setattr(adapter, "_side", [fake_side()])
