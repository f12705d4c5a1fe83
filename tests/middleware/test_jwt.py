"""jwt(): a valid token passes and its payload is stored; forged, expired and malformed ones are 401."""

from __future__ import annotations

import base64
import time

import pytest

from edgekit import App
from edgekit.helpers.jwt import sign
from edgekit.middleware.jwt import PAYLOAD_KEY, jwt
from tests.conftest import run

SECRET = "middleware-secret"


def _app(**options: object) -> App:
    app = App()
    app.use("/api/*", jwt(**{"secret": SECRET, **options}))  # type: ignore[arg-type]

    @app.get("/api/me")
    def me(c: object) -> object:
        return c.get(PAYLOAD_KEY)  # type: ignore[attr-defined]

    return app


def _call(app: App, headers: dict[str, str]) -> tuple[int, str | None, str]:
    res = run(app.request("/api/me", headers=headers))
    return res.status, res.headers.get("www-authenticate"), run(res.text())


def test_valid_token_passes_and_payload_is_stored() -> None:
    token = sign({"sub": "ada", "exp": time.time() + 60}, SECRET)
    status, _, body = _call(_app(), {"authorization": f"Bearer {token}"})
    assert status == 200 and '"sub":"ada"' in body
    assert PAYLOAD_KEY == "jwt_payload"


def test_missing_token_is_401_invalid_request() -> None:
    status, challenge, body = _call(_app(), {})
    assert status == 401
    assert challenge == 'Bearer realm="", error="invalid_request", error_description="no token in the request"'
    assert body == "Unauthorized: no token in the request"


@pytest.mark.parametrize("header", ["Bearer", "Basic abc", "Bearer a b", "Bearer a\tb", "tok.en.x"])
def test_malformed_header_is_401_invalid_request(header: str) -> None:
    status, challenge, _ = _call(_app(), {"authorization": header})
    assert status == 401 and 'error="invalid_request"' in (challenge or "")


def _forged(header: bytes, payload: bytes, signature: str = "c2ln") -> str:
    enc = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()  # noqa: E731
    return f"{enc(header)}.{enc(payload)}.{signature}"


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (sign({"sub": "ada"}, "wrong-secret"), "signature does not match"),
        (sign({"sub": "ada", "exp": 1}, SECRET), "expired"),
        (sign({"sub": "ada", "nbf": time.time() + 3600}, SECRET), "not valid yet"),
        (sign({"sub": "ada", "iat": time.time() + 3600}, SECRET), "issued in the future"),
        (sign({"sub": "ada"}, SECRET, "HS512"), "only HS256"),
        (_forged(b'{"alg":"none"}', b'{"sub":"admin"}', ""), "'none'"),
        (_forged(b'{"alg":"none"}', b'{"sub":"admin"}'), "'none'"),
        (_forged(b'{"alg":"RS256"}', b'{"sub":"admin"}'), "'RS256'"),
        ("not.a.jwt", "not"),
        ("a.b", "three"),
        (_forged(b"[]", b"{}"), "not a JSON object"),
    ],
)
def test_bad_tokens_are_401_invalid_token_with_the_reason(token: str, reason: str) -> None:
    status, challenge, body = _call(_app(), {"authorization": f"Bearer {token}"})
    assert status == 401
    assert 'error="invalid_token"' in (challenge or "")
    assert reason in body


def test_leeway_and_algorithm_options() -> None:
    token = sign({"exp": time.time() - 5}, SECRET, "HS384")
    assert _call(_app(alg="HS384"), {"authorization": f"Bearer {token}"})[0] == 401
    assert _call(_app(alg="HS384", leeway=60), {"authorization": f"Bearer {token}"})[0] == 200


def test_cookie_is_read_when_the_header_is_absent() -> None:
    app = _app(cookie="session")
    good = sign({"sub": "ada"}, SECRET)
    assert _call(app, {"cookie": f"theme=dark; session={good}; other=1"})[0] == 200
    assert _call(app, {"cookie": f'session="{good}"'})[0] == 200
    assert _call(app, {"cookie": f"session={sign({'sub': 'x'}, 'forged')}"})[0] == 401
    assert _call(app, {"cookie": "theme=dark"})[0] == 401
    assert _call(app, {"cookie": "session="})[0] == 401
    # A present header wins, even when the cookie is valid: no fallback past a bad header.
    assert _call(app, {"cookie": f"session={good}", "authorization": "Bearer bad.to.ken"})[0] == 401
    assert _call(_app(), {"cookie": f"session={good}"})[0] == 401  # cookies only when configured


def test_custom_header_and_prefix() -> None:
    app = _app(header_name="X-Auth", prefix="JWT", realm="api")
    token = sign({}, SECRET)
    assert _call(app, {"x-auth": f"JWT {token}"})[0] == 200
    status, challenge, _ = _call(app, {"x-auth": f"Bearer {token}"})
    assert status == 401 and (challenge or "").startswith('JWT realm="api", error="invalid_request"')


@pytest.mark.parametrize(
    "options",
    [
        {"secret": ""},
        {"secret": 3},
        {"secret": "s", "alg": "none"},
        {"secret": "s", "alg": "RS256"},
        {"secret": "s", "leeway": -1},
        {"secret": "s", "leeway": float("nan")},
        {"secret": "s", "prefix": "a b"},
        {"secret": "s", "realm": "a\r\nb"},
        {"secret": "s", "header_name": "Authorization:"},
    ],
)
def test_configuration_errors_raise_at_setup(options: dict) -> None:
    with pytest.raises(ValueError):
        jwt(**options)
