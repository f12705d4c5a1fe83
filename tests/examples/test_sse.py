"""The SSE example: real event frames read from the streamed body."""

from __future__ import annotations

import asyncio
import json

from examples.sse.app import app
from tests.conftest import run


def parse_frames(text: str) -> list[dict[str, str]]:
    """Split an event stream into events, each a dict of its fields (data lines joined)."""
    events = []
    for block in text.split("\n\n"):
        if not block:
            continue
        event: dict[str, str] = {}
        for line in block.split("\n"):
            name, _, value = line.partition(": ")
            event[name] = event[name] + "\n" + value if name in event else value
        events.append(event)
    return events


async def read_events(path: str, how_many: int, headers=None) -> tuple[object, list[dict[str, str]]]:
    res = await app.request(path, headers=headers)
    text = ""
    body = res.body
    async for chunk in body:
        text += chunk.decode()
        if text.count("\n\n") >= how_many:
            break
    await body.aclose()
    return res, parse_frames(text)


def test_clock_streams_numbered_ticks():
    res, events = run(read_events("/clock?interval=0.01&count=3", 3))
    assert res.status == 200 and res.headers.get("content-type") == "text/event-stream"
    assert [e["id"] for e in events] == ["0", "1", "2"]
    assert all(e["event"] == "tick" for e in events)
    assert events[0]["retry"] == "3000" and "retry" not in events[1]
    assert [json.loads(e["data"])["n"] for e in events] == [0, 1, 2]


def test_count_ends_the_stream():
    async def go():
        res = await app.request("/clock?interval=0.01&count=2")
        return parse_frames(await res.text())

    assert [e["id"] for e in run(go())] == ["0", "1"]


def test_resumes_after_last_event_id():
    _, events = run(read_events("/clock?interval=0.01", 2, headers={"last-event-id": "41"}))
    assert [e["id"] for e in events] == ["42", "43"]


def test_endless_clock_stops_when_the_reader_leaves():
    async def go():
        _, events = await read_events("/clock?interval=0.01", 2)
        await asyncio.sleep(0.05)  # the producer was cancelled: nothing left running
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        return events, pending

    events, pending = run(go())
    assert len(events) == 2 and pending == []


def test_bad_query_is_a_structured_400():
    for query, field in (
        ("interval=soon", "$.interval"),
        ("interval=0", "$.interval"),
        ("interval=nan", "$.interval"),
        ("count=0", "$.count"),
        ("count=-1", "$.count"),
    ):
        res = run(app.request(f"/clock?{query}"))
        body = run(res.json())
        assert res.status == 400 and body["target"] == "query" and body["issues"][0]["path"] == field, query


def test_status_and_page():
    res = run(app.request("/status"))
    body = run(res.json())
    assert body["status"] == "ok" and body["time"].endswith("Z")
    page = run(run(app.request("/")).text())
    assert "<title>edgekit clock</title>" in page and 'new EventSource("/clock?interval=1")' in page
    assert "http" not in page  # nothing loaded from elsewhere
