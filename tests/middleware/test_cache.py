from __future__ import annotations

import pytest

from edgekit import App, Context, Response
from edgekit.middleware.cache import (
    MemoryCache,
    ResponseCache,
    cache,
    cache_control,
    is_storable,
    parse_cache_control,
)
from edgekit.middleware.compress import compress
from tests.conftest import run


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _app(store: ResponseCache, **options: object) -> tuple[App, dict[str, int]]:
    calls: dict[str, int] = {}
    app = App()
    app.use(cache(store, **options))  # type: ignore[arg-type]

    def count(c: Context) -> int:
        calls[c.req.path] = calls.get(c.req.path, 0) + 1
        return calls[c.req.path]

    @app.get("/fresh")
    def fresh(c: Context) -> object:
        return c.text(f"call {count(c)}", headers={"cache-control": "public, max-age=60"})

    @app.get("/plain")
    def plain(c: Context) -> object:
        return c.text(f"call {count(c)}")

    @app.get("/private")
    def private(c: Context) -> object:
        return c.text(f"call {count(c)}", headers={"cache-control": "private, max-age=60"})

    @app.get("/no-store")
    def no_store(c: Context) -> object:
        return c.text(f"call {count(c)}", headers={"cache-control": "no-store, max-age=60"})

    @app.get("/cookie")
    def cookie(c: Context) -> object:
        return c.text(f"call {count(c)}", headers={"cache-control": "max-age=60", "set-cookie": "sid=1"})

    @app.get("/vary-star")
    def vary_star(c: Context) -> object:
        return c.text(f"call {count(c)}", headers={"cache-control": "max-age=60", "vary": "*"})

    @app.get("/vary-lang")
    def vary_lang(c: Context) -> object:
        lang = c.req.header("accept-language") or "-"
        return c.text(f"{lang} {count(c)}", headers={"cache-control": "max-age=60", "vary": "Accept-Language"})

    @app.get("/stream")
    def stream(c: Context) -> object:
        n = count(c)

        async def chunks():  # type: ignore[no-untyped-def]
            yield b"streamed "
            yield str(n).encode()

        return c.body(chunks(), headers={"cache-control": "s-maxage=60, max-age=0", "content-type": "text/plain"})

    @app.get("/error")
    def error(c: Context) -> object:
        return c.text(f"call {count(c)}", 500, headers={"cache-control": "max-age=60"})

    @app.post("/fresh")
    def post(c: Context) -> object:
        return c.text(f"post {count(c)}", headers={"cache-control": "max-age=60"})

    return app, calls


def _text(app: App, path: str, **kw: object) -> str:
    return run(run(app.request(path, **kw)).text())  # type: ignore[arg-type]


def test_serves_a_fresh_response_from_the_store() -> None:
    store = MemoryCache()
    app, calls = _app(store, wait=True)
    assert _text(app, "/fresh") == "call 1"
    res = run(app.request("/fresh"))
    assert run(res.text()) == "call 1" and res.headers.get("age") == "0"
    assert res.headers.get("cache-control") == "public, max-age=60"
    assert calls["/fresh"] == 1 and len(store) == 1


def test_stored_in_the_background_by_default() -> None:
    app, calls = _app(MemoryCache())
    _text(app, "/fresh")
    assert _text(app, "/fresh") == "call 1"  # app.request waited for wait_until


def test_query_is_part_of_the_key() -> None:
    app, calls = _app(MemoryCache())
    assert _text(app, "/fresh?a=1") == "call 1"
    assert _text(app, "/fresh?a=2") == "call 2"
    assert _text(app, "/fresh?a=1#frag") == "call 1"


def test_expiry_by_max_age() -> None:
    clock = Clock()
    app, _ = _app(MemoryCache(clock=clock))
    _text(app, "/fresh")
    clock.now += 30
    res = run(app.request("/fresh"))
    assert run(res.text()) == "call 1" and res.headers.get("age") == "30"
    clock.now += 30
    assert _text(app, "/fresh") == "call 2"


@pytest.mark.parametrize("path", ["/plain", "/private", "/no-store", "/cookie", "/vary-star", "/vary-lang", "/error"])
def test_not_stored(path: str) -> None:
    store = MemoryCache()
    app, _ = _app(store)
    _text(app, path)
    second = _text(app, path)
    assert second.endswith("2") and len(store) == 0


def test_cache_control_option_applies_to_responses_without_one() -> None:
    app, _ = _app(MemoryCache(), cache_control=cache_control(public=True, max_age=10))
    res = run(app.request("/plain"))
    assert res.headers.get("cache-control") == "public, max-age=10"
    assert _text(app, "/plain") == "call 1"
    assert run(app.request("/private")).headers.get("cache-control") == "private, max-age=60"


def test_vary_option_keys_on_the_header() -> None:
    app, _ = _app(MemoryCache(), vary=["Accept-Language"])
    assert _text(app, "/vary-lang", headers={"accept-language": "fr"}) == "fr 1"
    assert _text(app, "/vary-lang", headers={"accept-language": "de"}) == "de 2"
    assert _text(app, "/vary-lang", headers={"accept-language": "fr"}) == "fr 1"
    res = run(app.request("/fresh"))
    assert res.headers.get("vary") == "Accept-Language"


def test_a_stream_is_read_once_and_re_served() -> None:
    app, calls = _app(MemoryCache())
    assert _text(app, "/stream") == "streamed 1"
    assert _text(app, "/stream") == "streamed 1"
    assert calls["/stream"] == 1


def test_authorization_and_other_methods_bypass() -> None:
    app, calls = _app(MemoryCache())
    _text(app, "/fresh")
    assert _text(app, "/fresh", headers={"authorization": "Bearer x"}) == "call 2"
    assert _text(app, "/fresh", method="POST") == "post 3"
    assert _text(app, "/fresh") == "call 1"


def test_head_is_served_from_the_store_but_never_stores() -> None:
    app, _ = _app(MemoryCache())
    res = run(app.request("/fresh", method="HEAD"))
    assert res.status == 200 and run(res.bytes()) == b""
    assert _text(app, "/fresh") == "call 2"
    res = run(app.request("/fresh", method="HEAD"))
    assert res.headers.get("age") == "0" and run(res.bytes()) == b""


def test_inside_compress_stores_plain_bodies() -> None:
    store = MemoryCache()
    app = App()
    app.use(compress(threshold=0))
    app.use(cache(store))
    app.get("/")(lambda c: c.text("x" * 100, headers={"cache-control": "max-age=60"}))
    gz = run(app.request("/", headers={"accept-encoding": "gzip"}))
    assert gz.headers.get("content-encoding") == "gzip"
    plain = run(app.request("/"))
    assert plain.headers.get("content-encoding") is None and run(plain.text()) == "x" * 100


def test_custom_key_and_store_protocol() -> None:
    class Recorder:
        def __init__(self) -> None:
            self.puts: list[str] = []

        async def match(self, url: str) -> Response | None:
            return None

        async def put(self, url: str, response: Response) -> None:
            self.puts.append(url + " " + await response.text())

        async def delete(self, url: str) -> bool:
            return False

    recorder = Recorder()
    app, _ = _app(recorder, key=lambda c: "https://cache.internal" + c.req.path)
    _text(app, "/fresh?x=1")
    assert recorder.puts == ["https://cache.internal/fresh call 1"]


def test_memory_cache_lru_and_byte_budget() -> None:
    async def go() -> None:
        store = MemoryCache(max_entries=2)
        for name in ("a", "b"):
            await store.put(name, Response(name, headers={"cache-control": "max-age=60"}))
        assert await store.match("a") is not None  # "a" is now the most recent
        await store.put("c", Response("c", headers={"cache-control": "max-age=60"}))
        assert await store.match("b") is None and await store.match("a") is not None and len(store) == 2

        small = MemoryCache(max_bytes=200)
        await small.put("big", Response("x" * 500, headers={"cache-control": "max-age=60"}))
        assert len(small) == 0
        for i in range(5):
            await small.put(str(i), Response("y" * 60, headers={"cache-control": "max-age=60"}))
        assert small.size <= 200 and await small.match("4") is not None and await small.match("0") is None

        assert await store.delete("a") is True and await store.delete("a") is False
        await store.put("c", Response("c2", headers={"cache-control": "no-cache"}))
        assert await store.match("c") is None  # replaced by a response without lifetime: gone

    run(go())


def test_cache_control_builder() -> None:
    assert cache_control(public=True, max_age=600, immutable=True) == "public, max-age=600, immutable"
    assert (
        cache_control(private=True, no_cache=True, must_revalidate=True, stale_while_revalidate=30, stale_if_error=60)
        == "private, no-cache, stale-while-revalidate=30, stale-if-error=60, must-revalidate"
    )
    assert cache_control(no_store=True) == "no-store"
    assert cache_control(s_maxage=0, no_transform=True, proxy_revalidate=True, must_understand=True) == (
        "s-maxage=0, proxy-revalidate, no-transform, must-understand"
    )


@pytest.mark.parametrize(
    "bad", [{}, {"public": True, "private": True}, {"max_age": -1}, {"max_age": 1.5}, {"s_maxage": True}]
)
def test_cache_control_builder_rejects(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        cache_control(**bad)  # type: ignore[arg-type]


def test_parse_cache_control() -> None:
    assert parse_cache_control('Public, MAX-AGE=60, no-cache="set-cookie, x", max-age=5, ,') == {
        "public": None,
        "max-age": "60",
        "no-cache": "set-cookie, x",
    }
    assert parse_cache_control(None) == {} and parse_cache_control(',,="x"') == {}


@pytest.mark.parametrize("value", ["max-age=abc", "max-age=-5", "max-age=", "max-age=0", "max-age=\u00b2"])
def test_unreadable_or_zero_lifetime_is_not_storable(value: str) -> None:
    assert not is_storable(Response("x", headers={"cache-control": value}))


def test_bad_store_and_vary() -> None:
    with pytest.raises(TypeError, match="ResponseCache"):
        cache(object())  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        cache(MemoryCache(), vary=["bad header"])
    with pytest.raises(ValueError):
        MemoryCache(max_entries=0)
