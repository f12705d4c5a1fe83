"""The app the WASI tests build: the todo example (routing, JSON, KV, D1) mounted at ``/``,
plus routes for what the adapter must carry: several Set-Cookie headers, a streamed
body, an echoed request body, a handler that raises, and ``wait_until`` work."""

from __future__ import annotations

from edgekit import App, Response
from examples.todos.app import app as todos

app = App()


@app.get("/cookies")
async def cookies(c):
    c.header("set-cookie", "a=1; Path=/", append=True)
    c.header("set-cookie", "b=2; Path=/", append=True)
    return c.text("two cookies")


@app.get("/stream")
async def stream(c):
    async def chunks():
        for index in range(int(c.req.query("n") or "3")):
            yield bytes([65 + index % 26]) * 100_000

    return Response(chunks(), headers={"content-type": "application/octet-stream"})


@app.post("/echo")
async def echo(c):
    body = await c.req.bytes()
    return {"length": len(body), "method": c.req.method, "url": c.req.url, "agent": c.req.header("user-agent")}


@app.on(["PURGE"], "/echo")
async def purge(c):
    return {"method": c.req.method}


@app.get("/boom")
async def boom(c):
    raise RuntimeError("boom")


@app.get("/later")
async def later(c):
    async def remember():
        await c.env.CACHE.put("later", "done")

    c.ctx.wait_until(remember())
    return c.text("scheduled")


@app.get("/later/value")
async def later_value(c):
    return c.text(await c.env.CACHE.get("later") or "")


app.route("/", todos)
