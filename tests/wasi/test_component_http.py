"""The built component under ``wasmtime serve``, over real HTTP."""

from __future__ import annotations

import time

import httpx
import pytest

from edgekit.bindings.local_env import load_env
from edgekit.preview.wasi import leave_wal

from ..conftest import run
from .conftest import CONFIG, MAX_BODY, Server

pytestmark = pytest.mark.cpython_only


def test_routes_json_kv_and_d1(server: Server) -> None:
    with httpx.Client(base_url=server.url) as client:
        home = client.get("/")
        assert home.status_code == 200 and home.json()["app"] == "edgekit todos"  # [vars] from wrangler.toml
        created = client.post("/todos", json={"title": "from wasm"})
        assert created.status_code == 201, created.text
        todo = created.json()
        assert todo["title"] == "from wasm" and todo["done"] is False
        assert created.headers["location"] == f"/todos/{todo['id']}"
        first = client.get("/todos")
        assert first.headers["x-cache"] == "miss" and todo in first.json()["todos"]
        assert client.get("/todos").headers["x-cache"] == "hit"  # the list came back from KV
        patched = client.patch(f"/todos/{todo['id']}", json={"done": True})
        assert patched.json()["done"] is True
        assert client.delete(f"/todos/{todo['id']}").status_code == 204
        assert client.get(f"/todos/{todo['id']}").status_code == 404


def test_request_parts_reach_the_app(server: Server) -> None:
    response = httpx.post(f"{server.url}/echo?q=a%20b", content=b"x" * 300_000, headers={"user-agent": "probe/1"})
    assert response.json() == {
        "length": 300_000,
        "method": "POST",
        "url": f"{server.url}/echo?q=a%20b",
        "agent": "probe/1",
    }
    # A method wasi:http carries as `other`.
    assert httpx.request("PURGE", f"{server.url}/echo").json() == {"method": "PURGE"}


def test_response_headers_and_streamed_body(server: Server) -> None:
    cookies = httpx.get(f"{server.url}/cookies")
    assert cookies.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert cookies.headers["content-length"] == str(len(b"two cookies"))
    streamed = httpx.get(f"{server.url}/stream?n=12")
    assert streamed.status_code == 200
    assert streamed.content == b"".join(bytes([65 + i]) * 100_000 for i in range(12))
    head = httpx.head(f"{server.url}/")
    assert head.status_code == 200 and head.content == b""


def test_bad_requests_get_4xx_not_a_trap(server: Server) -> None:
    with httpx.Client(base_url=server.url) as client:
        malformed = client.post("/todos", content=b'{"title": ', headers={"content-type": "application/json"})
        assert malformed.status_code == 400 and "Malformed JSON" in malformed.text
        assert client.get("/todos/%zz%C3").status_code == 404
        assert client.get("/?q=%zz").status_code == 200
    # A 413 leaves the rest of the body unread, so the host closes that connection: a new one each.
    announced = httpx.post(f"{server.url}/echo", content=b"x" * (MAX_BODY + 1))
    assert announced.status_code == 413

    def chunks():  # no content-length: the limit is checked while reading
        yield b"y" * (MAX_BODY // 2)
        yield b"y" * (MAX_BODY // 2)
        yield b"y" * 16

    streamed = httpx.post(f"{server.url}/echo", content=chunks())
    assert streamed.status_code == 413
    assert httpx.get(f"{server.url}/").status_code == 200


def test_an_exception_is_a_500_and_the_next_request_works(server: Server) -> None:
    boom = httpx.get(f"{server.url}/boom")
    assert boom.status_code == 500
    # An int beyond 2**53 makes the D1 binding raise inside the handler.
    assert httpx.get(f"{server.url}/todos/99999999999999999999").status_code == 500
    assert httpx.get(f"{server.url}/").status_code == 200


def test_wait_until_runs_after_the_response(server: Server) -> None:
    assert httpx.get(f"{server.url}/later").text == "scheduled"
    # The work runs after the body is out, so the client may look before it is done. It
    # looks through the component: the store's SQLite file is not for readers outside it.
    deadline = time.monotonic() + 10
    while True:
        value = httpx.get(f"{server.url}/later/value").text
        if value or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert value == "done"


def test_state_persists_across_a_restart(server: Server) -> None:
    todo = httpx.post(f"{server.url}/todos", json={"title": "survives"}).json()
    server.restart()
    again = httpx.get(f"{server.url}/todos/{todo['id']}")
    assert again.status_code == 200 and again.json()["title"] == "survives"


def test_without_a_state_dir_the_error_says_how_to_mount_one(built, tmp_path) -> None:
    bare = Server(built.cwasm, tmp_path, mount=False)
    bare.start()
    try:
        response = httpx.get(f"{bare.url}/todos")
        assert response.status_code == 500 and "--dir" in response.text
        assert httpx.get(f"{bare.url}/").status_code == 500  # every request says so; none traps
    finally:
        bare.stop()


def test_stores_left_in_wal_mode_by_cpython_are_explained_then_served_once_turned_back(built, tmp_path) -> None:
    # SQLite in the component has no WAL; edgekit on CPython keeps its stores in WAL mode.
    with run(load_env(CONFIG, state_dir=tmp_path)) as env:
        run(env.CACHE.put("later", "written on CPython"))
    shared = Server(built.cwasm, tmp_path)
    shared.start()
    try:
        refused = httpx.get(f"{shared.url}/later/value")
        assert leave_wal(tmp_path) is None  # what `edgekit dev --runtime wasi` does before serving
        served = httpx.get(f"{shared.url}/later/value")  # a fresh instance: it opens the file again
    finally:
        log = shared.stop()
    assert refused.status_code == 500
    assert "is in WAL mode" in log and "edgekit dev --runtime wasi" in log
    assert (served.status_code, served.text) == (200, "written on CPython")


def test_a_client_gone_mid_body_is_one_line_in_the_log_and_the_next_request_works(built, tmp_path) -> None:
    alone = Server(built.cwasm, tmp_path)
    alone.start()
    try:
        with httpx.stream("GET", f"{alone.url}/stream?n=300") as response:  # 30 MB, streamed
            assert response.status_code == 200
            next(response.iter_raw())
        # Closed after the first chunk; the component is still writing.
        assert httpx.get(f"{alone.url}/").status_code == 200
        time.sleep(0.5)
    finally:
        log = alone.stop()
    assert "the client closed the connection before the whole response body was sent" in log
    assert "caught an exception" not in log and "Traceback" not in log
