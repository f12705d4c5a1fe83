"""Run a matched chain of middleware and handlers as an onion, Hono's way.

Every step is called with the Context (and ``next`` if it takes two
arguments). The first step to return something answers; steps after it never
run. A step that raises goes through the error handler, and its response
replaces whatever was produced. Falling off the end of the chain without an
answer runs the not-found handler.
"""

from __future__ import annotations

# Already loaded by Python's startup: an async handler's result is told by its type
# first, which costs a fraction of a hasattr() on every request.
from types import CoroutineType

from .response import Response

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from .context import Context

    ErrorHandler = Callable[[Exception, Context], Any]
    NotFoundHandler = Callable[[Context], Any]
    Chain = list[tuple["Step", dict[str, str]]]

_CO_COROUTINE = 0x80


class Step:
    """A registered handler or middleware, with how to call it.

    ``on_error`` is set for steps mounted from a sub-app that has its own
    error handler, so the sub-app's handler keeps serving its routes.
    """

    __slots__ = ("fn", "takes_next", "on_error")

    def __init__(self, fn: Callable[..., Any], on_error: ErrorHandler | None = None) -> None:
        if not callable(fn):
            raise TypeError(f"a handler must be callable, not {type(fn).__name__}")
        self.fn = fn
        self.takes_next = _positional_arity(fn) >= 2
        self.on_error = on_error

    def with_error_handler(self, on_error: ErrorHandler) -> Step:
        """This step with a fallback error handler (kept if it already has one)."""
        step = Step.__new__(Step)
        step.fn, step.takes_next, step.on_error = self.fn, self.takes_next, self.on_error or on_error
        return step

    @property
    def name(self) -> str:
        return getattr(self.fn, "__qualname__", None) or repr(self.fn)

    def __repr__(self) -> str:
        return f"Step({self.name})"


def _positional_arity(fn: Callable[..., Any]) -> int:
    """How many positional arguments ``fn`` accepts (cheap for plain functions)."""
    code = getattr(fn, "__code__", None)
    if code is not None and not code.co_flags & 0x04:  # no *args
        bound = 1 if getattr(fn, "__self__", None) is not None else 0
        return int(code.co_argcount) - bound
    import inspect

    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 1
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return 2
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)


async def resolve(value: Any) -> Any:
    """Await ``value`` if it is awaitable, so sync and async callables both work."""
    if hasattr(value, "__await__"):
        return await value
    return value


def to_response(c: Context, value: Any) -> Response:
    """Turn what a handler returned into a Response.

    A Response is used as is; ``str`` becomes text, ``dict``/``list`` JSON,
    ``bytes`` an ``application/octet-stream`` body. Anything else is a
    TypeError that names the type.
    """
    if isinstance(value, Response):
        return value
    if isinstance(value, str):
        return c.text(value)
    if isinstance(value, (dict, list)):
        return c.json(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return c.body(bytes(value), headers=[("content-type", "application/octet-stream")])
    raise TypeError(f"a handler returned {type(value).__name__}; return a Response, str, bytes, dict, list or None")


async def compose(c: Context, chain: Chain, on_error: ErrorHandler, on_not_found: NotFoundHandler) -> None:
    """Run ``chain`` on ``c``; afterwards ``c.res`` holds the answer if there is one."""
    last = -1
    size = len(chain)
    req = c.req

    async def dispatch(i: int) -> None:
        nonlocal last
        if i <= last:
            raise RuntimeError("next() called multiple times in one middleware")
        last = i
        failed = False
        if i < size:
            step, params = chain[i]
            req._params = params
            try:
                if step.takes_next:
                    result = step.fn(c, lambda: dispatch(i + 1))
                else:
                    result = step.fn(c)
                if type(result) is CoroutineType or hasattr(result, "__await__"):
                    result = await result
                if result is not None:
                    result = to_response(c, result)
            except Exception as err:
                c.error = err
                result = to_response(c, await resolve((step.on_error or on_error)(err, c)))
                failed = True
            req._params = params
        elif c._res is None:
            result = to_response(c, await resolve(on_not_found(c)))
        else:
            return
        if result is not None and (c._res is None or failed):
            c.res = result

    await dispatch(0)
