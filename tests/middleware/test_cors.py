"""cors(): Hono's semantics, preflights, Vary, and never reflecting an origin it should not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgekit import App, HTTPException
from edgekit.headers import Headers
from edgekit.middleware.cors import add_vary, check_origin, cors
from tests.conftest import run


def _app(*args: object, **options: object) -> App:
    app = App()
    app.use("/api/*", cors(*args, **options))  # type: ignore[arg-type]

    @app.get("/api/data")
    def data(c: object) -> dict:
        return {"ok": True}

    @app.post("/api/data")
    def post(c: object) -> str:
        return "posted"

    @app.get("/api/fail")
    def fail(c: object) -> str:
        raise HTTPException(409)

    @app.options("/api/plain")
    def plain_options(c: object) -> str:
        return "plain options"

    return app


def _get(app: App, path: str = "/api/data", method: str = "GET", **headers: str):
    return run(app.request(path, method=method, headers={k.replace("_", "-"): v for k, v in headers.items()}))


def _preflight(app: App, origin: str | None = "https://app.example", **headers: str):
    extra = {"access_control_request_method": "POST", **headers}
    if origin is not None:
        extra["origin"] = origin
    return _get(app, method="OPTIONS", **extra)


def test_default_allows_any_origin_without_vary() -> None:
    res = _get(_app(), origin="https://anywhere.example")
    assert res.status == 200
    assert res.headers.get("access-control-allow-origin") == "*"
    assert res.headers.get("vary") is None
    assert res.headers.get("access-control-allow-credentials") is None


def test_default_preflight_is_204_with_methods_and_echoed_headers() -> None:
    res = _preflight(_app(), access_control_request_headers="X-Custom, Content-Type")
    assert res.status == 204 and run(res.bytes()) == b""
    assert res.headers.get("access-control-allow-origin") == "*"
    assert res.headers.get("access-control-allow-methods") == "GET,HEAD,PUT,POST,DELETE,PATCH,QUERY"
    assert res.headers.get("access-control-allow-headers") == "X-Custom, Content-Type"
    assert res.headers.get("vary") == "Access-Control-Request-Headers"
    assert res.headers.get("content-type") is None


def test_plain_options_reaches_the_route() -> None:
    res = _get(_app(), "/api/plain", method="OPTIONS", origin="https://a.example")
    assert run(res.text()) == "plain options"
    assert res.headers.get("access-control-allow-origin") == "*"


def test_fixed_origin_is_always_that_origin_and_varies() -> None:
    app = _app("https://app.example")
    for request_origin in ("https://app.example", "https://evil.example"):
        res = _get(app, origin=request_origin)
        assert res.headers.get("access-control-allow-origin") == "https://app.example"
        assert res.headers.get("vary") == "Origin"


def test_list_reflects_only_listed_origins() -> None:
    app = _app(["https://a.example", "https://b.example:8443"], credentials=True, expose_headers=["X-Total"])
    res = _get(app, origin="https://b.example:8443")
    assert res.headers.get("access-control-allow-origin") == "https://b.example:8443"
    assert res.headers.get("access-control-allow-credentials") == "true"
    assert res.headers.get("access-control-expose-headers") == "X-Total"
    assert res.headers.get("vary") == "Origin"
    for spoofed in (
        "https://evil.example",
        "https://a.example.evil.example",
        "https://a.example/",
        "http://a.example",
        "null",
        "https://A.example",
        "",
        "https://a.example, https://evil.example",
    ):
        res = _get(app, origin=spoofed)
        assert res.status == 200
        assert res.headers.get("access-control-allow-origin") is None, spoofed
        assert res.headers.get("access-control-allow-credentials") is None
        assert res.headers.get("access-control-expose-headers") is None
        assert res.headers.get("vary") == "Origin"


def test_disallowed_preflight_gets_no_allow_headers() -> None:
    res = _preflight(_app(["https://a.example"]), origin="https://evil.example", access_control_request_headers="x")
    assert res.status == 204
    assert [name for name, _ in res.headers.items() if name.startswith("access-control")] == []
    assert res.headers.get("vary") == "Origin"


def test_preflight_with_every_option() -> None:
    app = _app(
        ["https://app.example"],
        allow_methods=["GET", "PATCH"],
        allow_headers=["X-One", "X-Two"],
        max_age=600,
        credentials=True,
    )
    res = _preflight(app, access_control_request_headers="X-Evil")
    assert res.status == 204
    assert dict(res.headers.items()) == {
        "access-control-allow-credentials": "true",
        "access-control-allow-headers": "X-One,X-Two",
        "access-control-allow-methods": "GET,PATCH",
        "access-control-allow-origin": "https://app.example",
        "access-control-max-age": "600",
        "vary": "Origin",
    }


def test_callable_origin_sync_and_async() -> None:
    def sub_domains(origin: str, c: object) -> str | None:
        return origin if origin.endswith(".example.com") and origin.startswith("https://") else None

    async def async_check(origin: str, c: object) -> str | None:
        return "https://fixed.example" if origin else None

    app = _app(sub_domains, credentials=True)
    assert (
        _get(app, origin="https://a.example.com").headers.get("access-control-allow-origin") == "https://a.example.com"
    )
    assert _get(app, origin="https://example.com.evil").headers.get("access-control-allow-origin") is None
    app = _app(async_check)
    assert _get(app, origin="https://x").headers.get("access-control-allow-origin") == "https://fixed.example"
    assert _get(app).headers.get("access-control-allow-origin") is None  # no Origin: "" given to the callable
    assert _get(_app(lambda o, c: 42), origin="https://x").headers.get("access-control-allow-origin") is None


def test_headers_also_go_on_errors_and_not_found_and_keep_existing_vary() -> None:
    app = _app(["https://a.example"])

    @app.get("/api/varies")
    def varies(c: object) -> object:
        return c.text("x", headers={"vary": "Accept-Encoding"})  # type: ignore[attr-defined]

    res = _get(app, "/api/fail", origin="https://a.example")
    assert res.status == 409 and res.headers.get("access-control-allow-origin") == "https://a.example"
    res = _get(app, "/api/missing", origin="https://a.example")
    assert res.status == 404 and res.headers.get("access-control-allow-origin") == "https://a.example"
    assert _get(app, "/api/varies", origin="https://a.example").headers.get("vary") == "Accept-Encoding, Origin"


@pytest.mark.parametrize(
    ("args", "options", "error"),
    [
        (("*",), {"credentials": True}, ValueError),
        (("https://app.example/",), {}, ValueError),
        (("app.example",), {}, ValueError),
        (("https://a.example, https://b.example",), {}, ValueError),
        (("https://a.example\r\nX-Injected: 1",), {}, ValueError),
        ((["https://ok.example", "https://bad.example/path"],), {}, ValueError),
        (([],), {}, ValueError),
        (([3],), {}, TypeError),
        ((), {"allow_methods": ["GET", "P UT"]}, ValueError),
        ((), {"allow_headers": ["X-Ok", "Bad\nHeader"]}, ValueError),
        ((), {"expose_headers": [""]}, ValueError),
        ((), {"max_age": -1}, ValueError),
        ((), {"max_age": "600"}, ValueError),
    ],
)
def test_configuration_errors_raise_at_setup(args: tuple, options: dict, error: type) -> None:
    with pytest.raises(error):
        cors(*args, **options)


def test_helpers() -> None:
    assert check_origin("null") == "null"
    assert check_origin("http://localhost:8787") == "http://localhost:8787"
    headers = Headers({"vary": "*"})
    add_vary(headers, "Origin")
    assert headers.get("vary") == "*"
    headers = Headers({"vary": "origin"})
    add_vary(headers, "Origin")
    assert headers.get("vary") == "origin"
    assert (
        _get(_app("*", allow_methods="GET"), method="OPTIONS", access_control_request_method="GET").headers.get(
            "access-control-allow-methods"
        )
        == "GET"
    )


_ALLOWED = ["https://a.example", "https://b.example:8443"]


@given(st.one_of(st.sampled_from(_ALLOWED), st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30)))
def test_an_origin_is_reflected_only_when_listed(origin: str) -> None:
    for res in (_get(_app(_ALLOWED, credentials=True), origin=origin), _preflight(_app(_ALLOWED), origin=origin)):
        reflected = res.headers.get("access-control-allow-origin")
        assert reflected == (origin.strip() if origin.strip() in _ALLOWED else None)
