"""``edgekit.testing``: TestClient and AsyncTestClient drive an App through httpx, in-process."""

from __future__ import annotations

import asyncio

import pytest

from edgekit import App
from edgekit.testing import AsyncTestClient, TestClient


def make_app() -> App:
    app = App()
    done: list[str] = []

    @app.get("/hello/:name")
    def hello(c):
        return {"name": c.req.param("name"), "q": c.req.query("q"), "host": c.req.header("host")}

    @app.post("/echo")
    async def echo(c):
        return c.body(await c.req.bytes(), 200, {"x-len": str(len(await c.req.bytes()))})

    @app.get("/env")
    def env(c):
        return c.text(c.env["GREETING"])

    @app.get("/cookie")
    def cookie(c):
        c.header("set-cookie", "session=abc; Path=/", append=True)
        c.header("set-cookie", "theme=dark; Path=/", append=True)
        return c.text("set")

    @app.get("/whoami")
    def whoami(c):
        return c.text(c.req.header("cookie") or "")

    @app.post("/later")
    def later(c):
        async def work():
            await asyncio.sleep(0)
            done.append("background")

        c.ctx.wait_until(work())
        return c.text("accepted", 202)

    @app.get("/done")
    def report(c):
        return {"done": done}

    @app.get("/stream")
    def stream(c):
        async def chunks():
            for n in range(3):
                yield f"chunk {n}\n"

        return c.body(chunks())

    @app.get("/forever")
    def forever(c):
        async def chunks():
            n = 0
            while True:
                n += 1
                yield f"{n}\n"

        return c.body(chunks())

    return app


APP = make_app()


def test_sync_client_round_trip() -> None:
    with TestClient(APP) as client:
        res = client.get("/hello/J%C3%BCrgen", params={"q": "a b"})
        assert res.status_code == 200
        assert res.json() == {"name": "Jürgen", "q": "a b", "host": "testserver"}
        res = client.post("/echo", content=b"\x00\x01" * 10)
        assert (res.content, res.headers["x-len"]) == (b"\x00\x01" * 10, "20")
        assert client.post("/echo", json={"a": 1}).json() == {"a": 1}
        assert client.get("/nowhere").status_code == 404


def test_env_is_passed_and_replaceable() -> None:
    with TestClient(APP, env={"GREETING": "hi"}) as client:
        assert client.get("/env").text == "hi"
        client.env = {"GREETING": "hello"}
        assert client.get("/env").text == "hello"


def test_cookies_persist_and_several_set_cookie_arrive() -> None:
    with TestClient(APP, base_url="https://example.com") as client:
        res = client.get("/cookie")
        assert res.headers.get_list("set-cookie") == ["session=abc; Path=/", "theme=dark; Path=/"]
        assert set(client.get("/whoami").text.split("; ")) == {"session=abc", "theme=dark"}


def test_wait_until_work_has_run_when_the_request_returns() -> None:
    app = make_app()
    with TestClient(app) as client:
        assert client.post("/later").status_code == 202
        assert client.get("/done").json() == {"done": ["background"]}


def test_streamed_bodies_are_read_lazily() -> None:
    with TestClient(APP) as client:
        assert client.get("/stream").text == "chunk 0\nchunk 1\nchunk 2\n"
        with client.stream("GET", "/forever") as res:
            lines = res.iter_lines()
            assert [next(lines) for _ in range(3)] == ["1", "2", "3"]


def test_sync_client_refuses_a_running_loop() -> None:
    async def inside() -> None:
        with TestClient(APP) as client:
            client.get("/hello/x")

    with pytest.raises(RuntimeError, match="AsyncTestClient"):
        asyncio.run(inside())


def test_async_client() -> None:
    async def go() -> None:
        async with AsyncTestClient(make_app(), env={"GREETING": "yo"}) as client:
            assert (await client.get("/env")).text == "yo"
            assert (await client.post("/echo", content=b"abc")).content == b"abc"
            await client.post("/later")
            assert (await client.get("/done")).json() == {"done": ["background"]}
            async with client.stream("GET", "/forever") as res:
                seen = []
                async for line in res.aiter_lines():
                    seen.append(line)
                    if len(seen) == 2:
                        break
            assert seen == ["1", "2"]

    asyncio.run(go())


def test_closing_twice_is_harmless() -> None:
    client = TestClient(APP)
    client.get("/hello/x")
    client.close()
    client.close()
