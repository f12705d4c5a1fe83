"""ip_restriction(): allow and deny lists, CIDRs in both families, and fail-closed addresses."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgekit import App
from edgekit.middleware.ip_restriction import ip_restriction, parse_networks
from tests.conftest import run


def _app(**options: object) -> App:
    app = App()
    app.use(ip_restriction(**options))  # type: ignore[arg-type]
    app.get("/")(lambda c: "hello")
    return app


def _status(app: App, ip: str | None) -> int:
    headers = {} if ip is None else {"cf-connecting-ip": ip}
    return run(app.request("/", headers=headers)).status


ALLOW = ["10.0.0.0/8", "192.168.1.7", "2001:db8::/32", "::1"]


@pytest.mark.parametrize(
    ("ip", "status"),
    [
        ("10.1.2.3", 200),
        ("10.255.255.255", 200),
        ("192.168.1.7", 200),
        ("2001:db8::1", 200),
        ("2001:DB8:0:0::ffff", 200),
        ("::1", 200),
        ("[::1]", 200),
        ("::ffff:10.0.0.1", 200),  # IPv4-mapped: checked as 10.0.0.1
        ("11.0.0.1", 403),
        ("192.168.1.8", 403),
        ("2001:db9::1", 403),
        ("::2", 403),
    ],
)
def test_allow_list(ip: str, status: int) -> None:
    assert _status(_app(allow=ALLOW), ip) == status


@pytest.mark.parametrize(
    "ip",
    [
        None,
        "",
        "not-an-ip",
        "10.0.0.1, 11.0.0.1",
        "10.0.0.1:8080",
        "010.0.0.1",
        "10.0.0.256",
        "10.0.0",
        "1e1::zz",
        "10.0.0.1/32",
        "[10.0.0.1",
    ],
)
def test_missing_or_unparseable_address_fails_closed_even_with_only_a_deny_list(ip: str | None) -> None:
    assert _status(_app(allow=ALLOW), ip) == 403
    assert _status(_app(deny=["203.0.113.0/24"]), ip) == 403


def test_deny_wins_over_allow() -> None:
    app = _app(allow=["10.0.0.0/8"], deny=["10.9.0.0/16", "10.1.2.3"])
    assert _status(app, "10.8.0.1") == 200
    assert _status(app, "10.9.4.4") == 403
    assert _status(app, "10.1.2.3") == 403


def test_deny_cannot_be_walked_around_with_ipv6_spellings() -> None:
    app = _app(deny=["203.0.113.0/24", "2001:db8::/32"])
    for spelling in (
        "203.0.113.5",
        "::ffff:203.0.113.5",
        "::ffff:cb00:7105",
        "[::ffff:203.0.113.5]",
        "2001:0db8:0000::1",
        "2001:DB8::1",
    ):
        assert _status(app, spelling) == 403, spelling
    assert _status(app, "198.51.100.1") == 200
    # A mapped-IPv6 deny entry applies to the plain IPv4 address too.
    assert _status(_app(deny=["::ffff:198.51.100.0/120"]), "198.51.100.1") == 403


def test_star_and_empty_allow_list() -> None:
    assert _status(_app(allow=["*"]), "8.8.8.8") == 200
    assert _status(_app(allow=["*"]), "2606:4700::1") == 200
    assert _status(_app(allow=["*"], deny=["8.8.8.8"]), "8.8.8.8") == 403
    assert _status(_app(allow=[]), "10.0.0.1") == 403  # an empty allow-list refuses everyone


def test_custom_get_ip_sync_and_async() -> None:
    async def from_header(c: object) -> str | None:
        return c.req.header("x-real-ip")  # type: ignore[attr-defined]

    app = _app(allow=["10.0.0.0/8"], get_ip=from_header)
    assert run(app.request("/", headers={"x-real-ip": "10.0.0.2", "cf-connecting-ip": "1.1.1.1"})).status == 200
    assert run(app.request("/", headers={"cf-connecting-ip": "10.0.0.2"})).status == 403
    assert _status(_app(allow=["*"], get_ip=lambda c: 42), "10.0.0.1") == 403  # not a str: refused


def test_forbidden_goes_through_on_error() -> None:
    app = _app(deny=["10.0.0.1"])
    app.on_error(lambda err, c: c.text("go away", err.status))
    res = run(app.request("/", headers={"cf-connecting-ip": "10.0.0.1"}))
    assert res.status == 403 and run(res.text()) == "go away"


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({}, ValueError),
        ({"deny": []}, ValueError),
        ({"allow": ["10.0.0.1/8"]}, ValueError),  # host bits set: ambiguous
        ({"allow": ["10.0.0.0/33"]}, ValueError),
        ({"allow": ["example.com"]}, ValueError),
        ({"deny": [10]}, TypeError),
    ],
)
def test_configuration_errors_raise_at_setup(options: dict, error: type) -> None:
    with pytest.raises(error):
        ip_restriction(**options)


def test_single_string_lists() -> None:
    assert parse_networks("10.0.0.0/8", "allow") == (ipaddress.ip_network("10.0.0.0/8"),)


@given(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), st.integers(0, 32), st.booleans())
def test_ipv4_decisions_match_the_stdlib_whatever_the_spelling(
    client: int, base: int, prefix: int, mapped: bool
) -> None:
    network = ipaddress.ip_network((base, prefix), strict=False)
    address = ipaddress.IPv4Address(client)
    spelled = f"::ffff:{address}" if mapped else str(address)
    expected = 200 if address in network else 403
    assert _status(_app(allow=[str(network)]), spelled) == expected
    assert _status(_app(deny=[str(network)]), spelled) == 603 - expected
