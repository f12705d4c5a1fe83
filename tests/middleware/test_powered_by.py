from __future__ import annotations

import pytest

from edgekit import App
from edgekit.middleware.powered_by import powered_by
from tests.conftest import run


def _app(*args: str) -> App:
    app = App()
    app.use(powered_by(*args))

    @app.get("/")
    def index(c: object) -> str:
        return "hi"

    return app


def test_default_name() -> None:
    res = run(_app().request("/"))
    assert res.headers.get("x-powered-by") == "edgekit"


def test_custom_name_and_not_found_responses_too() -> None:
    app = _app("api/2.1")
    assert run(app.request("/")).headers.get("x-powered-by") == "api/2.1"
    missing = run(app.request("/nope"))
    assert missing.status == 404 and missing.headers.get("x-powered-by") == "api/2.1"


def test_replaces_a_value_the_handler_set() -> None:
    app = App()
    app.use(powered_by())

    @app.get("/")
    def index(c: object) -> object:
        from edgekit import Response

        return Response("x", headers={"x-powered-by": "php"})

    assert run(app.request("/")).headers.get_all("x-powered-by") == ["edgekit"]


@pytest.mark.parametrize("bad", ["", "a\r\nSet-Cookie: x=1", "nul\0", "\u2603"])
def test_bad_values_are_refused_at_setup(bad: str) -> None:
    with pytest.raises(ValueError):
        powered_by(bad)


def test_non_string_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="str"):
        powered_by(3)  # type: ignore[arg-type]
