from __future__ import annotations

import pytest

from edgekit import App, Context
from edgekit.middleware.trailing_slash import append_trailing_slash, trim_trailing_slash
from tests.conftest import run


def _trim_app() -> App:
    app = App()
    app.use(trim_trailing_slash())
    app.get("/about")(lambda c: "about")
    app.get("/dir/")(lambda c: "dir with slash")
    app.post("/items")(lambda c: "posted")
    return app


def _append_app() -> App:
    app = App()
    app.use(append_trailing_slash())
    app.get("/docs/")(lambda c: "docs")
    app.get("/file.txt")(lambda c: "file")
    return app


def test_trim_redirects_a_missing_slashed_path() -> None:
    res = run(_trim_app().request("/about/?x=1&y=%20"))
    assert res.status == 301
    assert res.headers.get("location") == "http://localhost/about?x=1&y=%20"


def test_trim_leaves_found_routes_alone() -> None:
    app = _trim_app()
    assert run(run(app.request("/dir/")).text()) == "dir with slash"
    assert run(run(app.request("/about")).text()) == "about"
    assert run(app.request("/")).status == 404


def test_trim_removes_every_trailing_slash() -> None:
    res = run(_trim_app().request("/about///"))
    assert res.headers.get("location") == "http://localhost/about"


def test_trim_uses_308_for_other_methods() -> None:
    res = run(_trim_app().request("/items/", method="POST", body="x"))
    assert res.status == 308 and res.headers.get("location") == "http://localhost/items"
    assert run(_trim_app().request("/about/", method="HEAD")).status == 301


def test_trim_is_not_an_open_redirect() -> None:
    app = _trim_app()
    for path in ("//evil.com/", "http://localhost//evil.com//", "http://localhost/\\evil.com/"):
        location = run(app.request(path)).headers.get("location") or ""
        assert location.startswith("http://localhost/"), location
        assert not location.startswith("//")


def test_trim_keeps_encoded_path() -> None:
    res = run(_trim_app().request("/caf%C3%A9/"))
    assert res.headers.get("location") == "http://localhost/caf%C3%A9"


def test_append_redirects_to_slashed_path() -> None:
    res = run(_append_app().request("/docs?page=2"))
    assert res.status == 301 and res.headers.get("location") == "http://localhost/docs/?page=2"


def test_append_leaves_found_routes_and_slashed_misses_alone() -> None:
    app = _append_app()
    assert run(run(app.request("/file.txt")).text()) == "file"
    res = run(app.request("/missing/"))
    assert res.status == 404 and res.headers.get("location") is None


def test_append_is_not_an_open_redirect() -> None:
    location = run(_append_app().request("//evil.com")).headers.get("location")
    assert location == "http://localhost//evil.com/"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_append_308_for_other_methods(method: str) -> None:
    assert run(_append_app().request("/docs", method=method)).status == 308


def test_custom_not_found_is_redirected_too_but_other_statuses_are_not() -> None:
    app = App()
    app.use(trim_trailing_slash())

    @app.not_found
    def nf(c: Context) -> object:
        return c.json({"error": "not found"}, 404)

    @app.get("/gone/")
    def gone(c: Context) -> object:
        return c.text("gone", 410)

    assert run(app.request("/x/")).status == 301
    assert run(app.request("/gone/")).status == 410
