"""A JSON API: CRUD over books, validated by hand, every error a JSON body with a 4xx.

Run it:  python -m edgekit dev examples/jsonapi/app.py

    GET    /books             list (?author=... filters, ?limit=&offset= pages)
    POST   /books             create: {"title": str, "author": str, "year": int}
    GET    /books/:id         one book
    PUT    /books/:id         replace (all fields)
    PATCH  /books/:id         change some fields
    DELETE /books/:id         remove

The books live in a dict owned by the app that ``create_app()`` builds: fine for
a demo and for tests (each test builds its own app), not for production, where
a Worker's memory is neither shared between isolates nor kept (use KV or D1).
"""

from __future__ import annotations

import traceback

from edgekit import App, HTTPException

MAX_TITLE = 200
MAX_PAGE = 100
FIELDS = {"title": str, "author": str, "year": int}


def problem(c, status: int, message: str, **details):
    """The one error shape of this API: ``{"error": message, ...details}``."""
    return c.json({"error": message, **details}, status)


def validate(data: object, *, partial: bool) -> dict:
    """The book fields of a request body; HTTPException(400) naming the first problem."""
    if not isinstance(data, dict):
        raise HTTPException(400, "send a JSON object")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise HTTPException(400, f"unknown field(s): {', '.join(unknown)}")
    if not partial:
        missing = [name for name in FIELDS if name not in data]
        if missing:
            raise HTTPException(400, f"missing field(s): {', '.join(missing)}")
    if not data:
        raise HTTPException(400, "nothing to change: send at least one field")
    book = {}
    for name, value in data.items():
        kind = FIELDS[name]
        # bool is an int in Python, never a year in JSON.
        if not isinstance(value, kind) or isinstance(value, bool):
            raise HTTPException(400, f"{name} must be a {'string' if kind is str else 'whole number'}")
        if kind is str:
            value = value.strip()
            if not 1 <= len(value) <= MAX_TITLE:
                raise HTTPException(400, f"{name} must have 1 to {MAX_TITLE} characters")
        elif not -5000 <= value <= 3000:
            raise HTTPException(400, "year must be between -5000 and 3000")
        book[name] = value
    return book


def query_int(c, name: str, default: int, highest: int) -> int:
    raw = c.req.query(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) > highest:
        raise HTTPException(400, f"{name} must be a whole number from 0 to {highest}")
    return int(raw)


def create_app() -> App:
    """A fresh app with an empty collection."""
    app = App()
    books: dict[int, dict] = {}
    next_id = [1]

    @app.on_error
    def as_json(err, c):
        if isinstance(err, HTTPException):
            return problem(c, err.status, err.message)
        traceback.print_exception(err)  # the details go to the log, never to the client
        return problem(c, 500, "internal error")

    @app.not_found
    def nothing_here(c):
        return problem(c, 404, f"no route for {c.req.method} {c.req.path}")

    def find(c) -> dict:
        book = books.get(int(c.req.param("id")))
        if book is None:
            raise HTTPException(404, f"no book {c.req.param('id')}")
        return book

    @app.get("/books")
    def list_books(c):
        author = c.req.query("author")
        limit = query_int(c, "limit", 20, MAX_PAGE)
        offset = query_int(c, "offset", 0, 10**9)
        found = [b for b in books.values() if author is None or b["author"].lower() == author.lower()]
        return {"books": found[offset : offset + limit], "total": len(found)}

    @app.post("/books")
    async def create_book(c):
        book = {"id": next_id[0], **validate(await c.req.json(), partial=False)}
        books[book["id"]] = book
        next_id[0] += 1
        return c.json(book, 201, {"location": f"/books/{book['id']}"})

    @app.get("/books/:id{[0-9]+}")
    def get_book(c):
        return find(c)

    @app.put("/books/:id{[0-9]+}")
    async def replace_book(c):
        book = find(c)
        book.update(validate(await c.req.json(), partial=False))
        return book

    @app.patch("/books/:id{[0-9]+}")
    async def update_book(c):
        book = find(c)
        book.update(validate(await c.req.json(), partial=True))
        return book

    @app.delete("/books/:id{[0-9]+}")
    def delete_book(c):
        del books[find(c)["id"]]
        return c.body(None, 204)

    return app


app = create_app()
