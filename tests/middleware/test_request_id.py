from __future__ import annotations

import uuid

import pytest

from edgekit import App, Context
from edgekit.middleware.request_id import is_safe_request_id, request_id
from tests.conftest import run


def _app(**options: object) -> App:
    app = App()
    app.use(request_id(**options))  # type: ignore[arg-type]

    @app.get("/")
    def index(c: Context) -> dict[str, str]:
        return {"id": c.get("request_id")}

    return app


def test_generates_a_uuid4_and_sends_it_back() -> None:
    res = run(_app().request("/"))
    rid = res.headers.get("x-request-id")
    assert rid is not None and uuid.UUID(rid).version == 4
    assert run(res.json()) == {"id": rid}


def test_each_request_gets_its_own() -> None:
    app = _app()
    ids = {run(app.request("/")).headers.get("x-request-id") for _ in range(5)}
    assert len(ids) == 5


def test_reuses_a_safe_incoming_id() -> None:
    res = run(_app().request("/", headers={"x-request-id": "lb-7f3a:01=+/x.y_z"}))
    assert res.headers.get("x-request-id") == "lb-7f3a:01=+/x.y_z"
    assert run(res.json()) == {"id": "lb-7f3a:01=+/x.y_z"}


@pytest.mark.parametrize(
    "hostile",
    ["x" * 256, "a b", "id\u00e9", "<script>", "a;b", "%0d%0aSet-Cookie", "a\tb", '"quoted"'],
)
def test_unsafe_incoming_ids_are_replaced(hostile: str) -> None:
    res = run(_app().request("/", headers={"x-request-id": hostile}))
    rid = res.headers.get("x-request-id")
    assert rid != hostile and uuid.UUID(rid or "")


def test_limit_and_custom_header_and_generator() -> None:
    counter = iter(range(100))
    app = _app(header_name="X-Trace", limit=4, generator=lambda c: f"gen-{next(counter)}", variable="trace")

    @app.get("/t")
    def t(c: Context) -> str:
        return c.get("trace")

    assert run(app.request("/t", headers={"x-trace": "abcd"})).headers.get("x-trace") == "abcd"
    res = run(app.request("/t", headers={"x-trace": "abcde"}))
    assert res.headers.get("x-trace") == "gen-0" and run(res.text()) == "gen-0"
    assert res.headers.get("x-request-id") is None


def test_header_name_empty_disables_header() -> None:
    res = run(_app(header_name="").request("/", headers={"x-request-id": "abc"}))
    assert res.headers.get("x-request-id") is None
    assert run(res.json())["id"] != "abc"


def test_on_not_found_and_errors_too() -> None:
    app = _app()

    @app.get("/boom")
    def boom(c: Context) -> str:
        raise RuntimeError("x")

    assert run(app.request("/missing")).headers.get("x-request-id")
    assert run(app.request("/boom")).headers.get("x-request-id")


def test_a_bad_generator_is_a_clear_error() -> None:
    res = run(_app(generator=lambda c: None).request("/"))
    assert res.status == 500


@pytest.mark.parametrize("bad", [{"limit": 0}, {"limit": True}, {"header_name": "bad header"}])
def test_bad_options(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        request_id(**bad)  # type: ignore[arg-type]


def test_is_safe_request_id() -> None:
    assert is_safe_request_id("abc-123")
    assert not is_safe_request_id("")
    assert not is_safe_request_id("abc", limit=2)
