"""body_limit(): 413 before reading a declared oversized body; streams stopped at the limit."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from edgekit import App, Request
from edgekit.middleware.body_limit import BodyLimitExceeded, body_limit, declared_length
from tests.conftest import run


class Source:
    """A streamed request body that records how much of it was pulled."""

    def __init__(self, chunks: list[bytes] | None = None, endless: bool = False) -> None:
        self.chunks = chunks or []
        self.endless = endless
        self.pulled = 0
        self.closed = False

    async def stream(self) -> AsyncIterator[bytes]:
        try:
            index = 0
            while self.endless or index < len(self.chunks):
                chunk = self.chunks[index % len(self.chunks)]
                self.pulled += len(chunk)
                index += 1
                yield chunk
        finally:
            self.closed = True


def _app(max_size: int = 10, **options: object) -> App:
    app = App()
    app.use(body_limit(max_size, **options))  # type: ignore[arg-type]

    @app.post("/echo")
    async def echo(c: object) -> bytes:
        return await c.req.bytes()  # type: ignore[attr-defined]

    @app.post("/ignore")
    def ignore(c: object) -> str:
        return "did not read"

    @app.post("/swallow")
    async def swallow(c: object) -> str:
        try:
            await c.req.text()  # type: ignore[attr-defined]
        except BodyLimitExceeded:
            return "caught it"
        return "read it"

    return app


def _post(app: App, path: str, body: object, **headers: str):
    res = run(app.request(path, method="POST", body=body, headers={k.replace("_", "-"): v for k, v in headers.items()}))
    return res.status, run(res.text())


def test_within_the_limit_passes() -> None:
    app = _app()
    assert _post(app, "/echo", b"0123456789") == (200, "0123456789")
    assert _post(app, "/echo", b"") == (200, "")
    assert _post(app, "/echo", Source([b"01234", b"56789"]).stream()) == (200, "0123456789")
    assert _post(app, "/echo", b"0123456789", content_length="10") == (200, "0123456789")
    assert run(app.request("/nope")).status == 404  # no body at all


def test_declared_oversized_body_is_413_without_reading() -> None:
    source = Source([b"x" * 100])
    status, text = _post(_app(), "/echo", source.stream(), content_length="100")
    assert status == 413 and "Payload Too Large" in text
    assert source.pulled == 0
    assert _post(_app(), "/echo", b"x" * 11)[0] == 413  # a fixed body's size is known


def test_streamed_body_stops_at_the_first_chunk_over_the_limit() -> None:
    source = Source([b"abcd"], endless=True)
    status, _ = _post(_app(10), "/echo", source.stream())
    assert status == 413
    assert source.pulled == 12  # 4 + 4 + 4: the third chunk went over; nothing after it
    assert source.closed


def test_lying_content_length_is_caught_while_reading() -> None:
    source = Source([b"abcdef"], endless=True)
    assert _post(_app(10), "/echo", source.stream(), content_length="5")[0] == 413
    assert source.pulled == 12


def test_handler_that_catches_the_error_still_answers_413() -> None:
    assert _post(_app(), "/swallow", Source([b"x" * 50]).stream())[0] == 413
    assert _post(_app(), "/swallow", Source([b"x" * 5]).stream()) == (200, "read it")


def test_handler_that_never_reads_is_not_charged_and_the_body_stays_unread() -> None:
    source = Source([b"x" * 50])
    assert _post(_app(), "/ignore", source.stream()) == (200, "did not read")
    assert source.pulled == 0
    # The same Request, still unread: a runtime adapter can tell it must drain it.
    app = App()
    app.use(body_limit(10))
    seen = []
    app.post("/ignore")(lambda c: seen.append(c.req.raw) or "ok")
    request = Request("http://localhost/ignore", method="POST", body=Source([b"x" * 50]).stream())
    assert run(app.fetch(request)).status == 200
    assert seen == [request] and not request.body_used


def test_a_stream_consumed_before_the_limit_is_left_alone() -> None:
    app = App()

    async def drain_first(c: object, next: object) -> None:
        async for _ in c.req.raw.body:  # type: ignore[attr-defined]
            pass
        await next()  # type: ignore[operator]

    app.use(drain_first)
    app.use(body_limit(1))
    app.post("/")(lambda c: "fine")
    assert _post(app, "/", Source([b"x" * 50]).stream()) == (200, "fine")


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "0x10", "+5", "5, 6", "", "1\u00b2", "5 5"])
def test_invalid_content_length_is_400(value: str) -> None:
    assert _post(_app(), "/echo", b"x", content_length=value)[0] == 400


def test_repeated_identical_content_length_counts_once() -> None:
    assert declared_length("5, 5") == 5 and declared_length("5,6") is None
    assert _post(_app(), "/echo", b"12345", content_length="5, 5") == (200, "12345")


def test_on_error_sync_and_async() -> None:
    app = _app(on_error=lambda c: c.json({"error": "too big"}, 413))
    status, text = _post(app, "/echo", b"x" * 11)
    assert (status, text) == (413, '{"error":"too big"}')

    async def later(c: object) -> object:
        return c.text("nope", 413)  # type: ignore[attr-defined]

    assert _post(_app(on_error=later), "/echo", Source([b"x" * 20]).stream()) == (413, "nope")


def test_zero_limit_allows_only_empty_bodies() -> None:
    app = _app(0)
    assert _post(app, "/echo", b"") == (200, "")
    assert _post(app, "/echo", Source([b"x"]).stream())[0] == 413


@pytest.mark.parametrize(
    ("args", "error"),
    [((-1,), ValueError), (("10",), ValueError), ((True,), ValueError), ((10, "not callable"), TypeError)],
)
def test_configuration_errors_raise_at_setup(args: tuple, error: type) -> None:
    with pytest.raises(error):
        body_limit(*args)


def test_chunked_upload_through_the_asgi_adapter_stops_receiving() -> None:
    from edgekit.runtime.asgi import ASGIApp

    received = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal received
        received += 1
        return {"type": "http.request", "body": b"y" * 1000, "more_body": True}  # an endless upload

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/echo",
        "raw_path": b"/echo",
        "query_string": b"",
        "headers": [(b"host", b"example.com"), (b"transfer-encoding", b"chunked")],
    }
    run(ASGIApp(_app(4500))(scope, receive, send))
    assert sent[0]["status"] == 413
    assert received == 5  # 5000 bytes: the fifth message went over 4500; no sixth was asked for
