"""App: registration, dispatch, return values, errors, sub-apps and the test helper."""

from __future__ import annotations

import asyncio

import pytest

from edgekit import App, HTTPException, Request, Response
from tests.conftest import run


def body(response: Response) -> str:
    return run(response.text())


def test_get_with_params_and_json():
    app = App()

    @app.get("/users/:id")
    async def user(c):
        return c.json({"id": c.req.param("id")})

    res = run(app.request("/users/42"))
    assert res.status == 200
    assert res.headers.get("content-type") == "application/json"
    assert body(res) == '{"id":"42"}'


@pytest.mark.parametrize(
    ("returned", "status", "content_type", "text"),
    [
        ("hi", 200, "text/plain; charset=UTF-8", "hi"),
        ({"a": [1, "é"]}, 200, "application/json", '{"a":[1,"é"]}'),
        ([1, 2], 200, "application/json", "[1,2]"),
        (b"\x00\x01", 200, "application/octet-stream", "\x00\x01"),
    ],
)
def test_plain_return_values_become_responses(returned, status, content_type, text):
    app = App()
    app.get("/")(lambda c: returned)
    res = run(app.request("/"))
    assert (res.status, res.headers.get("content-type"), body(res)) == (status, content_type, text)


def test_none_from_the_only_handler_is_404():
    app = App()
    app.get("/")(lambda c: None)
    res = run(app.request("/"))
    assert (res.status, body(res)) == (404, "404 Not Found")


def test_none_after_middleware_is_500():
    app = App()

    @app.use
    async def mw(c, next):
        await next()

    app.get("/void")(lambda c: None)
    app.get("/void")(lambda c: "never")
    assert run(app.request("/void")).status == 500


def test_unsupported_return_value_is_a_500_not_a_crash(capsys):
    app = App()
    app.get("/")(lambda c: 3.5)
    res = run(app.request("/"))
    assert (res.status, body(res)) == (500, "Internal Server Error")
    assert "returned float" in capsys.readouterr().err


def test_sync_handlers_and_middleware_work():
    app = App()
    seen = []

    def mw(c, next):
        seen.append("mw")
        return next()

    app.use(mw)
    app.get("/")(lambda c: c.text("sync"))
    assert body(run(app.request("/"))) == "sync"
    assert seen == ["mw"]


def test_middleware_onion_and_header_after_next():
    app = App()
    order = []

    @app.use
    async def outer(c, next):
        order.append("outer>")
        await next()
        order.append("<outer")
        c.header("x-after", "1")

    @app.use("/api/*")
    async def inner(c, next):
        order.append("inner>")
        await next()
        order.append("<inner")

    @app.get("/api/x")
    async def handler(c):
        order.append("handler")
        return c.text("ok")

    res = run(app.request("/api/x"))
    assert order == ["outer>", "inner>", "handler", "<inner", "<outer"]
    assert res.headers.get("x-after") == "1"


def test_middleware_can_replace_the_response():
    app = App()

    @app.use
    async def wrap(c, next):
        await next()
        c.res = Response("replaced", status=203)

    @app.get("/")
    async def handler(c):
        c.header("x-kept", "yes")
        return c.text("original")

    res = run(app.request("/"))
    assert (res.status, body(res), res.headers.get("x-kept")) == (203, "replaced", "yes")


def test_head_is_served_by_get_without_a_body():
    app = App()
    app.get("/page")(lambda c: c.text("content", headers={"x-a": "b"}))
    res = run(app.request("/page", method="HEAD"))
    assert (res.status, body(res), res.headers.get("x-a")) == (200, "", "b")


def test_method_mismatch_is_404_not_405():
    app = App()
    app.post("/form")(lambda c: "posted")
    assert run(app.request("/form")).status == 404


def test_all_and_custom_methods():
    app = App()
    app.all("/any")(lambda c: c.req.method)
    app.on("PURGE", "/cache")(lambda c: "purged")
    assert body(run(app.request("/any", method="DELETE"))) == "DELETE"
    assert body(run(app.request("/cache", method="PURGE"))) == "purged"


def test_several_paths_in_one_decorator():
    app = App()
    app.get("/a", "/b")(lambda c: c.req.path)
    assert [body(run(app.request(p))) for p in ("/a", "/b")] == ["/a", "/b"]


def test_non_strict_ignores_one_trailing_slash():
    app = App(strict=False)
    app.get("/about")(lambda c: "about")
    assert run(app.request("/about/")).status == 200
    assert run(App().request("/about/")).status == 404


def test_http_exception_gives_its_status_and_message():
    app = App()

    @app.get("/")
    async def handler(c):
        raise HTTPException(418, "short and stout")

    res = run(app.request("/"))
    assert (res.status, body(res)) == (418, "short and stout")


def test_http_exception_with_its_own_response():
    app = App()

    @app.get("/")
    async def handler(c):
        raise HTTPException(401, response=Response("login first", headers={"www-authenticate": "Basic"}))

    res = run(app.request("/"))
    assert res.body_bytes == b"login first"  # still a fixed body (before any read), not a stream
    assert (res.status, body(res), res.headers.get("www-authenticate")) == (401, "login first", "Basic")


def test_http_exception_refuses_non_error_status():
    with pytest.raises(ValueError, match="400 to 599"):
        HTTPException(200)


def test_unhandled_error_is_a_plain_500_without_traceback(capsys):
    app = App()

    @app.get("/")
    async def handler(c):
        raise KeyError("secret-detail")

    res = run(app.request("/"))
    assert (res.status, body(res)) == (500, "Internal Server Error")
    assert "secret-detail" in capsys.readouterr().err


def test_custom_error_and_not_found_handlers():
    app = App()

    @app.on_error
    def on_error(err, c):
        return c.json({"error": str(err)}, 500)

    @app.not_found
    def not_found(c):
        return c.text(f"nothing at {c.req.path}", 404)

    @app.get("/boom")
    async def boom(c):
        raise RuntimeError("boom")

    assert body(run(app.request("/boom"))) == '{"error":"boom"}'
    assert body(run(app.request("/missing"))) == "nothing at /missing"


def test_failing_error_handler_still_answers_500(capsys):
    app = App()

    @app.on_error
    def on_error(err, c):
        raise ValueError("handler broke too")

    app.get("/")(lambda c: 1 / 0)
    assert run(app.request("/")).status == 500


def test_error_in_middleware_after_next_goes_through_on_error():
    app = App()

    @app.use
    async def mw(c, next):
        await next()
        raise HTTPException(503, "down")

    app.get("/")(lambda c: "ok")
    res = run(app.request("/"))
    assert (res.status, body(res)) == (503, "down")


def test_next_called_twice_is_an_error():
    app = App()

    @app.use
    async def twice(c, next):
        await next()
        await next()

    app.get("/")(lambda c: "ok")
    app.get("/")(lambda c: "second")
    assert run(app.request("/")).status == 500


def test_malformed_json_body_is_400():
    app = App()

    @app.post("/echo")
    async def echo(c):
        return await c.req.json()

    res = run(app.request("/echo", method="POST", body="{not json", headers={"content-type": "application/json"}))
    assert res.status == 400
    assert "Malformed JSON" in body(res)
    assert body(run(app.request("/echo", method="POST", json={"a": 1}))) == '{"a":1}'


def test_body_can_be_read_twice():
    app = App()

    @app.use
    async def peek(c, next):
        c.set("peeked", await c.req.text())
        await next()

    @app.post("/")
    async def handler(c):
        return {"peeked": c.get("peeked"), "json": await c.req.json()}

    res = run(app.request("/", method="POST", json={"x": 1}))
    assert body(res) == '{"peeked":"{\\"x\\":1}","json":{"x":1}}'


def test_sub_app_routes_and_scoped_middleware():
    api = App()
    seen = []

    @api.use
    async def api_only(c, next):
        seen.append(c.req.path)
        await next()

    api.get("/users/:id")(lambda c: c.req.param())
    app = App()
    app.route("/api", api)
    app.get("/other")(lambda c: "other")
    assert body(run(app.request("/api/users/7"))) == '{"id":"7"}'
    assert body(run(app.request("/other"))) == "other"
    assert seen == ["/api/users/7"]


def test_sub_app_keeps_its_error_handler():
    sub = App()
    sub.on_error(lambda err, c: c.text("sub handled", 500))
    sub.get("/boom")(lambda c: 1 / 0)
    app = App()
    app.route("/sub", sub)
    app.get("/boom")(lambda c: 1 / 0)
    assert body(run(app.request("/sub/boom"))) == "sub handled"
    assert body(run(app.request("/boom"))) == "Internal Server Error"


def test_base_path_prefixes_registrations():
    app = App().base_path("/v1")
    app.get("/users")(lambda c: "users")
    assert run(app.request("/v1/users")).status == 200
    assert run(app.request("/users")).status == 404


def test_route_requires_an_app():
    with pytest.raises(TypeError, match="mounts an App"):
        App().route("/x", object())  # type: ignore[arg-type]


def test_bad_registrations_raise_clearly():
    app = App()
    with pytest.raises(TypeError, match="callable"):
        app.get("/")(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="path must be a str"):
        app.on("GET", [None])(lambda c: "x")  # type: ignore[list-item]
    with pytest.raises(TypeError, match="needs a path"):
        app.use()


def test_fetch_with_env_and_execution_context():
    app = App()
    done = []

    async def later():
        await asyncio.sleep(0)
        done.append("ran")

    @app.get("/")
    async def handler(c):
        c.ctx.wait_until(later())
        return c.text(c.env["greeting"])

    res = run(app.request("/", env={"greeting": "hey"}))
    assert body(res) == "hey"
    assert done == ["ran"]


def test_fetch_schedules_wait_until_after_the_response():
    app = App()
    events = []

    async def later():
        events.append("background")

    @app.get("/")
    async def handler(c):
        c.ctx.wait_until(later())
        return "ok"

    async def main():
        res = await app.fetch(Request("http://localhost/"))
        events.append("responded")
        await asyncio.sleep(0.01)
        return res

    assert run(main()).status == 200
    assert events == ["responded", "background"]


def test_percent_encoded_params_are_decoded_after_matching():
    app = App()
    app.get("/users/:name")(lambda c: {"name": c.req.param("name")})
    assert body(run(app.request("/users/a%2Fb"))) == '{"name":"a/b"}'
    assert body(run(app.request("/users/%zz"))) == '{"name":"%zz"}'
    assert body(run(app.request("/users/caf%C3%A9"))) == '{"name":"café"}'


def test_routes_are_listed_in_registration_order():
    app = App()
    app.use(lambda c, next: next())
    app.get("/a")(lambda c: "a")
    app.post("/b")(lambda c: "b")
    assert [(r.method, r.path) for r in app.routes] == [("ALL", "/*"), ("GET", "/a"), ("POST", "/b")]


def test_request_helper_accepts_absolute_urls():
    app = App()
    app.get("/where")(lambda c: c.req.url)
    assert body(run(app.request("https://example.com/where?x=1"))) == "https://example.com/where?x=1"


def test_request_helper_rejects_body_and_json_together():
    with pytest.raises(TypeError, match="either body= or json="):
        run(App().request("/", method="POST", body="x", json={}))


def test_json_responses_are_byte_identical_with_and_without_msgspec():
    from edgekit import json_codec

    app = App()
    payload = {"price": 9.99, "whole": 1.0, "big": 1e21, "tiny": 1e-7, "text": "Zoë\u2028<&>", "n": [1, None, True]}
    app.get("/")(lambda c: c.json(payload))
    outputs = []
    for stdlib in (False, True):
        json_codec.use_stdlib(stdlib)
        try:
            outputs.append(run(_body_bytes(app)))
        finally:
            json_codec.use_stdlib(False)
    assert outputs[0] == outputs[1] == (
        '{"price":9.99,"whole":1,"big":1e+21,"tiny":1e-7,"text":"Zoë\u2028<&>","n":[1,null,true]}'.encode()
    )


async def _body_bytes(app: App) -> bytes:
    return await (await app.request("/")).bytes()


def test_use_as_a_bare_decorator_keeps_the_function():
    app = App()

    @app.use
    async def tag(c, next):
        await next()
        c.header("x-tag", "1")

    app.get("/")(lambda c: "ok")
    assert callable(tag) and tag.__name__ == "tag"
    assert run(app.request("/")).headers.get("x-tag") == "1"
    assert app.use("/x", tag) is tag
