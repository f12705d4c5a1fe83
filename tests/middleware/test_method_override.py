from __future__ import annotations

import pytest

from edgekit import App, Context, FormData
from edgekit.middleware.method_override import method_override
from tests.conftest import run

FORM = {"content-type": "application/x-www-form-urlencoded"}


def _app(**options: object) -> tuple[App, list[str]]:
    seen: list[str] = []
    app = App()

    @app.use
    async def record(c: Context, next: object) -> None:
        seen.append(c.req.method)
        await next()  # type: ignore[operator]

    app.use(method_override(app, **options))  # type: ignore[arg-type]

    @app.post("/posts/:id")
    async def post(c: Context) -> str:
        return "created"

    @app.delete("/posts/:id")
    async def delete(c: Context) -> str:
        return f"deleted {c.req.param('id')} env={c.env}"

    @app.put("/posts/:id")
    async def put(c: Context) -> str:
        form = await c.req.form()
        return f"put title={form.get('title')}"

    @app.patch("/posts/:id")
    async def patch(c: Context) -> str:
        return f"patched {await c.req.text()}"

    return app, seen


def test_form_field_overrides_post() -> None:
    app, seen = _app()
    res = run(app.request("/posts/7", method="POST", headers=FORM, body="_method=DELETE", env="E"))
    assert res.status == 200 and run(res.text()) == "deleted 7 env=E"
    assert seen == ["POST", "DELETE"]


def test_body_is_passed_on() -> None:
    app, _ = _app()
    res = run(app.request("/posts/7", method="POST", headers=FORM, body="title=hello&_method=put"))
    assert run(res.text()) == "put title=hello"


def test_multipart_form() -> None:
    app, _ = _app()
    form = FormData()
    form.append("_method", "PUT")
    form.append("title", "multi")
    assert run(run(app.request("/posts/1", method="POST", body=form)).text()) == "put title=multi"


def test_no_override_keeps_post() -> None:
    app, _ = _app()
    assert run(run(app.request("/posts/1", method="POST", headers=FORM, body="title=x")).text()) == "created"
    assert run(run(app.request("/posts/1", method="POST", body='{"_method": "DELETE"}')).text()) == "created"


def test_only_post_is_overridden() -> None:
    app, _ = _app(query="_method")
    res = run(app.request("/posts/1?_method=DELETE", method="PUT", headers=FORM, body="_method=DELETE"))
    assert run(res.text()) == "put title=None"


def test_header_and_query_modes() -> None:
    app, _ = _app(header="X-HTTP-Method-Override")
    res = run(app.request("/posts/3", method="POST", headers={"x-http-method-override": "patch"}, body="b"))
    assert run(res.text()) == "patched b"
    res = run(app.request("/posts/3", method="POST", headers=FORM, body="_method=DELETE"))
    assert run(res.text()) == "created"  # the form is not looked at in header mode
    app, _ = _app(query="_method")
    assert run(run(app.request("/posts/3?_method=DELETE", method="POST")).text()) == "deleted 3 env=None"


@pytest.mark.parametrize("value", ["GET", "HEAD", "CONNECT", "TRACE", "OPTIONS", "FOO", "", "DE LETE", "x" * 1000])
def test_unknown_methods_are_a_400(value: str) -> None:
    app, seen = _app()
    from urllib.parse import quote

    res = run(app.request("/posts/1", method="POST", headers=FORM, body="_method=" + quote(value)))
    assert res.status == 400 and "use one of DELETE, PATCH, PUT" in run(res.text())
    assert seen == ["POST"]


def test_file_in_the_field_is_a_400() -> None:
    from edgekit import File

    app, _ = _app()
    form = FormData()
    form.append("_method", File(b"DELETE", "m.txt"))
    assert run(app.request("/posts/1", method="POST", body=form)).status == 400


def test_malformed_form_is_a_400() -> None:
    app, _ = _app()
    headers = {"content-type": "multipart/form-data; boundary=zzz"}
    assert run(app.request("/posts/1", method="POST", headers=headers, body="garbage")).status == 400


def test_custom_methods() -> None:
    app = App()
    app.use(method_override(app, methods=["purge"]))
    app.on("PURGE", "/x")(lambda c: "purged")
    app.post("/x")(lambda c: "posted")
    assert run(run(app.request("/x", method="POST", headers=FORM, body="_method=PURGE")).text()) == "purged"
    assert run(app.request("/x", method="POST", headers=FORM, body="_method=DELETE")).status == 400


@pytest.mark.parametrize("methods", [[], ["GET"], ["post"], ["TRACE"], ["A B"]])
def test_bad_methods_option(methods: list[str]) -> None:
    with pytest.raises(ValueError):
        method_override(App(), methods=methods)


def test_bad_app_and_header() -> None:
    with pytest.raises(TypeError, match="App"):
        method_override(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        method_override(App(), header="bad header")
