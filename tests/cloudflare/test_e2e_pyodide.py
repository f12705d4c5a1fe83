"""End to end in real Pyodide 0.28.2: the Worker entry behind HTTP, as workerd runs it.

Each module-scoped preview is ``edgekit dev --runtime pyodide`` (``serve``): Node
loads Pyodide and miniflare's KV, D1 and Cache simulators, imports the entry module, and
hands every HTTP request to ``Default(ctx, env).fetch`` as a JavaScript ``Request``.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cloudflare.preview import NODE_MARKS, Preview

pytestmark = NODE_MARKS

E2E = Path(__file__).with_name("e2e_app")


@pytest.fixture(scope="module")
def todos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preview]:
    state = tmp_path_factory.mktemp("todos-state")
    preview = Preview("--config", "wrangler.toml", "--state-dir", str(state))
    yield preview
    preview.stop()


@pytest.fixture(scope="module")
def hello() -> Iterator[Preview]:
    preview = Preview("examples/hello/worker.py")
    yield preview
    preview.stop()


@pytest.fixture(scope="module")
def e2e(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preview]:
    state = tmp_path_factory.mktemp("e2e-state")
    preview = Preview("--config", str(E2E / "wrangler.toml"), "--state-dir", str(state))
    yield preview
    preview.stop()


def test_todos_crud_over_d1_and_kv(todos: Preview) -> None:
    assert "D1 DB: applied 0001_create_todos.sql" in "\n".join(todos.lines)
    status, _, body = todos.request("/")
    assert status == 200 and json.loads(body)["app"] == "edgekit todos"  # [vars] from wrangler.toml
    status, headers, body = todos.request(
        "/todos", "POST", json.dumps({"title": " buy milk "}).encode(), {"content-type": "application/json"}
    )
    assert status == 201
    created = json.loads(body)
    assert created["title"] == "buy milk" and created["done"] is False
    assert headers["location"] == f"/todos/{created['id']}"
    status, headers, body = todos.request("/todos")
    assert status == 200 and headers["x-cache"] == "miss"
    assert [t["title"] for t in json.loads(body)["todos"]] == ["buy milk"]
    status, headers, _ = todos.request("/todos")
    assert headers["x-cache"] == "hit"  # the list came back from KV
    status, _, body = todos.request(
        f"/todos/{created['id']}", "PATCH", b'{"done": true}', {"content-type": "application/json"}
    )
    assert status == 200 and json.loads(body)["done"] is True
    status, _, body = todos.request(f"/todos/{created['id']}", "DELETE")
    assert status == 204 and body == b""
    assert todos.request(f"/todos/{created['id']}")[0] == 404


def test_todos_bad_input_is_a_400(todos: Preview) -> None:
    status, _, body = todos.request("/todos", "POST", b"{not json", {"content-type": "application/json"})
    assert status == 400 and b"Malformed JSON" in body
    status, _, body = todos.request("/todos", "POST", b'{"title": ""}', {"content-type": "application/json"})
    assert status == 400 and b"title" in body


def test_hello_routes_json_and_middleware(hello: Preview) -> None:
    status, headers, body = hello.request("/")
    assert (status, body) == (200, b"Hello from edgekit!")
    assert headers["server-timing"].startswith("app;dur=")
    status, _, body = hello.request("/hello/Pyodide")
    assert json.loads(body) == {"message": "Hello, Pyodide!"}
    status, _, body = hello.request("/books?since=1990")
    assert [b["id"] for b in json.loads(body)["books"]] == ["1"]
    status, _, body = hello.request("/echo", "POST", b'{"a": [1, 2]}', {"content-type": "application/json"})
    assert json.loads(body) == {"you_sent": {"a": [1, 2]}}
    assert hello.request("/books?since=x")[0] == 400
    status, _, body = hello.request("/nope")
    assert (status, body) == (404, b"404 Not Found")


def test_several_set_cookie_headers_stay_separate(e2e: Preview) -> None:
    status, headers, _ = e2e.request("/cookies")
    assert status == 200
    assert headers.get_all("set-cookie") == ["a=1; Path=/", "b=2; HttpOnly"]


def test_streamed_response(e2e: Preview) -> None:
    status, headers, body = e2e.request("/stream")
    assert status == 200
    assert headers["transfer-encoding"] == "chunked"
    assert body == b"chunk 0\nchunk 1\nchunk 2\n"


def test_a_failing_stream_is_cut_off_not_hung(e2e: Preview) -> None:
    with pytest.raises(http.client.IncompleteRead) as cut:
        e2e.request("/broken-stream")
    assert cut.value.partial == b"first\n"
    e2e.wait_for("[py] edgekit: the response stream failed: RuntimeError('the stream broke')", timeout=10)
    assert e2e.request("/cookies")[0] == 200


def test_wait_until_runs_after_the_response(e2e: Preview) -> None:
    status, _, body = e2e.request("/later/k1", "POST", b"stored later")
    assert (status, body) == (202, b"scheduled")
    deadline = time.monotonic() + 10
    value = None
    while time.monotonic() < deadline and value is None:
        value = json.loads(e2e.request("/kv/k1")[2])["value"]
        time.sleep(0.05)
    assert value == "stored later"
    e2e.wait_for("waitUntil: settled", timeout=10)


def test_request_body_bytes_round_trip(e2e: Preview) -> None:
    payload = bytes(range(256)) * 1000
    status, headers, body = e2e.request("/echo", "POST", payload)
    assert status == 200 and headers["x-length"] == str(len(payload)) and body == payload


def test_unread_bodies_are_drained(e2e: Preview) -> None:
    # Under wrangler dev a body of 16 KB or more left unread hangs the next request.
    for _ in range(3):
        status, _, body = e2e.request("/unread", "POST", b"x" * 64 * 1024)
        assert (status, body) == (200, b"did not read the body")


def test_exception_is_a_500_and_the_worker_survives(e2e: Preview) -> None:
    status, _, body = e2e.request("/boom")
    assert status == 500 and b"Internal Server Error" in body
    status, _, body = e2e.request("/exit")  # SystemExit must not take the isolate down
    assert (status, body) == (500, b"Internal Server Error")
    assert e2e.request("/cookies")[0] == 200


def test_no_body_for_204_and_head(e2e: Preview) -> None:
    status, _, body = e2e.request("/empty")
    assert (status, body) == (204, b"")
    status, headers, body = e2e.request("/cookies", "HEAD")
    assert (status, body) == (200, b"")
    assert headers.get_all("set-cookie") == ["a=1; Path=/", "b=2; HttpOnly"]


def test_a_method_fetch_refuses_is_a_400(e2e: Preview) -> None:
    status, _, body = e2e.request("/cookies", "TRACE")
    assert status == 400 and b"TRACE" in body


def test_vars_and_workers_cache(e2e: Preview) -> None:
    assert json.loads(e2e.request("/var")[2]) == {"GREETING": "hi from wrangler.toml"}
    status, _, body = e2e.request("/cache")
    assert status == 200
    assert json.loads(body) == {"before": True, "hit": [200, "cached body", "e2e"], "deleted": [True, False]}


def test_on_fetch_form() -> None:
    preview = Preview(str(E2E / "on_fetch_worker.py"))
    try:
        status, headers, _ = preview.request("/cookies")
        assert status == 200 and headers.get_all("set-cookie") == ["a=1; Path=/", "b=2; HttpOnly"]
        assert preview.request("/exit")[0] == 500
        assert preview.request("/stream")[2] == b"chunk 0\nchunk 1\nchunk 2\n"
    finally:
        preview.stop()
