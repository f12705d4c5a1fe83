"""``timing()``: Server-Timing metrics, shown in the browser's developer tools.

```python
from edgekit.middleware.timing import end_time, set_metric, start_time, timing

app.use(timing())

@app.get("/users")
async def users(c):
    start_time(c, "db", "user query")
    rows = await c.env.DB.prepare("SELECT * FROM users").all()
    end_time(c, "db")
    set_metric(c, "cache", description="miss")
    return rows.results
# Server-Timing: db;dur=3.1;desc="user query", cache;desc="miss", total;dur=4.0;desc="Total Response Time"
```

Metric names must be HTTP tokens (ValueError otherwise); descriptions are sent as
quoted strings, with quotes and backslashes escaped and characters a header cannot
carry replaced by ``?``.  The helpers do nothing when the middleware is not active
for the request (not registered, or turned off by ``enabled``).

Timings tell a client how the server spends its time: send them only where that is
acceptable (``enabled`` decides per request).  On Cloudflare Workers the clock only
advances across I/O, so pure computation shows as 0.
"""

from __future__ import annotations

from ..headers import is_token

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from ..context import Context

    Next = Callable[[], Awaitable[None]]

# The context variable holding the request's metrics; dotted, so no app's own
# ``c.set`` name collides with it.
_VAR = "edgekit.timing"


class _Metrics:
    __slots__ = ("entries", "started", "clock", "precision")

    def __init__(self, clock: Callable[[], float], precision: int) -> None:
        # name -> (duration in ms or None, description or None), in the order first set
        self.entries: dict[str, tuple[float | None, str | None]] = {}
        self.started: dict[str, tuple[float, str | None]] = {}
        self.clock = clock
        self.precision = precision


def _metrics(c: Context) -> _Metrics | None:
    metrics = c.get(_VAR)
    return metrics if isinstance(metrics, _Metrics) else None


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not is_token(name):
        raise ValueError(f"a Server-Timing metric name must be an HTTP token, not {name!r}")


def quote_description(text: str) -> str:
    """``text`` as an HTTP quoted-string; characters a header cannot hold become ``?``."""
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\t" or " " <= ch <= "~" or "\xa0" <= ch <= "\xff":
            out.append(ch)
        else:
            out.append("?")
    out.append('"')
    return "".join(out)


def set_metric(c: Context, name: str, duration: float | None = None, description: str | None = None) -> None:
    """Record metric ``name`` with ``duration`` milliseconds (None: no duration) and a description.

    Setting a name again replaces it.  A negative or non-finite duration is a ValueError.
    """
    _check_name(name)
    if duration is not None:
        if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not 0 <= duration < float("inf"):
            raise ValueError(f"a Server-Timing duration must be a finite number >= 0, not {duration!r}")
    metrics = _metrics(c)
    if metrics is not None:
        metrics.entries[name] = (duration, description)


def start_time(c: Context, name: str, description: str | None = None) -> None:
    """Start timing ``name``; :func:`end_time` records it (or the middleware, at the end)."""
    _check_name(name)
    metrics = _metrics(c)
    if metrics is not None:
        metrics.started[name] = (metrics.clock(), description)


def end_time(c: Context, name: str) -> None:
    """Stop timing ``name`` and record it; a name never started is a ValueError."""
    _check_name(name)
    metrics = _metrics(c)
    if metrics is None:
        return
    started = metrics.started.pop(name, None)
    if started is None:
        raise ValueError(f"end_time(): the timer {name!r} was never started")
    start, description = started
    metrics.entries[name] = ((metrics.clock() - start) * 1000, description)


def _header_value(metrics: _Metrics) -> str:
    parts = []
    for name, (duration, description) in metrics.entries.items():
        part = name
        if duration is not None:
            part += f";dur={duration:.{metrics.precision}f}"
        if description is not None:
            part += ";desc=" + quote_description(description)
        parts.append(part)
    return ", ".join(parts)


def timing(
    *,
    total: bool = True,
    total_description: str = "Total Response Time",
    enabled: Callable[[Context], bool] | None = None,
    auto_end: bool = True,
    cross_origin: bool | str | Callable[[Context], str] = False,
    precision: int = 1,
) -> Callable[[Context, Next], Awaitable[None]]:
    """Middleware that sends the request's metrics in a ``Server-Timing`` header.

    ``total`` adds a ``total`` metric for everything inside this middleware;
    ``enabled(c)`` decides per request (default: always); ``auto_end`` records timers
    still running at the end; ``cross_origin`` sets ``Timing-Allow-Origin`` (True for
    ``*``, a str, or ``f(c)`` returning one) so other origins' pages may read the
    timings; ``precision`` is the number of decimals of durations (0..6).
    """
    if enabled is not None and not callable(enabled):
        raise TypeError("enabled must be a callable taking the context")
    if isinstance(precision, bool) or not isinstance(precision, int) or not 0 <= precision <= 6:
        raise ValueError(f"precision must be an int from 0 to 6, not {precision!r}")
    from time import perf_counter

    async def timing_middleware(c: Context, next: Next) -> None:
        if enabled is not None and not enabled(c):
            await next()
            return
        metrics = _Metrics(perf_counter, precision)
        c.set(_VAR, metrics)
        start = perf_counter()
        await next()
        if auto_end:
            for name in list(metrics.started):
                end_time(c, name)
        if total:
            metrics.entries["total"] = ((perf_counter() - start) * 1000, total_description)
        if metrics.entries:
            c.header("server-timing", _header_value(metrics), append=True)
        if cross_origin:
            origin = "*" if cross_origin is True else cross_origin if isinstance(cross_origin, str) else cross_origin(c)
            c.header("timing-allow-origin", origin)

    return timing_middleware
