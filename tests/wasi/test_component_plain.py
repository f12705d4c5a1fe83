"""The built component in-process through wasmtime-py, by its plain ``handle`` export."""

from __future__ import annotations

import json

import pytest

from edgekit.runtime.wasi_host import ComponentHost

from .conftest import MAX_BODY

pytestmark = pytest.mark.cpython_only

JSON = [("content-type", b"application/json")]


def test_handle_serves_the_app_with_its_bindings(host: ComponentHost, tmp_path) -> None:
    call = host.instance(tmp_path)
    created = call("POST", "/todos", JSON, json.dumps({"title": "in-process"}).encode())
    assert created.status == 201, created.body
    todo = json.loads(created.body)
    assert call("GET", f"http://example.com/todos/{todo['id']}").status == 200
    listed = call("GET", "/todos")
    assert listed.header("x-cache") == ["miss"] and json.loads(listed.body)["todos"] == [todo]
    # A fresh instance on the same state folder sees the same data.
    fresh = host.instance(tmp_path)
    assert json.loads(fresh("GET", "/todos").body)["todos"] == [todo]


def test_a_request_that_uses_no_binding_opens_none(host: ComponentHost, tmp_path) -> None:
    call = host.instance(tmp_path)
    assert call("GET", "/cookies").status == 200
    assert call("GET", "/nowhere").status == 404
    assert list(tmp_path.iterdir()) == []  # no SQLite file, not even the configuration
    assert json.loads(call("GET", "/").body)["app"] == "edgekit todos"  # a var: no store opened
    assert not list(tmp_path.rglob("*.sqlite"))
    created = call("POST", "/todos", JSON, json.dumps({"title": "lazy"}).encode())
    assert created.status == 201, created.body
    assert {path.name for path in tmp_path.rglob("*.sqlite")} == {"todos-cache.sqlite", "todos-local.sqlite"}
    fresh = host.instance(tmp_path)  # a fresh instance on the same state sees the data
    assert fresh("GET", "/cookies").status == 200
    assert [todo["title"] for todo in json.loads(fresh("GET", "/todos").body)["todos"]] == ["lazy"]


def test_handle_carries_headers_and_methods(host: ComponentHost, tmp_path) -> None:
    call = host.instance(tmp_path)
    assert call("GET", "/cookies").header("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]
    echoed = json.loads(call("POST", "https://example.com/echo?x=1", [("user-agent", b"t/1")], b"abc").body)
    assert echoed == {"length": 3, "method": "POST", "url": "https://example.com/echo?x=1", "agent": "t/1"}
    assert json.loads(call("PURGE", "/echo").body) == {"method": "PURGE"}
    assert json.loads(call("post", "/echo").body)["method"] == "POST"  # normalised as Fetch does
    assert len(call("GET", "/stream?n=5").body) == 500_000


def test_bad_input_gets_4xx_and_failures_500(host: ComponentHost, tmp_path) -> None:
    call = host.instance(tmp_path)
    assert call("POST", "/todos", JSON, b"{").status == 400
    assert call("GET", "/%zz").status == 404
    assert call("POST", "/echo", [], b"x" * (MAX_BODY + 1)).status == 413
    assert call("GET", "/", [("bad header", b"x")]).status == 400
    assert call("GET", "http://[::1").status == 400
    assert call("GET", "/boom").status == 500
    assert call("GET", "/").status == 200  # the same instance keeps serving


def test_missing_state_dir_is_a_500_that_names_the_fix(host: ComponentHost) -> None:
    call = host.instance(None)
    response = call("GET", "/todos")
    assert response.status == 500 and b"--dir" in response.body
    # The state directory is checked before the app runs, so every request says so, and none traps.
    assert call("GET", "/cookies").status == 500
