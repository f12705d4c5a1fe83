"""Context and ContextRequest: reading the request and building the response."""

from __future__ import annotations

import pytest

from edgekit import App, Response
from tests.conftest import run


def call(app: App, path: str, **kwargs):
    res = run(app.request(path, **kwargs))
    return res, run(res.text())


def test_query_and_queries():
    app = App()
    app.get("/s")(
        lambda c: {
            "q": c.req.query("q"),
            "all": c.req.query(),
            "tags": c.req.queries("tag"),
            "every": c.req.queries(),
            "none": c.req.queries("nope"),
        }
    )
    _, text = call(app, "/s?q=a+b&tag=x&tag=y&q=second")
    assert text == (
        '{"q":"a b","all":{"q":"a b","tag":"x"},"tags":["x","y"],'
        '"every":{"q":["a b","second"],"tag":["x","y"]},"none":null}'
    )


def test_headers_by_name_and_all():
    app = App()
    app.get("/")(lambda c: {"one": c.req.header("X-Token"), "all": c.req.header()})
    _, text = call(app, "/", headers={"x-token": "t", "accept": "*/*"})
    assert text == '{"one":"t","all":{"accept":"*/*","x-token":"t"}}'


def test_param_of_missing_name_is_none():
    app = App()
    app.get("/u/:id")(lambda c: {"missing": c.req.param("nope"), "all": c.req.param()})
    assert call(app, "/u/1")[1] == '{"missing":null,"all":{"id":"1"}}'


def test_status_header_append_and_delete():
    app = App()

    @app.get("/")
    async def handler(c):
        c.status(201)
        c.header("x-a", "1")
        c.header("x-a", "2", append=True)
        c.header("x-gone", "1")
        c.header("x-gone", None)
        return c.text("made")

    res, text = call(app, "/")
    assert (res.status, text, res.headers.get("x-a"), res.headers.has("x-gone")) == (201, "made", "1, 2", False)


def test_set_cookie_headers_stay_separate():
    app = App()

    @app.get("/")
    async def handler(c):
        c.header("set-cookie", "a=1", append=True)
        c.header("set-cookie", "b=2", append=True)
        return c.text("ok")

    res, _ = call(app, "/")
    assert res.headers.get_all("set-cookie") == ["a=1", "b=2"]


def test_html_body_and_redirect():
    app = App()
    app.get("/h")(lambda c: c.html("<b>hi</b>"))
    app.get("/b")(lambda c: c.body(b"raw", 202, {"content-type": "application/x-thing"}))
    app.get("/r")(lambda c: c.redirect("/h"))
    app.get("/r301")(lambda c: c.redirect("https://example.com/", 301))
    res, text = call(app, "/h")
    assert (res.headers.get("content-type"), text) == ("text/html; charset=UTF-8", "<b>hi</b>")
    res, text = call(app, "/b")
    assert (res.status, res.headers.get("content-type"), text) == (202, "application/x-thing", "raw")
    res, _ = call(app, "/r")
    assert (res.status, res.headers.get("location")) == (302, "/h")
    assert call(app, "/r301")[0].status == 301


def test_redirect_refuses_other_statuses():
    app = App()
    app.get("/")(lambda c: c.redirect("/x", 200))
    assert call(app, "/")[0].status == 500


def test_explicit_content_type_wins_over_the_helper_default():
    app = App()
    app.get("/")(lambda c: c.json({"a": 1}, headers={"Content-Type": "application/problem+json"}))
    assert call(app, "/")[0].headers.get("content-type") == "application/problem+json"


def test_not_found_from_a_handler():
    app = App()
    app.get("/maybe/:id")(lambda c: c.not_found() if c.req.param("id") == "0" else "found")
    assert call(app, "/maybe/0")[0].status == 404
    assert call(app, "/maybe/1")[1] == "found"


def test_set_get_and_var():
    app = App()

    @app.use
    async def auth(c, next):
        c.set("user", "ada")
        await next()

    app.get("/")(
        lambda c: {"get": c.get("user"), "var": c.var.user, "item": c.var["user"], "default": c.get("nope", "d")}
    )
    assert call(app, "/")[1] == '{"get":"ada","var":"ada","item":"ada","default":"d"}'


def test_missing_var_names_the_variable():
    app = App()
    app.get("/")(lambda c: c.var.nope)
    assert call(app, "/")[0].status == 500
    from edgekit.context import Vars

    with pytest.raises(AttributeError, match="'nope'"):
        _ = Vars({}).nope


def test_res_is_readable_in_middleware_after_next():
    app = App()

    @app.use
    async def inspect_res(c, next):
        await next()
        c.header("x-status-seen", str(c.res.status))

    app.get("/")(lambda c: c.text("x", 207))
    assert call(app, "/")[0].headers.get("x-status-seen") == "207"


def test_prepared_headers_reach_not_found():
    app = App()

    @app.use
    async def tag(c, next):
        c.header("x-tag", "t")
        await next()

    res, text = call(app, "/nowhere")
    assert (res.status, text, res.headers.get("x-tag")) == (404, "404 Not Found", "t")


def test_wait_until_refuses_non_awaitables():
    app = App()
    app.get("/")(lambda c: c.ctx.wait_until(42))
    assert call(app, "/")[0].status == 500


def test_form_body():
    app = App()

    @app.post("/f")
    async def form(c):
        data = await c.req.form()
        return {"name": data.get("name")}

    _, text = call(
        app, "/f", method="POST", body="name=a+b", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert text == '{"name":"a b"}'


def test_form_of_a_non_form_body_is_400():
    app = App()

    @app.post("/f")
    async def form(c):
        return {"n": len(list(await c.req.form()))}

    assert call(app, "/f", method="POST", body="x", headers={"content-type": "text/plain"})[0].status == 400


def test_headers_argument_replaces_prepared_values_and_keeps_repeats():
    app = App()

    @app.get("/")
    async def handler(c):
        c.header("x-a", "prepared")
        c.header("x-b", "kept")
        return c.text("ok", headers=[("x-a", "1"), ("set-cookie", "a=1"), ("set-cookie", "b=2")])

    res, _ = call(app, "/")
    assert res.headers.get("x-a") == "1"
    assert res.headers.get("x-b") == "kept"
    assert res.headers.get_all("set-cookie") == ["a=1", "b=2"]


def test_middleware_can_add_headers_to_a_response_with_immutable_headers():
    app = App()

    @app.use
    async def stamp(c, next):
        await next()
        c.header("x-stamp", "1")

    app.get("/")(lambda c: Response.redirect("https://example.com/", 301))
    res = run(app.request("/"))
    assert res.status == 301
    assert res.headers.get("location") == "https://example.com/"
    assert res.headers.get("x-stamp") == "1"


def test_a_response_rebuilt_from_the_old_headers_keeps_each_cookie_once():
    app = App()

    @app.use
    async def rewrap(c, next):
        await next()
        c.res = Response("rewritten", headers=c.res.headers)

    @app.get("/")
    def handler(c):
        c.header("set-cookie", "a=1", append=True)
        c.header("set-cookie", "b=2", append=True)
        return c.text("original")

    res = run(app.request("/"))
    assert res.headers.get_set_cookie() == ["a=1", "b=2"]
    assert run(res.text()) == "rewritten"
