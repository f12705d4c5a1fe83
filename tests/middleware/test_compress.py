from __future__ import annotations

import asyncio
import gzip
import zlib

import pytest

from edgekit import App, Context, Response
from edgekit.middleware.compress import choose_encoding, compress, is_compressible
from tests.conftest import run

TEXT = "edgekit compresses text. " * 100  # 2,500 bytes


def _app(**options: object) -> App:
    app = App()
    app.use(compress(**options))  # type: ignore[arg-type]

    @app.get("/text")
    def text(c: Context) -> object:
        c.header("etag", '"abc"')
        c.header("set-cookie", "s=1")
        return c.text(TEXT, headers={"content-length": str(len(TEXT))})

    @app.get("/small")
    def small(c: Context) -> str:
        return "tiny"

    @app.get("/json")
    def json_(c: Context) -> object:
        return c.json({"items": list(range(500))}, 201)

    @app.get("/png")
    def png(c: Context) -> object:
        return c.body(b"\x89PNG" + b"\0" * 5000, headers={"content-type": "image/png"})

    @app.get("/encoded")
    def encoded(c: Context) -> object:
        return c.body(gzip.compress(TEXT.encode()), headers={"content-type": "text/plain", "content-encoding": "gzip"})

    @app.get("/no-transform")
    def no_transform(c: Context) -> object:
        return c.text(TEXT, headers={"cache-control": "public, no-transform"})

    @app.get("/vary")
    def vary(c: Context) -> object:
        return c.text(TEXT, headers={"vary": "Accept-Language"})

    @app.get("/empty")
    def empty(c: Context) -> object:
        return c.body(None, 204)

    @app.get("/stream")
    def stream(c: Context) -> object:
        async def chunks():  # type: ignore[no-untyped-def]
            for i in range(50):
                yield f"data: event {i}\n\n".encode()

        return c.body(chunks(), headers={"content-type": "text/event-stream"})

    @app.get("/short-stream")
    def short_stream(c: Context) -> object:
        async def chunks():  # type: ignore[no-untyped-def]
            yield b"hi"

        return c.body(chunks(), headers={"content-type": "text/plain", "content-length": "2"})

    return app


def test_gzip_by_default() -> None:
    res = run(_app().request("/text", headers={"accept-encoding": "gzip, deflate"}))
    assert res.headers.get("content-encoding") == "gzip"
    assert res.headers.get("vary") == "Accept-Encoding"
    assert res.headers.get("content-length") is None
    assert res.headers.get("content-type") == "text/plain; charset=UTF-8"
    assert res.headers.get("etag") == 'W/"abc"'
    assert res.headers.get_set_cookie() == ["s=1"]
    body = run(res.bytes())
    assert len(body) < len(TEXT) / 10 and gzip.decompress(body).decode() == TEXT


def test_deflate_is_the_zlib_format() -> None:
    res = run(_app().request("/json", headers={"accept-encoding": "deflate"}))
    assert res.status == 201 and res.headers.get("content-encoding") == "deflate"
    assert zlib.decompress(run(res.bytes())).startswith(b'{"items":[0,1,2')


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("gzip;q=0.5, deflate", "deflate"),
        ("gzip;q=0, deflate;q=0.1", "deflate"),
        ("*", "gzip"),
        ("*;q=0.3, gzip;q=0", "deflate"),
        ("br", None),
        ("identity", None),
        ("gzip;q=0, deflate;q=0", None),
        ("", None),
        ("gzip;q=nan", None),
        ("gzip;q=-1, deflate;q=1.5", None),
        (";;;,,,=", None),
    ],
)
def test_choice_by_q_values(accept: str, expected: str | None) -> None:
    assert choose_encoding(accept) == expected
    res = run(_app().request("/text", headers={"accept-encoding": accept}))
    assert res.headers.get("content-encoding") == expected
    if expected is None:
        assert run(res.text()) == TEXT and res.headers.get("vary") == "Accept-Encoding"


def test_encoding_option_limits_the_choice() -> None:
    res = run(_app(encoding="deflate").request("/text", headers={"accept-encoding": "gzip, deflate;q=0.1"}))
    assert res.headers.get("content-encoding") == "deflate"
    res = run(_app(encoding="deflate").request("/text", headers={"accept-encoding": "gzip"}))
    assert res.headers.get("content-encoding") is None


@pytest.mark.parametrize("path", ["/small", "/png", "/encoded", "/no-transform", "/empty", "/short-stream"])
def test_skipped(path: str) -> None:
    res = run(_app().request(path, headers={"accept-encoding": "gzip"}))
    assert res.headers.get("content-encoding") == ("gzip" if path == "/encoded" else None)
    assert res.headers.get("vary") is None


def test_already_encoded_body_untouched() -> None:
    res = run(_app().request("/encoded", headers={"accept-encoding": "gzip"}))
    assert gzip.decompress(run(res.bytes())).decode() == TEXT


def test_threshold_option() -> None:
    res = run(_app(threshold=0).request("/small", headers={"accept-encoding": "gzip"}))
    assert gzip.decompress(run(res.bytes())) == b"tiny"


def test_head_is_skipped() -> None:
    res = run(_app().request("/text", method="HEAD", headers={"accept-encoding": "gzip"}))
    assert res.headers.get("content-encoding") is None


def test_existing_vary_is_extended() -> None:
    res = run(_app().request("/vary", headers={"accept-encoding": "gzip"}))
    assert res.headers.get("vary") == "Accept-Language, Accept-Encoding"


def test_stream_is_compressed_chunk_by_chunk() -> None:
    async def go() -> list[bytes]:
        res = await _app().request("/stream", headers={"accept-encoding": "gzip"})
        assert res.headers.get("content-encoding") == "gzip"
        assert res.body_bytes is None  # still a stream: nothing was buffered
        stream = res.body
        assert stream is not None
        return [chunk async for chunk in stream]

    chunks = run(go())
    assert len(chunks) == 51
    decompressor = zlib.decompressobj(31)
    # Each chunk decompresses on its own as it arrives (sync flush): SSE keeps working.
    assert decompressor.decompress(chunks[0]) == b"data: event 0\n\n"
    assert decompressor.decompress(chunks[1]) == b"data: event 1\n\n"
    rest = b"".join(decompressor.decompress(chunk) for chunk in chunks[2:]) + decompressor.flush()
    assert rest.startswith(b"data: event 2\n\n") and rest.endswith(b"data: event 49\n\n")


def test_stream_is_not_read_ahead() -> None:
    produced: list[int] = []
    app = App()
    app.use(compress())

    @app.get("/")
    def endless(c: Context) -> object:
        async def chunks():  # type: ignore[no-untyped-def]
            i = 0
            while True:
                produced.append(i)
                yield b"x" * 10
                i += 1
                await asyncio.sleep(0)

        return Response(chunks(), headers={"content-type": "text/plain"})

    async def go() -> None:
        res = await app.request("/", headers={"accept-encoding": "gzip"})
        stream = res.body
        assert stream is not None
        await stream.__anext__()
        await stream.__anext__()

    run(go())
    assert len(produced) <= 3


def test_is_compressible() -> None:
    for ok in (
        "text/html; charset=utf-8",
        "application/json",
        "application/ld+json",
        "image/svg+xml",
        "application/wasm",
    ):
        assert is_compressible(ok), ok
    for no in (
        None,
        "",
        "image/png",
        "video/mp4",
        "application/zip",
        "application/gzip",
        "application/octet-stream",
        "font/woff2",
    ):
        assert not is_compressible(no), no


@pytest.mark.parametrize(
    "bad", [{"encoding": "br"}, {"threshold": -1}, {"level": 0}, {"level": 10}, {"threshold": "1k"}]
)
def test_bad_options(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        compress(**bad)  # type: ignore[arg-type]
