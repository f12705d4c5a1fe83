"""Hello and a small JSON API: routing, params, query, JSON bodies, middleware, errors.

Run it:  python -m edgekit dev examples/hello/app.py   (then open http://127.0.0.1:8787/)
"""

from __future__ import annotations

import time

from edgekit import App, HTTPException

app = App()

# Read-only: a Worker isolate serves many requests, so no per-request state in globals.
BOOKS = {
    "1": {"id": "1", "title": "The Pragmatic Programmer", "year": 1999},
    "2": {"id": "2", "title": "Structure and Interpretation of Computer Programs", "year": 1985},
}


@app.use
async def server_timing(c, next):
    """Every response says how long the app took (Server-Timing, in ms)."""
    start = time.perf_counter()
    await next()
    c.header("server-timing", f"app;dur={(time.perf_counter() - start) * 1000:.2f}")


@app.get("/")
async def home(c):
    return c.text("Hello from edgekit!")


@app.get("/hello/:name")
async def hello(c):
    return {"message": f"Hello, {c.req.param('name')}!"}


@app.get("/books")
async def list_books(c):
    since = c.req.query("since")
    books = list(BOOKS.values())
    if since is not None:
        if not since.isdigit():
            raise HTTPException(400, "since must be a year, like ?since=1990")
        books = [b for b in books if b["year"] >= int(since)]
    return {"books": books}


@app.get("/books/:id{[0-9]+}")
async def get_book(c):
    book = BOOKS.get(c.req.param("id"))
    if book is None:
        return c.json({"error": "no such book"}, 404)
    return book


@app.post("/echo")
async def echo(c):
    """Send JSON back; malformed JSON is a 400 that says so."""
    return {"you_sent": await c.req.json()}
