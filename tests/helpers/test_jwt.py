"""edgekit.helpers.jwt: signing, verification, and the forgeries it must refuse."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgekit.helpers.jwt import (
    AlgorithmMismatch,
    BadSignature,
    JwtError,
    MalformedToken,
    TokenExpired,
    TokenIssuedInFuture,
    TokenNotYetValid,
    UnsupportedAlgorithm,
    decode,
    sign,
    verify,
)

SECRET = "it-is-a-secret"
NOW = 1_700_000_000


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: object, payload: object, key: bytes = SECRET.encode(), digest=hashlib.sha256) -> str:
    """A token with any header, signed correctly: tests what is refused besides the signature."""
    signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(payload).encode())
    return signing_input + "." + b64(hmac.new(key, signing_input.encode(), digest).digest())


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_sign_then_verify_round_trips(alg: str) -> None:
    payload = {"sub": "ada", "role": "admin", "n": 1.5, "ü": "é"}
    token = sign(payload, SECRET, alg)
    assert verify(token, SECRET, alg) == payload
    assert decode(token) == ({"alg": alg, "typ": "JWT"}, payload)


def test_known_token_from_another_implementation_verifies() -> None:
    # The RFC 7515 style token any HS256 library makes for this header, payload and key.
    token = forge(
        {"alg": "HS256", "typ": "JWT"},
        {"sub": "1234567890", "name": "John Doe", "iat": 1516239022},
        key=b"your-256-bit-secret",
    )
    assert (
        token
        == (
            "eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJzdWIiOiAiMTIzNDU2Nzg5MCIsICJuYW1lIjogIkpvaG4gRG9lIiwg"
            "ImlhdCI6IDE1MTYyMzkwMjJ9."
        )
        + token.rsplit(".", 1)[1]
    )
    assert verify(token, b"your-256-bit-secret")["name"] == "John Doe"


def test_sign_writes_compact_json_like_javascript() -> None:
    token = sign({"a": 1, "b": [True, None]}, SECRET)
    header, payload, _ = token.split(".")
    assert base64.urlsafe_b64decode(header + "==") == b'{"alg":"HS256","typ":"JWT"}'
    assert base64.urlsafe_b64decode(payload + "==") == b'{"a":1,"b":[true,null]}'


def test_wrong_secret_is_bad_signature() -> None:
    with pytest.raises(BadSignature, match="signature does not match"):
        verify(sign({"sub": "x"}, SECRET), "another-secret")


def test_alg_none_is_refused_even_without_signature() -> None:
    unsigned = b64(b'{"alg":"none","typ":"JWT"}') + "." + b64(b'{"sub":"admin"}') + "."
    with pytest.raises(UnsupportedAlgorithm, match="'none'"):
        verify(unsigned, SECRET)
    with pytest.raises(UnsupportedAlgorithm, match="'none'"):
        verify(unsigned + "AAAA", SECRET)
    for spelling in ("None", "NONE", "nOnE"):
        with pytest.raises(UnsupportedAlgorithm):
            verify(forge({"alg": spelling}, {"sub": "admin"}), SECRET)


@pytest.mark.parametrize(
    "header", [{}, {"alg": None}, {"alg": 256}, {"alg": "RS256"}, {"alg": "ES256"}, {"alg": ["HS256"]}]
)
def test_missing_or_foreign_alg_is_unsupported(header: dict) -> None:
    with pytest.raises(UnsupportedAlgorithm):
        verify(forge(header, {"sub": "x"}), SECRET)


def test_algorithm_confusion_is_refused() -> None:
    # Signed correctly with HS512 under the same key: still refused where HS256 is configured.
    token = sign({"sub": "x"}, SECRET, "HS512")
    with pytest.raises(AlgorithmMismatch, match="HS512.*only HS256"):
        verify(token, SECRET, "HS256")
    # A header that claims HS256 but carries an HS512 signature fails the signature.
    with pytest.raises(BadSignature):
        verify(forge({"alg": "HS256"}, {"sub": "x"}, digest=hashlib.sha512), SECRET)


def test_crit_extensions_are_refused() -> None:
    with pytest.raises(MalformedToken, match="crit"):
        verify(forge({"alg": "HS256", "crit": ["exp"]}, {"sub": "x"}), SECRET)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "..",
        "eyJhbGciOiJIUzI1NiJ9..sig",
        "eyJhbGciOiJIUzI1NiJ9.e30=.AAAA",  # padding is not base64url in a JWT
        "eyJhbGciOiJIUzI1NiJ9.e3 0.AAAA",
        "eyJhbGciOiJIUzI1NiJ9.e30.A",  # impossible length
        "eyJhbGciOiJIUzI1NiJ9.e30.AB",  # non-canonical: padding bits set
        "e30+.e30.AAAA",  # '+' is base64, not base64url
        "bm90IGpzb24.e30.AAAA",  # header "not json"
        "WzFd.e30.AAAA",  # header [1]: JSON but not an object
        "7w.e30.AAAA",  # header bytes are not UTF-8
        "éé.e30.AAAA",
    ],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(MalformedToken):
        verify(token, SECRET)


def test_payload_must_be_a_json_object_and_claims_numbers() -> None:
    with pytest.raises(MalformedToken, match="payload is not a JSON object"):
        verify(forge({"alg": "HS256"}, [1, 2]), SECRET)
    for claim in ("exp", "nbf", "iat"):
        for bad in ("1700000000", True, [1], {"t": 1}, None):
            with pytest.raises(MalformedToken, match=claim):
                verify(forge({"alg": "HS256"}, {claim: bad}), SECRET, now=NOW)
    signing_input = b64(b'{"alg":"HS256"}') + "." + b64(b"{not json")
    token = signing_input + "." + b64(hmac.new(SECRET.encode(), signing_input.encode(), hashlib.sha256).digest())
    with pytest.raises(MalformedToken, match="payload is not JSON"):
        verify(token, SECRET)


def test_non_string_token_is_malformed() -> None:
    with pytest.raises(MalformedToken, match="must be a str"):
        verify(b"a.b.c", SECRET)  # type: ignore[arg-type]


def test_exp_with_and_without_leeway() -> None:
    token = sign({"exp": NOW}, SECRET)
    assert verify(token, SECRET, now=NOW - 1) == {"exp": NOW}
    with pytest.raises(TokenExpired, match="expired"):
        verify(token, SECRET, now=NOW)
    with pytest.raises(TokenExpired):
        verify(token, SECRET, now=NOW + 10, leeway=10)
    assert verify(token, SECRET, now=NOW + 9, leeway=10)


def test_nbf_and_iat_with_and_without_leeway() -> None:
    token = sign({"nbf": NOW, "iat": NOW}, SECRET)
    assert verify(token, SECRET, now=NOW)
    with pytest.raises(TokenNotYetValid):
        verify(token, SECRET, now=NOW - 1)
    assert verify(token, SECRET, now=NOW - 5, leeway=5)
    with pytest.raises(TokenIssuedInFuture):
        verify(sign({"iat": NOW + 1}, SECRET), SECRET, now=NOW)
    assert verify(sign({"iat": NOW + 5}, SECRET), SECRET, now=NOW, leeway=5)


def test_huge_integer_claims_compare_exactly() -> None:
    huge = 10**400  # valid JSON, but no float holds it
    assert verify(sign({"exp": huge, "iat": -huge}, SECRET), SECRET, now=NOW, leeway=30.5)["exp"] == huge
    with pytest.raises(TokenExpired):
        verify(sign({"exp": -huge}, SECRET), SECRET, now=NOW, leeway=30.5)
    with pytest.raises(TokenNotYetValid):
        verify(sign({"nbf": huge}, SECRET), SECRET, now=NOW, leeway=30.5)


def test_expired_token_with_bad_signature_is_reported_as_bad_signature() -> None:
    # The signature is checked before any claim: claims of a forged token mean nothing.
    with pytest.raises(BadSignature):
        verify(sign({"exp": 1}, "other"), SECRET, now=NOW)


def test_configuration_errors() -> None:
    with pytest.raises(UnsupportedAlgorithm):
        sign({}, SECRET, "none")
    with pytest.raises(UnsupportedAlgorithm):
        verify(sign({}, SECRET), SECRET, "RS256")
    with pytest.raises(ValueError, match="empty"):
        sign({}, "")
    with pytest.raises(TypeError, match="str or bytes"):
        verify(sign({}, SECRET), 123)  # type: ignore[arg-type]
    for leeway in (-1, float("nan"), float("inf"), "5", True):
        with pytest.raises(ValueError, match="leeway"):
            verify(sign({}, SECRET), SECRET, leeway=leeway)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="now"):
        verify(sign({"exp": 1}, SECRET), SECRET, now=float("nan"))


def test_bytes_secret_equals_its_utf8_str() -> None:
    assert verify(sign({"k": 1}, "clé"), "clé".encode()) == {"k": 1}


def test_every_error_is_a_jwt_error_and_a_value_error() -> None:
    for cls in (
        MalformedToken,
        UnsupportedAlgorithm,
        AlgorithmMismatch,
        BadSignature,
        TokenExpired,
        TokenNotYetValid,
        TokenIssuedInFuture,
    ):
        assert issubclass(cls, JwtError) and issubclass(cls, ValueError)


_TOKEN = sign({"sub": "ada", "admin": False, "exp": NOW + 3600}, SECRET, "HS256")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ "


@given(st.integers(0, len(_TOKEN) - 1), st.sampled_from(_ALPHABET))
def test_changing_any_character_is_rejected(index: int, replacement: str) -> None:
    tampered = _TOKEN[:index] + replacement + _TOKEN[index + 1 :]
    if tampered == _TOKEN:
        return
    with pytest.raises(JwtError):
        verify(tampered, SECRET, now=NOW)


@given(st.integers(0, len(_TOKEN)), st.text(min_size=1, max_size=4))
def test_inserting_or_deleting_characters_is_rejected(index: int, extra: str) -> None:
    with pytest.raises(JwtError):
        verify(_TOKEN[:index] + extra + _TOKEN[index:], SECRET, now=NOW)
    if index < len(_TOKEN):
        with pytest.raises(JwtError):
            verify(_TOKEN[:index] + _TOKEN[index + len(extra) :], SECRET, now=NOW)


@given(
    st.dictionaries(
        st.text(max_size=8),
        st.one_of(st.integers(-(2**53), 2**53), st.text(max_size=8), st.booleans(), st.none()),
        max_size=5,
    )
)
def test_any_payload_round_trips(payload: dict) -> None:
    payload.pop("exp", None), payload.pop("nbf", None), payload.pop("iat", None)
    assert verify(sign(payload, SECRET, "HS384"), SECRET, "HS384") == payload


# Signed by Hono 4.13.19's hono/utils/jwt `sign` on Node 20 (recorded; no Node needed to replay).
HONO_HS256 = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZGEiLCJuIjoxLjUsIsO8Ijoiw6kiLCJleHAiOjQxMDI0NDQ4MDB9"
    ".gX0o4-ysGu9iR03MxCXRr0h9qZRk52iC1TC0iCzk4uk"
)
HONO_HS512 = (
    "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZGEifQ"
    ".E5EDMrMdz8oxrbO8OxZD-Cy5xmUjg96eYJqESZ8jhHVxWHBpHu1EqQV4LETDgqHI-g9OySfCC826sqKKMBiz6Q"
)


def test_tokens_are_interchangeable_with_hono() -> None:
    payload = {"sub": "ada", "n": 1.5, "ü": "é", "exp": 4102444800}
    assert verify(HONO_HS256, "hono-secret", now=NOW) == payload
    assert sign(payload, "hono-secret") == HONO_HS256  # byte for byte what Hono writes
    assert verify(HONO_HS512, "hono-secret", "HS512") == {"sub": "ada"}
    with pytest.raises(AlgorithmMismatch):
        verify(HONO_HS512, "hono-secret")
