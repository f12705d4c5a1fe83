"""A Worker for the end-to-end tests: what the examples do not show (cookies, streams,
wait_until, failures, the Cache API)."""

import asyncio

from edgekit import App, Response
from edgekit.runtime.cloudflare import WorkersCache, worker_entrypoint

app = App()


@app.get("/cookies")
async def cookies(c):
    c.header("set-cookie", "a=1; Path=/", append=True)
    c.header("set-cookie", "b=2; HttpOnly", append=True)
    return c.text("two cookies")


@app.get("/stream")
async def stream(c):
    async def chunks():
        for i in range(3):
            yield f"chunk {i}\n".encode()
            await asyncio.sleep(0.01)

    return c.body(chunks(), 200, headers={"content-type": "text/plain"})


@app.get("/broken-stream")
async def broken_stream(c):
    async def chunks():
        yield b"first\n"
        raise RuntimeError("the stream broke")

    return c.body(chunks(), 200, headers={"content-type": "text/plain"})


@app.post("/later/:key")
async def later(c):
    value = await c.req.text()

    async def store():
        await asyncio.sleep(0.05)
        await c.env.KV.put(c.req.param("key"), value)

    c.ctx.wait_until(store())
    return c.text("scheduled", 202)


@app.get("/kv/:key")
async def read_kv(c):
    value = await c.env.KV.get(c.req.param("key"))
    return c.json({"value": value})


@app.post("/unread")
async def unread(c):
    return c.text("did not read the body")


@app.post("/echo")
async def echo(c):
    data = await c.req.bytes()
    return c.body(data, 200, headers={"content-type": "application/octet-stream", "x-length": str(len(data))})


@app.get("/boom")
async def boom(c):
    raise RuntimeError("deliberate failure")


@app.get("/exit")
async def exit_(c):
    raise SystemExit(3)


@app.get("/empty")
async def empty(c):
    return c.body(None, 204)


@app.get("/var")
async def var(c):
    return c.json({"GREETING": c.env.GREETING})


@app.get("/cache")
async def cache(c):
    store = WorkersCache("e2e")
    url = "https://example.com/cached"
    before = await store.match(url)
    await store.put(url, Response("cached body", 200, {"cache-control": "max-age=60", "x-kind": "e2e"}))
    hit = await store.match(url)
    deleted = await store.delete(url)
    again = await store.delete(url)
    return c.json(
        {
            "before": before is None,
            "hit": [hit.status, await hit.text(), hit.headers.get("x-kind")],
            "deleted": [deleted, again],
        }
    )


Default = worker_entrypoint(app)
