"""bearer_auth(): accepted tokens pass; missing, malformed and unknown tokens fail closed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgekit import App
from edgekit.middleware.bearer_auth import bearer_auth, matches_any, read_credentials, secret_digest
from tests.conftest import run


def _app(**options: object) -> App:
    app = App()
    app.use("/api/*", bearer_auth(**options))  # type: ignore[arg-type]

    @app.get("/api/data")
    def data(c: object) -> str:
        return "secret data"

    @app.get("/open")
    def open_(c: object) -> str:
        return "open"

    return app


def _status(app: App, authorization: str | None, path: str = "/api/data") -> tuple[int, str | None, str]:
    headers = {} if authorization is None else {"authorization": authorization}
    res = run(app.request(path, headers=headers))
    return res.status, res.headers.get("www-authenticate"), run(res.text())


def test_valid_token_passes_and_other_paths_are_untouched() -> None:
    app = _app(token="s3cret.token-1~+/=")
    assert _status(app, "Bearer s3cret.token-1~+/=") == (200, None, "secret data")
    assert _status(app, "bearer   s3cret.token-1~+/=  ")[0] == 200  # scheme in any case, spaces around
    assert _status(app, None, "/open")[0] == 200


def test_missing_header_is_401_with_realm() -> None:
    assert _status(_app(token="t", realm='api "v1"'), None) == (401, 'Bearer realm="api \\"v1\\""', "Unauthorized")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Basic dGVzdA==",
        "Bearertoken",
        "Bearer two tokens",
        "Bearer tok\ten",
        "Bearer tök",
        "Bearer ==",
        "token",
    ],
)
def test_malformed_header_is_400_invalid_request(header: str) -> None:
    status, challenge, _ = _status(_app(token="token"), header)
    assert (status, challenge) == (400, 'Bearer error="invalid_request"')


@pytest.mark.parametrize("header", ["Bearer wrong", "Bearer token2", "Bearer toke", "Bearer TOKEN", "Bearer token="])
def test_unknown_token_is_401_invalid_token(header: str) -> None:
    assert _status(_app(token="token"), header)[:2] == (401, 'Bearer error="invalid_token"')


def test_several_tokens_and_custom_prefix_and_header() -> None:
    app = _app(token=["a1", "b2"], prefix="Token", header_name="X-Api-Key")
    for token in ("a1", "b2"):
        res = run(app.request("/api/data", headers={"x-api-key": f"Token {token}"}))
        assert res.status == 200
    res = run(app.request("/api/data", headers={"x-api-key": "Bearer a1"}))
    assert res.status == 400 and res.headers.get("www-authenticate") == 'Token error="invalid_request"'
    assert _status(app, "Token a1")[0] == 401  # Authorization is not the configured header


def test_empty_prefix_takes_the_whole_header() -> None:
    app = _app(token="abc", prefix="")
    assert _status(app, "abc")[0] == 200
    assert _status(app, "Bearer abc")[0] == 400


def test_verify_token_sync_and_async_sees_the_context() -> None:
    seen: list[str] = []

    async def check(token: str, c: object) -> bool:
        seen.append(c.req.path)  # type: ignore[attr-defined]
        return token == "ok"

    app = _app(verify_token=check)
    assert _status(app, "Bearer ok")[0] == 200
    assert _status(app, "Bearer no")[0] == 401
    assert seen == ["/api/data", "/api/data"]
    assert _status(_app(verify_token=lambda token, c: None), "Bearer x")[0] == 401


def test_on_error_sees_the_http_exception() -> None:
    app = _app(token="t")

    @app.on_error
    def handle(err: Exception, c: object) -> object:
        return c.json({"error": str(err)}, err.status)  # type: ignore[attr-defined]

    res = run(app.request("/api/data"))
    assert res.status == 401 and run(res.json()) == {"error": "Unauthorized"}


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({}, TypeError),
        ({"token": "a", "verify_token": lambda t, c: True}, TypeError),
        ({"token": ""}, ValueError),
        ({"token": []}, ValueError),
        ({"token": ["a", 3]}, ValueError),
        ({"token": "a", "prefix": "Bear er"}, ValueError),
        ({"token": "a", "prefix": 3}, TypeError),
        ({"token": "a", "realm": "x\r\nSet-Cookie: a=b"}, ValueError),
        ({"token": "a", "realm": "snow ☃"}, ValueError),
        ({"token": "a", "header_name": "X Api Key"}, ValueError),
    ],
)
def test_configuration_errors_raise_at_setup(options: dict, error: type) -> None:
    with pytest.raises(error):
        bearer_auth(**options)


def test_helpers() -> None:
    assert read_credentials("Bearer abc==", "Bearer") == "abc=="
    assert read_credentials("Bearer a=bc", "Bearer") is None
    assert matches_any("x", [secret_digest("y"), secret_digest(b"x")])
    assert not matches_any("x", [])


_HEADER_TEXT = st.text(st.characters(min_codepoint=1, max_codepoint=255, blacklist_characters="\r\n"), max_size=40)


@given(st.one_of(_HEADER_TEXT, _HEADER_TEXT.map(lambda t: "Bearer " + t)))
def test_any_header_is_answered_200_400_or_401_never_an_error(header: str) -> None:
    status = _status(_app(token="s3cret"), header)[0]
    token = read_credentials(header, "Bearer")
    assert status == (400 if token is None else 200 if token == "s3cret" else 401)
