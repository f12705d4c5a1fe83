"""Server-sent events: a ticking clock, a JSON status route and a page that shows the ticks.

Run it:  python -m edgekit dev examples/sse/app.py   (then open http://127.0.0.1:8787/)

- ``GET /clock?interval=1&count=10`` streams ``tick`` events, one every ``interval``
  seconds (0.01 to 60, default 1), ``count`` of them (default: until the client leaves).
  Each event has an ``id``; a browser that reconnects sends ``Last-Event-ID`` and the
  count resumes after it.
- ``GET /status`` answers ``{"status": "ok", "time": ...}``.
- ``GET /`` is a page whose inline script (nothing loaded from elsewhere) shows the ticks.
"""

from __future__ import annotations

import json
import time

from edgekit import App
from edgekit.helpers.html import html
from edgekit.helpers.streaming import SSEWriter, stream_sse
from edgekit.helpers.validator import Invalid, valid, validator

app = App()

PAGE = """<!doctype html>
<meta charset="utf-8">
<title>{title}</title>
<h1>{title}</h1>
<p>Last tick: <output id="tick">waiting...</output></p>
<script>
const source = new EventSource("/clock?interval=1");
source.addEventListener("tick", (e) => {{ document.getElementById("tick").textContent = e.data; }});
</script>
"""


def clock_options(query: dict[str, str], c: object) -> dict[str, float | int | None]:
    """The clock's query, checked: interval in seconds and an optional count."""
    try:
        interval = float(query.get("interval", "1"))
    except ValueError:
        raise Invalid("interval must be a number of seconds", path="$.interval") from None
    if not 0.01 <= interval <= 60:  # also refuses NaN
        raise Invalid("interval must be between 0.01 and 60 seconds", path="$.interval")
    count = query.get("count")
    if count is not None and (not count.isdigit() or not 1 <= int(count) <= 10_000):
        raise Invalid("count must be a whole number from 1 to 10000", path="$.count")
    return {"interval": interval, "count": int(count) if count is not None else None}


@app.get("/")
def page(c):
    return c.html(html(PAGE, title="edgekit clock"))


@app.get("/status")
def status(c):
    return {"status": "ok", "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


@app.get("/clock")
@validator("query", clock_options)
def clock(c):
    options = valid(c, "query")
    last = c.req.header("last-event-id")
    start = int(last) + 1 if last is not None and last.isdigit() else 0

    async def tick(s: SSEWriter) -> None:
        n = start
        await s.write_sse(data=json.dumps({"n": n, "time": time.time()}), event="tick", id=str(n), retry=3000)
        sent = 1
        while options["count"] is None or sent < options["count"]:
            await s.sleep(options["interval"])
            n += 1
            await s.write_sse(data=json.dumps({"n": n, "time": time.time()}), event="tick", id=str(n))
            sent += 1

    return stream_sse(c, tick)
