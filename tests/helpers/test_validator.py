"""Validation of every target, with msgspec Structs and with plain callables (msgspec missing too)."""

from __future__ import annotations

import sys

import pytest

from edgekit import App, FormData, HTTPException
from edgekit.helpers.validator import Invalid, valid, validator
from tests.conftest import msgspec, needs_msgspec, run

if msgspec is not None:

    class User(msgspec.Struct):
        name: str
        age: int = 0

    class Search(msgspec.Struct):
        q: str
        page: int = 1
        tag: list[str] = []

    class Item(msgspec.Struct):
        id: int

    class Trace(msgspec.Struct, rename="kebab"):
        x_trace_id: str

    class Session(msgspec.Struct):
        sid: str


def _app() -> App:
    app = App()

    @app.post("/users")
    @validator("json", User)
    async def create(c):
        user = valid(c, "json")
        assert isinstance(user, User)
        return c.json({"name": user.name, "age": user.age}, 201)

    @app.get("/search")
    @validator("query", Search)
    def search(c):
        s = valid(c, "query")
        return {"q": s.q, "page": s.page, "tag": s.tag}

    @app.get("/items/:id")
    @validator("param", Item)
    def item(c):
        return {"id": valid(c, "param").id}

    @app.get("/trace")
    @validator("header", Trace)
    @validator("cookie", Session)
    def trace(c):
        return {"trace": valid(c, "header").x_trace_id, "sid": valid(c, "cookie").sid}

    @app.post("/form")
    @validator("form", Search)
    def form(c):
        s = valid(c, "form")
        return {"q": s.q, "page": s.page, "tag": s.tag}

    return app


def call(app, path, **kwargs):
    res = run(app.request(path, **kwargs))
    return res.status, run(res.json())


@needs_msgspec
def test_json_valid_and_invalid():
    app = _app()
    assert call(app, "/users", method="POST", json={"name": "ada", "age": 36}) == (201, {"name": "ada", "age": 36})
    status, body = call(app, "/users", method="POST", json={"name": "ada", "age": "36"})
    assert status == 400
    assert body == {
        "error": "validation",
        "target": "json",
        "issues": [{"path": "$.age", "message": "Expected `int`, got `str`"}],
    }
    status, body = call(app, "/users", method="POST", json={"age": 3})
    assert status == 400 and body["issues"][0]["message"] == "Object missing required field `name`"
    status, body = call(app, "/users", method="POST", json=[1, 2])
    assert status == 400 and body["issues"][0]["path"] == "$"


@needs_msgspec
@pytest.mark.parametrize(
    ("headers", "body", "needle"),
    [
        ({"content-type": "application/json"}, '{"name": ', "malformed JSON"),
        ({"content-type": "application/json"}, "", "malformed JSON"),
        ({"content-type": "application/json"}, '{"name": NaN}', "malformed JSON"),
        ({"content-type": "text/plain"}, '{"name": "a"}', "expected a JSON body"),
        ({}, '{"name": "a"}', "expected a JSON body"),
        ({"content-type": "application/json"}, b"\xff\xfe{", "malformed JSON"),
    ],
)
def test_json_bad_bodies_are_400(headers, body, needle):
    status, out = call(_app(), "/users", method="POST", headers=headers, body=body)
    assert status == 400 and out["target"] == "json"
    assert needle in out["issues"][0]["message"]


@needs_msgspec
def test_json_with_a_plus_json_type():
    status, _ = call(
        _app(),
        "/users",
        method="POST",
        headers={"content-type": "application/vnd.api+json; charset=utf-8"},
        body='{"name": "a"}',
    )
    assert status == 201


@needs_msgspec
def test_query_converts_strings_and_collects_lists():
    app = _app()
    assert call(app, "/search?q=x&page=3&tag=a&tag=b&q=ignored") == (200, {"q": "x", "page": 3, "tag": ["a", "b"]})
    status, body = call(app, "/search?page=2")
    assert status == 400 and body["target"] == "query"
    status, body = call(app, "/search?q=x&page=two")
    assert (status, body["issues"][0]["path"]) == (400, "$.page")


@needs_msgspec
def test_param_header_cookie():
    app = _app()
    assert call(app, "/items/42") == (200, {"id": 42})
    status, body = call(app, "/items/abc")
    assert (status, body["target"], body["issues"][0]["path"]) == (400, "param", "$.id")
    ok = call(app, "/trace", headers={"x-trace-id": "t1", "cookie": "sid=s1; junk"})
    assert ok == (200, {"trace": "t1", "sid": "s1"})
    status, body = call(app, "/trace", headers={"cookie": "sid=s1"})
    assert (status, body["target"]) == (400, "header")
    status, body = call(app, "/trace", headers={"x-trace-id": "t1", "cookie": "garbage"})
    assert (status, body["target"]) == (400, "cookie")


@needs_msgspec
def test_form_urlencoded_multipart_and_wrong_type():
    app = _app()
    ok = call(
        app,
        "/form",
        method="POST",
        headers={"content-type": "application/x-www-form-urlencoded"},
        body="q=x&tag=a&tag=b&page=2",
    )
    assert ok == (200, {"q": "x", "page": 2, "tag": ["a", "b"]})
    form = FormData()
    form.append("q", "y")
    assert call(app, "/form", method="POST", body=form) == (200, {"q": "y", "page": 1, "tag": []})
    status, body = call(app, "/form", method="POST", json={"q": "x"})
    assert status == 400 and "expected a form body" in body["issues"][0]["message"]
    status, body = call(
        app, "/form", method="POST", headers={"content-type": "multipart/form-data; boundary=zz"}, body="garbage"
    )
    assert status == 400 and "malformed form body" in body["issues"][0]["message"]


def test_as_middleware_and_with_a_callable():
    app = App()

    def positive(value, c):
        n = int(value.get("n", "x"))  # ValueError on a non-number -> 400
        if n <= 0:
            raise Invalid("must be positive", path="$.n")
        return n

    app.use("/n", validator("query", positive))

    @app.get("/n")
    def n(c):
        return {"n": valid(c, "query"), "same": c.req.valid("query")}

    assert call(app, "/n?n=5") == (200, {"n": 5, "same": 5})
    status, body = call(app, "/n?n=-1")
    assert body == {
        "error": "validation",
        "target": "query",
        "issues": [{"path": "$.n", "message": "must be positive"}],
    }
    status, body = call(app, "/n?n=abc")
    assert status == 400 and body["issues"][0]["path"] == "$" and "invalid literal" in body["issues"][0]["message"]


def test_callable_may_answer_or_raise_http_exception_or_crash():
    app = App()

    async def teapot(value, c):
        return c.text("no", 418)

    def forbidden(value, c):
        raise HTTPException(403, "go away")

    def buggy(value, c):
        raise KeyError("bug")

    for path, check in (("/a", teapot), ("/b", forbidden), ("/c", buggy)):
        app.get(path)(validator("header", check)(lambda c: "unreached"))

    assert run(app.request("/a")).status == 418
    assert run(app.request("/b")).status == 403
    assert run(app.request("/c")).status == 500  # a bug in the check is not bad input


def test_handler_taking_next_keeps_its_arity():
    app = App()

    @app.get("/x")
    @validator("query", lambda q, c: q)
    async def h(c, next):
        await next()

    @app.get("/x")
    def second(c):
        return {"seen": valid(c, "query")}

    assert call(app, "/x?a=1") == (200, {"seen": {"a": "1"}})


def test_valid_without_validator_and_unknown_target():
    app = App()

    @app.get("/")
    def h(c):
        return valid(c, "json")

    assert run(app.request("/")).status == 500
    with pytest.raises(ValueError, match="unknown validation target"):
        validator("body", lambda v, c: v)


@needs_msgspec
def test_validators_are_carried_for_openapi():
    @validator("json", User)
    @validator("query", Search)
    def h(c):
        return "x"

    assert [(v.target, v.schema) for v in h.__edgekit_validators__] == [("query", Search), ("json", User)]
    assert h.__name__ == "h"


def test_without_msgspec(monkeypatch):
    monkeypatch.setitem(sys.modules, "msgspec", None)  # import msgspec now raises ImportError
    app = App()

    @app.post("/typed")
    @validator("json", dict[str, int])
    def typed(c):
        return "x"

    def named(value, c):
        if not isinstance(value, dict) or "name" not in value:
            raise ValueError("name required")
        return value["name"]

    @app.post("/plain")
    @validator("json", named)
    def plain(c):
        return {"name": valid(c, "json")}

    assert call(app, "/plain", method="POST", json={"name": "ada"}) == (200, {"name": "ada"})
    status, body = call(app, "/plain", method="POST", json={})
    assert (status, body["issues"]) == (400, [{"path": "$", "message": "name required"}])
    status, body = call(app, "/plain", method="POST", headers={"content-type": "application/json"}, body="{")
    assert status == 400
    assert run(app.request("/typed", method="POST", json={"name": "a"})).status == 500  # msgspec needed: a setup error


@pytest.mark.cpython_only
def test_importing_the_module_does_not_import_msgspec():
    import subprocess

    code = "import sys; import edgekit.helpers.validator; print('msgspec' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"
