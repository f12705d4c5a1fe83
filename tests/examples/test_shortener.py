"""The URL shortener example on an in-memory KV with a fake clock: TTLs, custom slugs, safe redirects."""

from __future__ import annotations

import asyncio

import pytest

from edgekit.bindings.kv import KVNamespace
from edgekit.testing import TestClient
from examples.shortener.app import app


class Clock:
    def __init__(self) -> None:
        self.ms = 1_800_000_000_000

    def __call__(self) -> int:
        return self.ms

    def advance(self, seconds: float) -> None:
        self.ms += int(seconds * 1000)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def links(clock: Clock):
    with KVNamespace(":memory:", now_ms=clock) as kv:
        yield kv


@pytest.fixture
def http(edgekit_env, links):
    with TestClient(app, edgekit_env(LINKS=links), base_url="https://sho.rt") as client:
        yield client


def test_shorten_follow_and_expire(http: TestClient, clock: Clock) -> None:
    res = http.post("/links", json={"url": "https://example.com/a page?x=1#top", "ttl": 120})
    assert res.status_code == 201
    link = res.json()
    assert link["url"] == "https://example.com/a%20page?x=1#top" and link["expires_in"] == 120
    assert link["short_url"] == f"https://sho.rt/{link['slug']}" and len(link["slug"]) == 7
    assert res.headers["location"] == f"/links/{link['slug']}"
    res = http.get(f"/{link['slug']}")
    assert (res.status_code, res.headers["location"]) == (302, link["url"])
    assert http.get(f"/links/{link['slug']}").json() == {"slug": link["slug"], "url": link["url"]}
    clock.advance(119)
    assert http.get(f"/{link['slug']}").status_code == 302
    clock.advance(2)
    res = http.get(f"/{link['slug']}")
    assert res.status_code == 404 and "expired" in res.text


def test_default_ttl_is_a_week(http: TestClient, clock: Clock) -> None:
    slug = http.post("/links", json={"url": "http://example.com"}).json()["slug"]
    clock.advance(7 * 24 * 3600 - 1)
    assert http.get(f"/{slug}").status_code == 302
    clock.advance(2)
    assert http.get(f"/{slug}").status_code == 404


def test_custom_slug_is_validated_and_cannot_be_taken_twice(http: TestClient) -> None:
    assert http.post("/links", json={"url": "https://a.example", "slug": "my-link_1"}).json()["slug"] == "my-link_1"
    res = http.post("/links", json={"url": "https://b.example", "slug": "my-link_1"})
    assert res.status_code == 409 and "taken" in res.text
    assert http.get("/my-link_1").headers["location"] == "https://a.example/"


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("ab", "3 to 32"),
        ("x" * 33, "3 to 32"),
        ("a b c", "3 to 32"),
        ("../etc", "3 to 32"),
        ("caf\u00e9", "3 to 32"),
        (123, "3 to 32"),
        ("links", "reserved"),
        ("Admin", "reserved"),
    ],
)
def test_bad_slugs_are_400(http: TestClient, slug: object, message: str) -> None:
    res = http.post("/links", json={"url": "https://a.example", "slug": slug})
    assert res.status_code == 400 and message in res.text


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("javascript:alert(document.cookie)", "http or https"),
        ("JavaScript:alert(1)", "http or https"),
        ("  javascript:alert(1)", "http or https"),
        ("data:text/html,<script>alert(1)</script>", "http or https"),
        ("ftp://files.example", "http or https"),
        ("//evil.example", "absolute URL"),
        ("/local/path", "absolute URL"),
        ("https://user:pass@bank.example", "user name or password"),
        ("", "non-empty"),
        (None, "non-empty"),
        (["https://a.example"], "non-empty"),
        ("https://a.example/" + "x" * 2048, "at most 2048"),
    ],
)
def test_unsafe_or_malformed_urls_are_refused(http: TestClient, url: object, message: str) -> None:
    res = http.post("/links", json={"url": url})
    assert res.status_code == 400 and message in res.text


@pytest.mark.parametrize("ttl", [59, 0, -1, 365 * 24 * 3600 + 1, "60", 60.5, True])
def test_bad_ttls_are_400(http: TestClient, ttl: object) -> None:
    res = http.post("/links", json={"url": "https://a.example", "ttl": ttl})
    assert res.status_code == 400 and "ttl must be" in res.text


def test_a_stored_script_url_is_never_followed(http: TestClient, links: KVNamespace) -> None:
    asyncio.run(links.put("link:planted", "javascript:alert(1)"))
    res = http.get("/planted")
    assert res.status_code == 404 and "location" not in res.headers


def test_bad_bodies_and_unknown_slugs(http: TestClient) -> None:
    assert http.post("/links", json=["https://a.example"]).status_code == 400
    assert http.post("/links", content=b"{", headers={"content-type": "application/json"}).status_code == 400
    assert http.get("/nothing-here").status_code == 404
    assert "usage" in http.get("/").json()


def test_its_wrangler_toml_binds_the_kv_namespace(edgekit_env) -> None:
    env = edgekit_env("../../examples/shortener/wrangler.toml")
    with TestClient(app, env) as client:
        slug = client.post("/links", json={"url": "https://a.example"}).json()["slug"]
        assert client.get(f"/{slug}").status_code == 302
