"""``logger()``: one line when a request comes in, one when its response goes out.

```python
app.use(logger())            # --> GET /users/1
                             # <-- GET /users/1 200 3ms
app.use(logger(my_log.info)) # any callable taking one str
```

Only the method, the decoded path (without the query string, which often carries tokens),
the status and the elapsed time are logged: never headers or bodies.  Control
characters in the path are escaped (``\\x1b``, ``\\n``, ...), so a request cannot
forge log lines or send terminal escape sequences to whoever reads the log.

On Cloudflare Workers the clock only advances across I/O (a Spectre mitigation), so
the time shown there is the time spent waiting, not CPU time.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from ..context import Context

    Next = Callable[[], Awaitable[None]]


def escape_control(text: str) -> str:
    """``text`` with C0/C1 control characters, DEL and the Unicode line breaks escaped.

    Printable text (non-ASCII letters included) is kept; each control character
    becomes ``\\xNN`` or ``\\uNNNN`` and a backslash becomes ``\\\\`` so that an
    escape written by the client cannot pass for one written here.
    """
    if text.isprintable() and "\\" not in text:
        return text
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif code < 0x20 or 0x7F <= code <= 0x9F:
            out.append(f"\\x{code:02x}")
        elif not ch.isprintable() and ch != " ":
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def _elapsed(start: float, end: float) -> str:
    ms = (end - start) * 1000
    return f"{round(ms)}ms" if ms < 1000 else f"{round(ms / 1000)}s"


def logger(print_fn: Callable[[str], object] = print) -> Callable[[Context, Next], Awaitable[None]]:
    """Middleware that logs ``--> METHOD path`` and ``<-- METHOD path STATUS TIME``.

    ``print_fn`` receives each line as one ``str`` (default: :func:`print`).  Errors
    are logged with the status they were answered with; only a request whose task
    is cancelled (the client went away) has no second line.  Register
    :func:`~edgekit.middleware.timeout.timeout` after this middleware to see its 504s.
    """
    if not callable(print_fn):
        raise TypeError(f"logger() takes a callable, not {type(print_fn).__name__}")
    from time import perf_counter

    async def logger_middleware(c: Context, next: Next) -> None:
        method = escape_control(c.req.method)
        path = escape_control(c.req.path)
        print_fn(f"--> {method} {path}")
        start = perf_counter()
        await next()
        print_fn(f"<-- {method} {path} {c.res.status} {_elapsed(start, perf_counter())}")

    return logger_middleware
