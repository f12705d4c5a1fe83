"""The auth example: sign-up, log-in, session cookie and bearer token, and the attacks it must refuse."""

from __future__ import annotations

import time

import pytest

from edgekit.helpers.jwt import sign
from edgekit.testing import TestClient
from examples.auth.app import SESSION_COOKIE, app

SECRET = "test-secret"
ORIGIN = "https://auth.example"


@pytest.fixture
def http(edgekit_env, edgekit_kv):
    with TestClient(app, edgekit_env(USERS=edgekit_kv, JWT_SECRET=SECRET), base_url=ORIGIN) as client:
        yield client


def _login(http, username="ada", password="correct horse"):
    assert http.post("/signup", json={"username": username, "password": password}).status_code == 201
    return http.post("/login", json={"username": username, "password": password})


def test_login_sets_a_host_only_http_only_session_cookie_and_returns_a_token(http):
    res = _login(http)
    assert res.status_code == 200
    cookie = res.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}={res.json()['token']}")
    for attribute in ("Path=/", "Secure", "HttpOnly", "SameSite=Lax", "Max-Age=3600"):
        assert attribute in cookie
    assert "Domain" not in cookie


def test_the_cookie_and_the_bearer_token_identify_the_user(http):
    token = _login(http).json()["token"]
    assert http.get("/me").json() == {"username": "ada"}  # the client sends the cookie back
    http.cookies.clear()
    assert http.get("/me").status_code == 401
    assert http.get("/api/me", headers={"authorization": f"Bearer {token}"}).json() == {"username": "ada"}


def test_signup_refuses_bad_input_and_taken_names(http):
    assert http.post("/signup", json={"username": "a", "password": "long enough"}).status_code == 400
    assert http.post("/signup", json={"username": "ada", "password": "short"}).status_code == 400
    assert http.post("/signup", json=["ada"]).status_code == 400
    assert http.post("/signup", content=b"{not json", headers={"content-type": "application/json"}).status_code == 400
    _login(http)
    assert http.post("/signup", json={"username": "ada", "password": "another one"}).status_code == 409


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(http):
    _login(http)
    wrong = http.post("/login", json={"username": "ada", "password": "wrong horse"})
    unknown = http.post("/login", json={"username": "bob", "password": "wrong horse"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.text == unknown.text
    assert "set-cookie" not in wrong.headers


@pytest.mark.parametrize(
    "token",
    [
        sign({"sub": "ada", "exp": int(time.time()) + 60}, "another-secret"),  # forged
        sign({"sub": "ada", "exp": int(time.time()) - 60}, SECRET),  # expired
        sign({"sub": "ada", "exp": int(time.time()) + 60}, SECRET, alg="HS512"),  # another algorithm
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZGEifQ.",  # alg: none
    ],
    ids=["forged", "expired", "wrong-alg", "alg-none"],
)
def test_forged_expired_and_unsigned_tokens_are_refused(http, token):
    assert http.get("/api/me", headers={"authorization": f"Bearer {token}"}).status_code == 401
    http.cookies.set(SESSION_COOKIE, token)
    assert http.get("/me").status_code == 401


def test_logout_deletes_the_cookie_and_refuses_cross_site_posts(http):
    _login(http)
    assert http.post("/logout", headers={"origin": "https://evil.example"}).status_code == 403
    assert http.get("/me").status_code == 200
    res = http.post("/logout", headers={"origin": ORIGIN})
    assert res.status_code == 204
    assert "Max-Age=0" in res.headers["set-cookie"]
    assert http.get("/me").status_code == 401


def test_responses_carry_the_secure_headers(http):
    res = http.get("/me")
    assert res.headers["x-content-type-options"] == "nosniff"
    assert res.headers["x-frame-options"] == "SAMEORIGIN"
