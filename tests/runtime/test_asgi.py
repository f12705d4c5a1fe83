"""The ASGI adapter, driven by httpx's in-process ASGI transport and by hand."""

from __future__ import annotations

import asyncio

import httpx

from edgekit import App, Response
from edgekit.runtime.asgi import ASGIApp, to_request
from tests.conftest import run


def make_app() -> App:
    app = App()

    @app.get("/users/:id")
    async def user(c):
        return c.json({"id": c.req.param("id"), "q": c.req.query("q"), "agent": c.req.header("user-agent")})

    @app.post("/echo")
    async def echo(c):
        return c.json(await c.req.json())

    @app.get("/cookies")
    async def cookies(c):
        c.header("set-cookie", "a=1; Path=/", append=True)
        c.header("set-cookie", "b=2; Path=/", append=True)
        return c.text("ok")

    @app.get("/stream")
    async def stream(c):
        async def chunks():
            for i in range(3):
                yield f"chunk{i};".encode()

        return Response(chunks(), headers={"content-type": "text/plain"})

    return app


def client(app: App, **kwargs) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=ASGIApp(app, **kwargs)), base_url="http://testserver")


async def _get(app: App, method: str, url: str, **kwargs) -> httpx.Response:
    async with client(app) as http:
        return await http.request(method, url, **kwargs)


def test_get_with_params_query_and_headers():
    res = run(_get(make_app(), "GET", "/users/J%C3%BCrgen?q=a+b", headers={"user-agent": "t"}))
    assert res.status_code == 200
    assert res.json() == {"id": "Jürgen", "q": "a b", "agent": "t"}
    assert res.headers["content-length"] == str(len(res.content))


def test_post_body_is_streamed_from_receive():
    res = run(_get(make_app(), "POST", "/echo", json={"a": [1, 2, "é"]}))
    assert res.json() == {"a": [1, 2, "é"]}


def test_malformed_json_is_400():
    res = run(_get(make_app(), "POST", "/echo", content=b"{nope", headers={"content-type": "application/json"}))
    assert res.status_code == 400


def test_several_set_cookie_headers_survive():
    res = run(_get(make_app(), "GET", "/cookies"))
    assert res.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]


def test_streamed_response_arrives_whole():
    res = run(_get(make_app(), "GET", "/stream"))
    assert res.text == "chunk0;chunk1;chunk2;"
    assert "content-length" not in res.headers


def test_head_has_headers_and_no_body():
    res = run(_get(make_app(), "HEAD", "/users/1"))
    assert res.status_code == 200 and res.content == b""


def test_dot_segments_in_the_raw_path_are_resolved():
    app = App()
    app.get("/b")(lambda c: c.req.url)
    scope = _scope("GET", b"/a/../b")
    assert to_request(scope, _no_body).url == "http://testserver/b"
    sent = run(_call(ASGIApp(app), scope))
    assert sent[0]["status"] == 200


def test_env_reaches_handlers_and_wait_until_runs():
    app = App()
    done = asyncio.Event()

    async def later():
        done.set()

    @app.get("/")
    async def handler(c):
        c.ctx.wait_until(later())
        return c.text(c.env["greeting"])

    async def main():
        async with client(app, env={"greeting": "hi"}) as http:
            res = await http.get("/")
        await asyncio.wait_for(done.wait(), 1)
        return res

    assert run(main()).text == "hi"


def test_websocket_is_refused():
    sent = run(_call(ASGIApp(App()), {"type": "websocket"}))
    assert sent == [{"type": "websocket.close", "code": 1003}]


def test_client_disconnect_while_reading_body_is_a_500_not_a_crash(capsys):
    app = App()

    @app.post("/")
    async def handler(c):
        return await c.req.text()

    async def receive():
        return {"type": "http.disconnect"}

    sent = run(_call(ASGIApp(app), _scope("POST", b"/"), receive))
    assert sent[0]["status"] == 500
    assert "disconnected" in capsys.readouterr().err


def _scope(method: str, raw_path: bytes) -> dict:
    return {
        "type": "http",
        "method": method,
        "scheme": "http",
        "path": raw_path.decode(),
        "raw_path": raw_path,
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
    }


async def _no_body():
    return {"type": "http.request", "body": b"", "more_body": False}


async def _call(asgi: ASGIApp, scope: dict, receive=_no_body) -> list[dict]:
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    await asgi(scope, receive, send)
    return sent


def test_lifespan_hooks_run_and_a_failing_startup_is_reported():
    asgi = ASGIApp(App())
    ran: list[str] = []

    async def opened():
        ran.append("startup")

    async def closed():
        ran.append("shutdown")

    asgi.on_startup.append(opened)
    asgi.on_shutdown.append(closed)
    sent = _lifespan(asgi)
    assert ran == ["startup", "shutdown"]
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]

    async def broken():
        raise ValueError("bad wrangler.toml")

    failing = ASGIApp(App())
    failing.on_startup.append(broken)
    sent = _lifespan(failing)
    assert sent == [{"type": "lifespan.startup.failed", "message": "ValueError: bad wrangler.toml"}]


def _lifespan(asgi: ASGIApp) -> list[dict]:
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent: list[dict] = []

    async def receive():
        return next(messages)

    async def send(message):
        sent.append(message)

    run(asgi({"type": "lifespan"}, receive, send))
    return sent


def test_the_peer_address_reaches_the_request_and_ip_restriction():
    from edgekit.middleware.ip_restriction import ip_restriction

    app = App()
    app.use(ip_restriction(allow=["10.0.0.0/8"]))
    app.get("/")(lambda c: c.req.raw.remote_address)

    async def call(peer: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=ASGIApp(app), client=(peer, 4000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            # A forged CF-Connecting-IP must not beat the real peer outside Workers.
            return await http.get("/", headers={"cf-connecting-ip": "10.0.0.1"})

    allowed, refused = run(call("10.1.2.3")), run(call("203.0.113.9"))
    assert (allowed.status_code, allowed.text) == (200, "10.1.2.3")
    assert refused.status_code == 403


def test_an_endless_stream_stops_when_the_client_disconnects():
    produced = []
    closed = asyncio.Event()

    async def forever():
        try:
            while True:
                produced.append(len(produced))
                yield b"tick\n"
                await asyncio.sleep(0.001)
        finally:
            closed.set()

    app = App()
    app.get("/events")(lambda c: Response(forever(), headers={"content-type": "text/event-stream"}))

    async def scenario() -> list[dict]:
        sent: list[dict] = []
        gone = asyncio.Event()

        async def receive() -> dict:
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            sent.append(message)
            if len(sent) == 5:
                gone.set()  # the client leaves after a few chunks

        scope = {
            "type": "http",
            "method": "GET",
            "path": "/events",
            "raw_path": b"/events",
            "query_string": b"",
            "headers": [(b"host", b"testserver")],
            "scheme": "http",
        }
        await asyncio.wait_for(ASGIApp(app)(scope, receive, send), 2)
        await asyncio.wait_for(closed.wait(), 1)
        return sent

    sent = run(scenario())
    count = len(produced)
    run(asyncio.sleep(0.02))
    assert len(produced) == count  # the producer is gone, not running on in the background
    assert 4 <= len(sent) <= 8


def test_request_headers_are_decoded_as_latin1_when_read_and_the_host_names_the_url():
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "https",
        "path": "/p",
        "raw_path": b"/p",
        "query_string": b"",
        "headers": [(b"x-name", b"J\xfcrgen"), (b"host", b"example.com:8443"), (b"x-name", b"b")],
    }
    request = to_request(scope, None)
    assert request.url == "https://example.com:8443/p"
    assert request.headers.get("x-name") == "J\u00fcrgen, b"
    assert request.headers.get("host") == "example.com:8443"


def _served_with_local_bindings(asgi: ASGIApp, paths: list[str]) -> list[httpx.Response]:
    """The responses to GET ``paths``, sent between the lifespan's startup and shutdown."""

    async def scenario() -> list[httpx.Response]:
        stopping = asyncio.Event()
        sent: list[dict] = []
        started = asyncio.Event()

        async def receive() -> dict:
            if not sent:
                return {"type": "lifespan.startup"}
            await stopping.wait()
            return {"type": "lifespan.shutdown"}

        async def send(message: dict) -> None:
            sent.append(message)
            started.set()

        lifespan = asyncio.create_task(asgi({"type": "lifespan"}, receive, send))
        await started.wait()
        assert sent == [{"type": "lifespan.startup.complete"}]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi), base_url="http://t") as client:
            responses = [await client.get(path) for path in paths]
        stopping.set()
        await lifespan
        return responses

    return run(scenario())


def test_with_local_bindings_opens_the_env_at_startup_and_reads_dev_vars_only_when_asked(tmp_path) -> None:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001.sql").write_text("CREATE TABLE hits (n INTEGER);")
    (tmp_path / "wrangler.toml").write_text(
        'name = "x"\n[vars]\nGREETING = "from toml"\n[[kv_namespaces]]\nbinding = "CACHE"\nid = "c"\n'
        '[[d1_databases]]\nbinding = "DB"\ndatabase_name = "x"\ndatabase_id = "x-db"\nmigrations_dir = "migrations"\n'
    )
    (tmp_path / ".dev.vars").write_text("GREETING=from dev vars\n")
    app = App()

    @app.get("/")
    async def home(c):
        await c.env.DB.prepare("INSERT INTO hits VALUES (1)").run()
        hits = await c.env.DB.prepare("SELECT count(*) AS n FROM hits").first("n")
        await c.env.CACHE.put("last", str(hits))
        return {"greeting": c.env.GREETING, "hits": hits, "cached": await c.env.CACHE.get("last")}

    config = tmp_path / "wrangler.toml"
    first = _served_with_local_bindings(ASGIApp.with_local_bindings(app, config), ["/", "/"])
    assert [r.json() for r in first] == [
        {"greeting": "from toml", "hits": 1, "cached": "1"},
        {"greeting": "from toml", "hits": 2, "cached": "2"},
    ]
    assert (tmp_path / ".edgekit" / "state" / "d1" / "x-db.sqlite").is_file()  # beside wrangler.toml
    again = ASGIApp.with_local_bindings(app, config, dev_vars=True)
    assert _served_with_local_bindings(again, ["/"])[0].json() == {"greeting": "from dev vars", "hits": 3, "cached": "3"}
