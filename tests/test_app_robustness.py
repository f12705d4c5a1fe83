"""No request crashes the App: arbitrary paths, methods, headers and bodies."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from edgekit import App, Request
from tests.conftest import run


def make_app() -> App:
    app = App()

    @app.use
    async def mw(c, next):
        await next()
        c.header("x-seen", "1")

    app.get("/users/:id")(lambda c: {"id": c.req.param("id"), "q": c.req.queries()})
    app.get("/files/:path{.+}")(lambda c: c.req.param("path"))

    @app.post("/echo")
    async def echo(c):
        return {"json": await c.req.json()}

    @app.put("/form")
    async def form(c):
        return {"n": len(list(await c.req.form()))}

    app.get("/boom/*")(lambda c: 1 / 0)
    return app


APP = make_app()
path_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
methods = st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "PURGE", "get", "x-y"])
bodies = st.one_of(st.none(), st.binary(max_size=200), st.text(max_size=200))
content_types = st.sampled_from(
    ["application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=b", "text/plain", ""]
)


@given(path=path_text, method=methods, body=bodies, content_type=content_types)
def test_any_request_gets_an_http_answer(path, method, body, content_type) -> None:
    try:
        request = Request(
            "http://localhost/" + path,
            method=method,
            headers={"content-type": content_type} if content_type else None,
            body=None if method.upper() in ("GET", "HEAD") else body,
        )
    except (TypeError, ValueError):
        return  # the URL or method itself is not valid HTTP; no request reaches the App
    response = run(APP.fetch(request))
    assert 200 <= response.status <= 599
    assert response.status != 500 or request.path.startswith("/boom/")
    run(response.bytes())


@given(segment=st.text(st.sampled_from("%2FfF0aZ/.\\é"), max_size=12))
def test_percent_escapes_in_params_never_raise(segment) -> None:
    response = run(APP.request("/users/" + segment))
    assert response.status in (200, 404)
