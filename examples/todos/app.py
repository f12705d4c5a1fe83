"""A todo API on D1, with the list cached in KV.

Run it:  scripts/preview.sh   (or: python -m edgekit dev examples/todos/app.py)
Bindings come from wrangler.toml beside this file: locally SQLite files under
.edgekit/state, on Cloudflare the real KV namespace and D1 database.
"""

from __future__ import annotations

from edgekit import App, HTTPException
from edgekit.json_codec import dumps

app = App()

LIST_KEY = "todos:all"
CACHE_TTL = 60  # seconds; Workers KV's minimum


async def parse_todo(c, *, partial: bool) -> dict:
    """The JSON body as a todo: a non-empty ``title`` (up to 200 chars) and a boolean ``done``."""
    data = await c.req.json()
    if not isinstance(data, dict):
        raise HTTPException(400, "send a JSON object")
    todo = {}
    if "title" in data or not partial:
        title = data.get("title")
        if not isinstance(title, str) or not 1 <= len(title.strip()) <= 200:
            raise HTTPException(400, "title must be a string of 1 to 200 characters")
        todo["title"] = title.strip()
    if "done" in data:
        if not isinstance(data["done"], bool):
            raise HTTPException(400, "done must be true or false")
        todo["done"] = data["done"]
    if not todo:
        raise HTTPException(400, "nothing to change: send title and/or done")
    return todo


def as_json(row: dict) -> dict:
    return {**row, "done": bool(row["done"])}


async def find(c, todo_id: str) -> dict:
    row = await c.env.DB.prepare("SELECT * FROM todos WHERE id = ?").bind(int(todo_id)).first()
    if row is None:
        raise HTTPException(404, f"no todo {todo_id}")
    return row


@app.get("/")
async def home(c):
    return {"app": c.env.APP_NAME, "endpoints": ["GET /todos", "POST /todos", "GET|PATCH|DELETE /todos/:id"]}


@app.get("/todos")
async def list_todos(c):
    cached = await c.env.CACHE.get(LIST_KEY, type="json")
    if cached is not None:
        c.header("x-cache", "hit")
        return cached
    result = await c.env.DB.prepare("SELECT * FROM todos ORDER BY id").all()
    todos = {"todos": [as_json(row) for row in result.results]}
    await c.env.CACHE.put(LIST_KEY, dumps(todos), expiration_ttl=CACHE_TTL)
    c.header("x-cache", "miss")
    return todos


@app.post("/todos")
async def create_todo(c):
    todo = await parse_todo(c, partial=False)
    row = await (
        c.env.DB.prepare("INSERT INTO todos (title, done) VALUES (?, ?) RETURNING *")
        .bind(todo["title"], int(todo.get("done", False)))
        .first()
    )
    await c.env.CACHE.delete(LIST_KEY)
    return c.json(as_json(row), 201, headers={"location": f"/todos/{row['id']}"})


@app.get("/todos/:id{[0-9]+}")
async def get_todo(c):
    return as_json(await find(c, c.req.param("id")))


@app.patch("/todos/:id{[0-9]+}")
async def update_todo(c):
    changes = await parse_todo(c, partial=True)
    row = await find(c, c.req.param("id"))
    row.update({**changes, "done": int(changes.get("done", row["done"]))})
    await c.env.DB.prepare("UPDATE todos SET title = ?, done = ? WHERE id = ?").bind(
        row["title"], row["done"], row["id"]
    ).run()
    await c.env.CACHE.delete(LIST_KEY)
    return as_json(row)


@app.delete("/todos/:id{[0-9]+}")
async def delete_todo(c):
    await find(c, c.req.param("id"))
    await c.env.DB.prepare("DELETE FROM todos WHERE id = ?").bind(int(c.req.param("id"))).run()
    await c.env.CACHE.delete(LIST_KEY)
    return c.body(None, 204)
