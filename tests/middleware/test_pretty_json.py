from __future__ import annotations

import json

import pytest

from edgekit import App, Context, Response
from edgekit.middleware.pretty_json import is_json_type, pretty_dumps, pretty_json
from tests.conftest import run

DATA = {"name": "caf\u00e9", "n": [1, 2.5, 1e21, None, True], "empty": {}, "none": [], "nested": {"a": [{"b": {}}]}}


def _app(**options: object) -> App:
    app = App()
    app.use(pretty_json(**options))  # type: ignore[arg-type]

    @app.get("/data")
    def data(c: Context) -> object:
        c.header("set-cookie", "a=1")
        c.header("set-cookie", "b=2", append=True)
        return c.json(DATA, 201, headers={"x-extra": "1", "content-length": "999"})

    @app.get("/text")
    def text(c: Context) -> str:
        return '{"a":1}'

    @app.get("/problem")
    def problem(c: Context) -> object:
        return Response('{"title":"x"}', headers={"content-type": "application/problem+json; charset=utf-8"})

    @app.get("/broken")
    def broken(c: Context) -> object:
        return Response("{not json", headers={"content-type": "application/json"})

    @app.get("/stream")
    def stream(c: Context) -> object:
        async def chunks():  # type: ignore[no-untyped-def]
            yield b'{"a":'
            yield b"1}"

        return c.body(chunks(), headers={"content-type": "application/json"})

    return app


def test_compact_without_the_query() -> None:
    res = run(_app().request("/data"))
    assert run(res.text()) == json.dumps(DATA, separators=(",", ":"), ensure_ascii=False).replace("1e+21", "1e+21")


def test_pretty_with_the_query_matches_json_stringify() -> None:
    res = run(_app().request("/data?pretty"))
    expected = (
        '{\n  "name": "caf\u00e9",\n  "n": [\n    1,\n    2.5,\n    1e+21,\n    null,\n    true\n  ],\n'
        '  "empty": {},\n  "none": [],\n  "nested": {\n    "a": [\n      {\n        "b": {}\n      }\n    ]\n  }\n}'
    )
    assert run(res.text()) == expected
    assert json.loads(expected) == DATA


def test_status_and_headers_survive() -> None:
    res = run(_app().request("/data?pretty=1"))
    assert res.status == 201
    assert res.headers.get("content-type") == "application/json"
    assert res.headers.get("x-extra") == "1"
    assert res.headers.get_set_cookie() == ["a=1", "b=2"]
    assert res.headers.get("content-length") is None


def test_space_query_name_and_force() -> None:
    assert run(run(_app(space=4, query="indent").request("/data?indent")).text()).startswith('{\n    "name"')
    assert run(run(_app(space=4, query="indent").request("/data?pretty")).text()).startswith('{"name"')
    assert run(run(_app(force=True).request("/data")).text()).startswith('{\n  "name"')


def test_plus_json_types_are_indented() -> None:
    res = run(_app().request("/problem?pretty"))
    assert run(res.text()) == '{\n  "title": "x"\n}'
    assert res.headers.get("content-type") == "application/problem+json; charset=utf-8"


@pytest.mark.parametrize(("path", "body"), [("/text", '{"a":1}'), ("/broken", "{not json"), ("/stream", '{"a":1}')])
def test_others_pass_through(path: str, body: str) -> None:
    assert run(run(_app().request(path + "?pretty")).text()) == body


def test_pretty_dumps_scalars() -> None:
    assert pretty_dumps("x") == '"x"'
    assert pretty_dumps([], 3) == "[]"
    assert pretty_dumps([[1]], 1) == "[\n [\n  1\n ]\n]"


def test_is_json_type() -> None:
    assert is_json_type("Application/JSON; charset=utf-8")
    assert is_json_type("application/vnd.api+json")
    assert not is_json_type("text/json+html") and not is_json_type(None) and not is_json_type("text/plain")


@pytest.mark.parametrize("bad", [{"space": 0}, {"space": 11}, {"space": True}, {"query": ""}])
def test_bad_options(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        pretty_json(**bad)  # type: ignore[arg-type]
