"""The OpenAPI document: paths, params, validators, metadata, serving."""

from __future__ import annotations

import sys

import pytest

from edgekit import App
from edgekit.helpers.validator import validator
from edgekit.openapi import describe_route, generate, openapi
from tests.conftest import msgspec, needs_msgspec, run

if msgspec is not None:

    class NewUser(msgspec.Struct):
        name: str
        age: int = 0

    class User(msgspec.Struct):
        id: int
        name: str

    class Paging(msgspec.Struct):
        limit: int = 10
        tag: list[str] = []

    class Ids(msgspec.Struct):
        id: int

    class Trace(msgspec.Struct, rename="kebab"):
        x_trace_id: str


def _app() -> App:
    app = App()

    @app.use
    async def timing(c, next):
        await next()

    @app.get("/users")
    @validator("query", Paging)
    def list_users(c):
        """List users.

        More words here."""
        return []

    @app.post("/users")
    @describe_route(
        summary="Create a user", tags=["users"], responses={201: User, 409: "Name taken"}, operation_id="createUser"
    )
    @validator("json", NewUser)
    @validator("header", Trace)
    def create_user(c):
        return {}

    @app.get("/users/:id{[0-9]+}")
    @validator("param", Ids)
    def get_user(c):
        return {}

    @app.get("/animal/:type?")
    def animal(c):
        return {}

    @app.get("/static/*")
    def static(c):
        return "x"

    @app.all("/any")
    def anything(c):
        return "x"

    @app.get("/secret")
    @describe_route(hidden=True)
    def secret(c):
        return "x"

    app.use("/login", validator("form", NewUser))

    @app.post("/login")
    @describe_route(deprecated=True, description="Old login")
    def login(c):
        return "x"

    @app.get("/dup")
    def first(c):
        return "1"

    @app.get("/dup")
    def second(c):
        return "2"

    return app


@needs_msgspec
def test_document_shape():
    doc = generate(_app(), title="T", version="9", description="D", servers=["https://api.example.com"])
    assert doc["openapi"] == "3.1.0"
    assert doc["info"] == {"title": "T", "version": "9", "description": "D"}
    assert doc["servers"] == [{"url": "https://api.example.com"}]
    assert list(doc["paths"]) == ["/users", "/users/{id}", "/animal", "/animal/{type}", "/login", "/dup"]


@needs_msgspec
def test_query_and_path_params_and_docstring_summary():
    doc = generate(_app())
    op = doc["paths"]["/users"]["get"]
    assert op["summary"] == "List users."
    assert op["operationId"] == "list_users"
    assert op["parameters"] == [
        {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "default": 10}},
        {
            "name": "tag",
            "in": "query",
            "required": False,
            "schema": {"type": "array", "items": {"type": "string"}, "default": []},
        },
    ]
    get_user = doc["paths"]["/users/{id}"]["get"]
    assert get_user["parameters"] == [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    animal = doc["paths"]["/animal/{type}"]["get"]
    assert animal["parameters"] == [{"name": "type", "in": "path", "required": True, "schema": {"type": "string"}}]
    assert "parameters" not in doc["paths"]["/animal"]["get"]
    assert doc["paths"]["/animal"]["get"]["operationId"] != animal["operationId"]


def test_regex_param_without_validator_keeps_its_pattern():
    app = App()

    @app.get("/posts/:date{[0-9]{8}}/:slug")
    def post(c):
        return "x"

    params = generate(app)["paths"]["/posts/{date}/{slug}"]["get"]["parameters"]
    assert params[0] == {
        "name": "date",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": "^(?:[0-9]{8})$"},
    }
    assert params[1]["name"] == "slug"


@needs_msgspec
def test_body_headers_responses_and_metadata():
    doc = generate(_app())
    op = doc["paths"]["/users"]["post"]
    assert op["summary"] == "Create a user" and op["tags"] == ["users"] and op["operationId"] == "createUser"
    assert op["requestBody"] == {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewUser"}}},
    }
    assert op["parameters"] == [{"name": "x-trace-id", "in": "header", "required": True, "schema": {"type": "string"}}]
    assert op["responses"]["201"] == {
        "description": "Created",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}},
    }
    assert op["responses"]["409"] == {"description": "Name taken"}
    assert op["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ValidationError"
    }
    schemas = doc["components"]["schemas"]
    assert schemas["NewUser"]["required"] == ["name"]
    assert set(schemas["User"]["properties"]) == {"id", "name"}
    assert schemas["ValidationError"]["required"] == ["error", "target", "issues"]


@needs_msgspec
def test_middleware_validator_form_body_and_flags():
    op = generate(_app())["paths"]["/login"]["post"]
    content = op["requestBody"]["content"]
    assert list(content) == ["application/x-www-form-urlencoded", "multipart/form-data"]
    assert op["deprecated"] is True and op["description"] == "Old login"


@needs_msgspec
def test_left_out_routes():
    paths = generate(_app())["paths"]
    assert "/static" not in paths and "/any" not in paths and "/secret" not in paths
    assert paths["/dup"]["get"]["operationId"] == "first"  # the first handler describes it
    assert "/" not in paths  # middleware is not an operation


def test_callable_validator_with_and_without_schema_json():
    app = App()

    @app.get("/a")
    @validator(
        "query",
        lambda q, c: q,
        schema_json={"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
    )
    def a(c):
        return "x"

    @app.post("/b")
    @validator("json", lambda v, c: v, schema_json={"type": "array"})
    @validator("cookie", lambda v, c: v)
    def b(c):
        return "x"

    doc = generate(app)
    assert doc["paths"]["/a"]["get"]["parameters"] == [
        {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}
    ]
    b_op = doc["paths"]["/b"]["post"]
    assert b_op["requestBody"]["content"]["application/json"] == {"schema": {"type": "array"}}
    assert "parameters" not in b_op


def test_describe_route_refuses_bad_status():
    with pytest.raises(ValueError, match="response status"):
        describe_route(responses={999: "x"})


@needs_msgspec
def test_served_and_rebuilt_when_routes_change():
    app = _app()
    openapi(app, "/docs/openapi.json", title="Users", version="2")
    res = run(app.request("/docs/openapi.json"))
    assert res.status == 200 and res.headers.get("content-type") == "application/json"
    doc = run(res.json())
    assert doc["info"] == {"title": "Users", "version": "2"}
    assert "/docs/openapi.json" not in doc["paths"]

    @app.get("/later")
    def later(c):
        return "x"

    doc = run(run(app.request("/docs/openapi.json")).json())
    assert "/later" in doc["paths"]


@needs_msgspec
def test_sub_apps_keep_their_validators():
    sub = App()

    @sub.get("/items/:id")
    @validator("param", Ids)
    def item(c):
        return {}

    app = App()
    app.route("/api", sub)
    params = generate(app)["paths"]["/api/items/{id}"]["get"]["parameters"]
    assert params == [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]


def test_without_msgspec(monkeypatch):
    app = App()

    @app.get("/plain")
    @validator("query", lambda q, c: q)
    def plain(c):
        return "x"

    monkeypatch.setitem(sys.modules, "msgspec", None)
    doc = generate(app)
    assert doc["paths"]["/plain"]["get"]["responses"]["400"]
    typed = App()
    typed.post("/typed")(validator("json", dict[str, int])(lambda c: "x"))
    with pytest.raises(RuntimeError, match="needs msgspec"):
        generate(typed)
