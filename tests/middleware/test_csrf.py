"""csrf(): same-origin forms pass; cross-site, null-origin and header-less form posts are 403."""

from __future__ import annotations

import pytest

from edgekit import App
from edgekit.middleware.csrf import csrf, is_form_like
from tests.conftest import run

FORM = "application/x-www-form-urlencoded"


def _app(*args: object, **options: object) -> App:
    app = App()
    app.use(csrf(*args, **options))  # type: ignore[arg-type]
    app.on(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"], "/submit")(lambda c: "done")
    return app


def _send(
    app: App, method: str = "POST", url: str = "http://localhost/submit", body: str | None = "a=1", **headers: str
) -> int:
    sent = {k.replace("_", "-"): v for k, v in headers.items()}
    return run(app.request(url, method=method, headers=sent, body=None if method == "GET" else body)).status


def test_same_origin_form_passes_by_origin_or_sec_fetch_site() -> None:
    app = _app()
    assert _send(app, content_type=FORM, origin="http://localhost") == 200
    assert _send(app, content_type=FORM, sec_fetch_site="same-origin") == 200
    assert (
        _send(app, url="https://shop.example:8443/submit", content_type=FORM, origin="https://shop.example:8443") == 200
    )


@pytest.mark.parametrize(
    "content_type",
    [
        FORM,
        "multipart/form-data; boundary=x",
        "text/plain;charset=UTF-8",
        "TEXT/PLAIN",
        " text/plain",
        "text/plainish",
        None,
    ],
)
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "patch"])
def test_cross_site_form_like_requests_are_403(content_type: str | None, method: str) -> None:
    headers = {"origin": "https://evil.example"}
    if content_type is not None:
        headers["content_type"] = content_type
    assert _send(_app(), method=method, **headers) == 403


@pytest.mark.parametrize(
    "headers",
    [
        {},  # neither Origin nor Sec-Fetch-Site: fails closed
        {"origin": "null"},
        {"origin": "http://localhost:80"},  # not how a browser writes the default port
        {"origin": "http://localhost.evil.example"},
        {"origin": "https://localhost"},
        {"origin": ""},
        {"sec_fetch_site": "cross-site"},
        {"sec_fetch_site": "same-site"},
        {"sec_fetch_site": "none"},
        {"sec_fetch_site": "cross-site", "origin": "https://evil.example"},
    ],
)
def test_spoofed_or_missing_origins_are_403(headers: dict[str, str]) -> None:
    assert _send(_app(), content_type=FORM, **headers) == 403


def test_safe_methods_and_non_form_types_pass() -> None:
    app = _app()
    assert _send(app, method="GET", origin="https://evil.example") == 200
    assert _send(app, method="OPTIONS", body=None, origin="https://evil.example") == 200
    assert _send(app, content_type="application/json", origin="https://evil.example") == 200


def test_origin_list_and_callable() -> None:
    app = _app(["https://a.example", "https://b.example"])
    assert _send(app, content_type=FORM, origin="https://b.example") == 200
    assert _send(app, content_type=FORM, origin="http://localhost") == 403  # the list replaces the default
    app = _app("https://a.example", sec_fetch_site=None)
    assert _send(app, content_type=FORM, sec_fetch_site="same-origin") == 403  # that check is off

    async def sub_domain(origin: str, c: object) -> bool:
        return origin.startswith("https://") and origin.endswith(".example.com")

    app = _app(sub_domain)
    assert _send(app, content_type=FORM, origin="https://x.example.com") == 200
    assert _send(app, content_type=FORM, origin="https://example.com.evil") == 403


def test_sec_fetch_site_options() -> None:
    app = _app(sec_fetch_site=["same-origin", "same-site"])
    assert _send(app, content_type=FORM, sec_fetch_site="same-site") == 200
    assert _send(app, content_type=FORM, sec_fetch_site="cross-site") == 403
    app = _app(sec_fetch_site=lambda value, c: value != "cross-site")
    assert _send(app, content_type=FORM, sec_fetch_site="none") == 200


def test_the_403_goes_through_on_error() -> None:
    app = _app()
    app.on_error(lambda err, c: c.json({"status": err.status}, err.status))
    res = run(app.request("/submit", method="POST", body="a=1", headers={"content-type": FORM}))
    assert res.status == 403 and run(res.json()) == {"status": 403}


@pytest.mark.parametrize(
    ("args", "options", "error"),
    [
        (("https://a.example/",), {}, ValueError),
        (([],), {}, ValueError),
        (([None],), {}, TypeError),
        ((), {"sec_fetch_site": "same_origin"}, ValueError),
        ((), {"sec_fetch_site": ["same-origin", "sometimes"]}, ValueError),
    ],
)
def test_configuration_errors_raise_at_setup(args: tuple, options: dict, error: type) -> None:
    with pytest.raises(error):
        csrf(*args, **options)


def test_is_form_like() -> None:
    assert is_form_like(None) and is_form_like("") and is_form_like("Multipart/Form-Data; boundary=a")
    assert not is_form_like("application/json") and not is_form_like("application/x-www-form")
