"""basic_auth(): the right user and password pass; every malformed or wrong credential is a 401."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgekit import App
from edgekit.middleware.basic_auth import basic_auth, decode_basic
from tests.conftest import run

CHALLENGE = 'Basic realm="Secure Area", charset="UTF-8"'


def _basic(raw: bytes | str) -> str:
    data = raw.encode() if isinstance(raw, str) else raw
    return "Basic " + base64.b64encode(data).decode()


def _app(**options: object) -> App:
    app = App()
    app.use("/admin/*", basic_auth(**options))  # type: ignore[arg-type]

    @app.get("/admin/who")
    def who(c: object) -> str:
        return c.get("basic_auth_user")  # type: ignore[attr-defined]

    return app


def _call(app: App, authorization: str | None) -> tuple[int, str | None, str]:
    headers = {} if authorization is None else {"authorization": authorization}
    res = run(app.request("/admin/who", headers=headers))
    return res.status, res.headers.get("www-authenticate"), run(res.text())


def test_right_credentials_pass_and_name_the_user() -> None:
    app = _app(username="ada", password="pa:ss wörd")
    assert _call(app, _basic("ada:pa:ss wörd")) == (200, None, "ada")
    assert _call(app, "basic " + _basic("ada:pa:ss wörd")[6:])[0] == 200


def test_several_users() -> None:
    app = _app(users={"ada": "1", "alan": "2"})
    assert _call(app, _basic("alan:2"))[2] == "alan"
    assert _call(app, _basic("ada:2"))[0] == 401  # another user's password


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Basic",
        "Basic ",
        "Bearer " + base64.b64encode(b"ada:pw").decode(),
        "Basic !!!!",
        "Basic YWRhOnB",  # truncated: not a whole number of base64 groups
        "Basic YWRhOnB3=",
        "Basic " + base64.b64encode(b"adapw").decode(),  # no colon
        _basic(b"ada:\xff\xfe"),  # not UTF-8
        _basic("ada:PW"),
        _basic("ada:pw "),
        _basic("ADA:pw"),
        _basic(":pw"),
        _basic("ada:"),
        _basic("ada:pw\x00"),
    ],
)
def test_bad_credentials_are_401_never_500(header: str | None) -> None:
    assert _call(_app(username="ada", password="pw"), header) == (401, CHALLENGE, "Unauthorized")


def test_verify_user_and_realm() -> None:
    async def check(user: str, password: str, c: object) -> bool:
        return user == password[::-1]

    app = _app(verify_user=check, realm="staff")
    assert _call(app, _basic("abc:cba"))[0] == 200
    status, challenge, _ = _call(app, _basic("abc:abc"))
    assert (status, challenge) == (401, 'Basic realm="staff", charset="UTF-8"')


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({}, TypeError),
        ({"username": "a"}, TypeError),
        ({"username": "a", "password": "b", "verify_user": lambda u, p, c: True}, TypeError),
        ({"users": {"a:b": "c"}}, ValueError),
        ({"users": {"": "c"}}, ValueError),
        ({"users": {"a": 1}}, TypeError),
        ({"username": "a", "password": "b", "realm": "r\nX-Injected: 1"}, ValueError),
    ],
)
def test_configuration_errors_raise_at_setup(options: dict, error: type) -> None:
    with pytest.raises(error):
        basic_auth(**options)


def test_decode_basic() -> None:
    assert decode_basic(_basic("a:b:c")) == ("a", "b:c")
    assert decode_basic("Basic") is None


# Any value a header can carry (Latin-1, no CR/LF/NUL), biased towards Basic-looking input.
_HEADER_TEXT = st.text(st.characters(min_codepoint=1, max_codepoint=255, blacklist_characters="\r\n"), max_size=40)


@given(st.one_of(_HEADER_TEXT, _HEADER_TEXT.map(lambda t: "Basic " + t), st.binary(max_size=30).map(_basic)))
def test_any_header_is_200_or_401_never_an_error(header: str) -> None:
    status, _, _ = _call(_app(username="ada", password="pw"), header)
    assert status == (200 if decode_basic(header) == ("ada", "pw") else 401)
