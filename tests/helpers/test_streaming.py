"""Streamed responses: chunks, SSE framing, errors, back-pressure, and stopping when the client goes away."""

from __future__ import annotations

import asyncio

import pytest

from edgekit import App
from edgekit.helpers.streaming import StreamClosed, stream, stream_sse, stream_text
from edgekit.runtime.asgi import ASGIApp
from tests.conftest import run


async def chunks(res):
    return [chunk async for chunk in res.body]


def test_stream_writes_bytes_and_text():
    app = App()

    @app.get("/")
    def h(c):
        async def produce(s):
            await s.write(b"a")
            await s.write("é")
            await s.writeln("line")
            await s.write(b"")  # nothing to send
            await s.sleep(0)
            await s.write(bytearray(b"z"))

        c.header("x-kept", "1")
        return stream(c, produce)

    async def go():
        res = await app.request("/")
        assert res.headers.get("x-kept") == "1" and res.headers.get("content-type") is None
        return await chunks(res)

    assert run(go()) == [b"a", "é".encode(), b"line\n", b"z"]


def test_stream_text_headers_and_full_read():
    app = App()

    @app.get("/")
    def h(c):
        async def produce(s):
            for i in range(20):  # more than the high-water mark: writes wait for the reader
                await s.write(f"{i},")

        return stream_text(c, produce)

    async def go():
        res = await app.request("/")
        return res.headers.get("content-type"), res.headers.get("x-content-type-options"), await res.text()

    assert run(go()) == ("text/plain; charset=UTF-8", "nosniff", "".join(f"{i}," for i in range(20)))


def test_sse_framing():
    app = App()

    @app.get("/events")
    def h(c):
        async def produce(s):
            await s.write_sse(data="hello")
            await s.write_sse(data="line1\nline2\r\nline3\rline4", event="multi", id="7", retry=1500)
            await s.write_sse(data="")

        return stream_sse(c, produce)

    async def go():
        res = await app.request("/events")
        return res.headers.get("content-type"), res.headers.get("cache-control"), await res.text()

    content_type, cache, text = run(go())
    assert (content_type, cache) == ("text/event-stream", "no-cache")
    assert text == (
        "data: hello\n\n"
        "event: multi\nid: 7\nretry: 1500\ndata: line1\ndata: line2\ndata: line3\ndata: line4\n\n"
        "data: \n\n"
    )


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"event": "a\nevent: forged"}, ValueError),
        ({"event": "a\rb"}, ValueError),
        ({"id": "1\n"}, ValueError),
        ({"id": "1\0"}, ValueError),
        ({"retry": -1}, ValueError),
        ({"retry": "5"}, ValueError),
        ({"event": 5}, TypeError),
    ],
)
def test_sse_rejects_field_injection(kwargs, error):
    app = App()
    seen = []

    @app.get("/")
    def h(c):
        async def produce(s):
            try:
                await s.write_sse(data="x", **kwargs)
            except Exception as err:
                seen.append(type(err))
                raise

        return stream_sse(c, produce, on_error=lambda err, s: s.write_sse(data=str(err), event="error"))

    text = run(_read_text(app, "/"))
    assert seen == [error]
    assert text.startswith("event: error\ndata: ") and "forged" not in text.split("data:")[0]


async def _read_text(app, path):
    res = await app.request(path)
    return await res.text()


def test_sse_data_must_be_str():
    app = App()

    @app.get("/")
    def h(c):
        return stream_sse(c, lambda s: s.write_sse(data={"a": 1}), on_error=lambda e, s: s.write(f"{type(e).__name__}"))

    assert run(_read_text(app, "/")) == "TypeError"


def test_error_without_on_error_ends_the_stream_and_logs(capsys):
    app = App()

    @app.get("/")
    def h(c):
        async def produce(s):
            await s.write("partial")
            raise RuntimeError("boom")

        return stream(c, produce)

    assert run(_read_text(app, "/")) == "partial"
    assert "RuntimeError: boom" in capsys.readouterr().err


def test_close_ends_the_body_and_later_work_is_waited_for():
    app = App()
    after = []

    @app.get("/")
    def h(c):
        async def produce(s):
            await s.write("done")
            await s.close()
            await s.close()
            with pytest.raises(StreamClosed):
                await s.write("late")
            await asyncio.sleep(0.01)
            after.append("cleanup")

        return stream(c, produce)

    async def go():
        res = await app.request("/")
        text = await res.text()
        assert after == []  # the body ended at close(), before the callback returned
        await asyncio.sleep(0.05)
        return text

    assert run(go()) == "done"
    assert after == ["cleanup"]


def test_closing_the_body_iterator_stops_the_producer():
    app = App()
    log: list[str] = []

    @app.get("/sse")
    def h(c):
        async def produce(s):
            s.on_abort(lambda: log.append("abort"))

            async def async_hook():
                log.append("async abort")

            s.on_abort(async_hook)
            s.on_abort(lambda: 1 / 0)  # a failing hook does not stop the others
            n = 0
            try:
                while True:
                    await s.write_sse(data=str(n))
                    log.append(f"sent {n}")
                    n += 1
                    await s.sleep(0.001)
            except asyncio.CancelledError:
                log.append(f"cancelled aborted={s.aborted}")
                raise

        return stream_sse(c, produce)

    async def go():
        res = await app.request("/sse")
        body = res.body
        got = [await body.__anext__(), await body.__anext__()]
        await body.aclose()
        await asyncio.sleep(0)  # the producer's cancellation runs on the next loop turn
        await asyncio.sleep(0)
        assert "cancelled aborted=True" in log
        count = len(log)
        await asyncio.sleep(0.05)
        return got, count

    got, count = run(go())
    assert got == [b"data: 0\n\n", b"data: 1\n\n"]
    assert "abort" in log and "async abort" in log and "cancelled aborted=True" in log
    assert len(log) == count  # nothing ran after the abort
    sent = [entry for entry in log if entry.startswith("sent")]
    assert len(sent) <= 3


def test_asgi_server_send_failure_stops_the_producer():
    """A server whose send fails once the client has gone (as servers raise OSError) stops the stream."""
    app = App()
    state = {"ticks": 0, "cancelled": False}

    @app.get("/sse")
    def h(c):
        async def produce(s):
            try:
                while True:
                    await s.write_sse(data=str(state["ticks"]))
                    state["ticks"] += 1
                    await s.sleep(0.001)
            except asyncio.CancelledError:
                state["cancelled"] = True
                raise

        return stream_sse(c, produce)

    async def go():
        sent = []

        async def receive():
            await asyncio.sleep(3600)

        async def send(message):
            if message["type"] == "http.response.body" and len(sent) >= 3:
                raise OSError("connection reset by peer")
            sent.append(message)

        scope = {
            "type": "http",
            "method": "GET",
            "path": "/sse",
            "raw_path": b"/sse",
            "query_string": b"",
            "headers": [(b"host", b"t")],
        }
        with pytest.raises(OSError):
            await ASGIApp(app)(scope, receive, send)
        for _ in range(5):
            await asyncio.sleep(0.01)
        ticks = state["ticks"]
        await asyncio.sleep(0.05)
        return sent, ticks

    sent, ticks = run(go())
    assert sent[0]["status"] == 200 and sent[1]["body"] == b"data: 0\n\n"
    assert state["cancelled"] is True
    assert state["ticks"] == ticks  # no tick after the disconnect


def test_head_request_never_starts_the_producer():
    app = App()
    started = []

    @app.get("/")
    def h(c):
        async def produce(s):
            started.append(1)

        return stream(c, produce)

    res = run(app.request("/", method="HEAD"))
    assert res.status == 200 and res.body is None and started == []


def test_bad_callback_and_bad_write():
    app = App()

    @app.get("/none")
    def none(c):
        return stream(c, None)  # type: ignore[arg-type]

    @app.get("/int")
    def bad_write(c):
        return stream(c, lambda s: s.write(5), on_error=lambda e, s: s.write(str(e)))

    assert run(app.request("/none")).status == 500
    assert run(_read_text(app, "/int")) == "a stream writes bytes or str, not int"
