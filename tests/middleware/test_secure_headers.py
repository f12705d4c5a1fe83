"""secure_headers(): Hono's defaults, overrides, CSP and Permissions-Policy builders, nonces, injection."""

from __future__ import annotations

import pytest

from edgekit import App, HTTPException
from edgekit.middleware.secure_headers import (
    DEFAULTS,
    NONCE,
    NONCE_KEY,
    build_csp,
    build_permissions_policy,
    secure_headers,
)
from tests.conftest import run


def _app(**options: object) -> App:
    app = App()
    app.use(secure_headers(**options))  # type: ignore[arg-type]

    @app.get("/")
    def index(c: object) -> object:
        return c.text(str(c.get(NONCE_KEY)), headers={"x-powered-by": "php", "x-frame-options": "ALLOWALL"})  # type: ignore[attr-defined]

    @app.get("/fail")
    def fail(c: object) -> str:
        raise HTTPException(400)

    return app


def test_defaults_on_every_response_powered_by_removed() -> None:
    app = _app()
    for path, status in (("/", 200), ("/fail", 400), ("/missing", 404)):
        res = run(app.request(path))
        assert res.status == status
        got = {name: value for name, value in res.headers.items() if name not in ("content-type", "content-length")}
        expected = {name: value for name, value in DEFAULTS.items() if name != "cross-origin-embedder-policy"}
        assert got == expected
    assert DEFAULTS["x-xss-protection"] == "0" and DEFAULTS["x-frame-options"] == "SAMEORIGIN"


def test_override_disable_and_enable() -> None:
    app = _app(
        x_frame_options="DENY",
        strict_transport_security=False,
        cross_origin_embedder_policy=True,
        referrer_policy="strict-origin-when-cross-origin",
        remove_powered_by=False,
    )
    res = run(app.request("/"))
    assert res.headers.get("x-frame-options") == "DENY"
    assert res.headers.get("strict-transport-security") is None
    assert res.headers.get("cross-origin-embedder-policy") == "require-corp"
    assert res.headers.get("referrer-policy") == "strict-origin-when-cross-origin"
    assert res.headers.get("x-powered-by") == "php"


def test_csp_builder() -> None:
    policy = {
        "default_src": ["'self'"],
        "img-src": ["'self'", "data:", "https://cdn.example"],
        "upgrade-insecure-requests": [],
        "report-uri": "/csp-report",
    }
    assert build_csp(policy) == (
        "default-src 'self'; img-src 'self' data: https://cdn.example; "
        "upgrade-insecure-requests; report-uri /csp-report"
    )
    res = run(
        _app(content_security_policy=policy, content_security_policy_report_only={"script-src": "'none'"}).request("/")
    )
    assert res.headers.get("content-security-policy") == build_csp(policy)
    assert res.headers.get("content-security-policy-report-only") == "script-src 'none'"
    assert run(res.text()) == "None"  # no NONCE in the policy: no nonce made


def test_nonce_is_fresh_per_request_and_matches_the_header() -> None:
    app = _app(content_security_policy={"script-src": ["'self'", NONCE], "style-src": [NONCE]})
    seen = set()
    for _ in range(3):
        res = run(app.request("/"))
        nonce = run(res.text())
        assert len(nonce) == 32 and int(nonce, 16) >= 0
        assert (
            res.headers.get("content-security-policy")
            == f"script-src 'self' 'nonce-{nonce}'; style-src 'nonce-{nonce}'"
        )
        seen.add(nonce)
    assert len(seen) == 3
    with pytest.raises(ValueError, match="no nonce"):
        build_csp({"script-src": [NONCE]})


def test_permissions_policy_builder() -> None:
    value = build_permissions_policy({"camera": [], "geolocation": ["self", "https://maps.example"], "fullscreen": "*"})
    assert value == 'camera=(), geolocation=(self "https://maps.example"), fullscreen=*'
    res = run(_app(permissions_policy={"microphone": []}).request("/"))
    assert res.headers.get("permissions-policy") == "microphone=()"


@pytest.mark.parametrize(
    "options",
    [
        {"x_frame_options": "DENY\r\nSet-Cookie: session=attacker"},
        {"referrer_policy": "no-referrer\nX-Injected: 1"},
        {"strict_transport_security": "max-age=1\0"},
        {"x_frame_options": ""},
        {"content_security_policy": {"script-src": ["'self'; script-src *"]}},  # directive injection
        {"content_security_policy": {"script-src": ["https://a.example, https://b.example"]}},
        {"content_security_policy": {"script-src": ["'self'\r\nX-Injected: 1"]}},
        {"content_security_policy": {"script src": ["'self'"]}},
        {"content_security_policy": {"script-src;x": ["'self'"]}},
        {"content_security_policy": {"script-src": [""]}},
        {"content_security_policy": {"script-src": [3]}},
        {"permissions_policy": {"camera": ["self)"]}},
        {"permissions_policy": {"camera=(*), x": []}},
    ],
)
def test_injection_is_refused_at_configuration(options: dict) -> None:
    with pytest.raises(ValueError):
        secure_headers(**options)


def test_non_str_override_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        secure_headers(x_frame_options=1)  # type: ignore[arg-type]
