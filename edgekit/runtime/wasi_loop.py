"""A small asyncio event loop for a WASI component, where asyncio's own loops cannot run.

asyncio's selector loop needs ``socket.socketpair`` for its wake-up pipe, which WASI
does not have. A wasi:http handler serves one request per call and does its I/O with
blocking stream calls, so what edgekit needs from a loop is only the scheduling part:
tasks, futures, ``call_soon`` and timers (``asyncio.sleep``, ``asyncio.timeout``).
:func:`run` drives one coroutine to its end on such a loop; when nothing is ready it
sleeps until the next timer (``time.sleep`` becomes a WASI clock poll).

Pure Python and runtime-neutral: the same loop runs under CPython in the tests.
"""

from __future__ import annotations

import asyncio
import heapq
import time
from collections import deque

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine
    from contextvars import Context
    from typing import Any, TypeVar, TypeVarTuple, Unpack

    T = TypeVar("T")
    Ts = TypeVarTuple("Ts")

__all__ = ["StepLoop", "run"]


class StepLoop(asyncio.AbstractEventLoop):
    """An event loop with a ready queue and timers, and no I/O of its own.

    Only what coroutines and asyncio's synchronisation primitives use is there;
    everything else (sockets, subprocesses, executors) raises NotImplementedError,
    as :class:`asyncio.AbstractEventLoop` does.
    """

    def __init__(self) -> None:
        self._ready: deque[asyncio.Handle] = deque()
        self._timers: list[asyncio.TimerHandle] = []
        self._running = False
        self._closed = False
        self._exceptions: list[dict[str, Any]] = []

    # -- scheduling

    def call_soon(
        self, callback: Callable[[Unpack[Ts]], object], *args: Unpack[Ts], context: Context | None = None
    ) -> asyncio.Handle:
        """Run ``callback(*args)`` on the next turn of the loop."""
        handle = asyncio.Handle(callback, args, self, context)
        self._ready.append(handle)
        return handle

    call_soon_threadsafe = call_soon

    def call_at(
        self,
        when: float,
        callback: Callable[[Unpack[Ts]], object],
        *args: Unpack[Ts],
        context: Context | None = None,
    ) -> asyncio.TimerHandle:
        """Run ``callback(*args)`` once :meth:`time` reaches ``when``."""
        handle = asyncio.TimerHandle(when, callback, args, self, context)
        heapq.heappush(self._timers, handle)
        return handle

    def call_later(
        self,
        delay: float,
        callback: Callable[[Unpack[Ts]], object],
        *args: Unpack[Ts],
        context: Context | None = None,
    ) -> asyncio.TimerHandle:
        """Run ``callback(*args)`` after ``delay`` seconds."""
        return self.call_at(self.time() + delay, callback, *args, context=context)

    def _timer_handle_cancelled(self, handle: asyncio.TimerHandle) -> None:
        """Cancelled timers stay in the heap and are skipped when due."""

    def time(self) -> float:
        """The loop's clock: monotonic seconds."""
        return time.monotonic()

    def create_future(self) -> asyncio.Future[Any]:
        """A future bound to this loop."""
        return asyncio.Future(loop=self)

    def create_task(self, coro: Any, *, name: str | None = None, context: Context | None = None) -> asyncio.Task[Any]:
        """Schedule ``coro`` as a task of this loop."""
        return asyncio.Task(coro, loop=self, name=name, context=context)

    # -- running

    def run_until_complete(self, future: Any) -> Any:
        """Run the loop until ``future`` (a coroutine or future) is done; its result."""
        if self._closed:
            raise RuntimeError("the event loop is closed")
        task = asyncio.ensure_future(future, loop=self)
        previous = asyncio.events._get_running_loop()
        asyncio.events._set_running_loop(self)
        self._running = True
        try:
            while not task.done():
                self._turn()
        finally:
            self._running = False
            asyncio.events._set_running_loop(previous)
        return task.result()

    def _turn(self) -> None:
        """Run what is ready; with nothing ready, wait for the next timer first."""
        now = self.time()
        while self._timers and (self._timers[0].cancelled() or self._timers[0].when() <= now):
            timer = heapq.heappop(self._timers)
            if not timer.cancelled():
                self._ready.append(timer)
        if not self._ready:
            while self._timers and self._timers[0].cancelled():
                heapq.heappop(self._timers)
            if not self._timers:
                raise RuntimeError("the coroutine waits for something no task or timer will ever provide")
            time.sleep(max(0.0, self._timers[0].when() - now))
            return
        for _ in range(len(self._ready)):
            handle = self._ready.popleft()
            if not handle.cancelled():
                handle._run()

    def run_forever(self) -> None:
        """Not supported: a request handler runs one coroutine to its end (:meth:`run_until_complete`)."""
        raise NotImplementedError("StepLoop runs one coroutine at a time: use run_until_complete()")

    def stop(self) -> None:
        """Nothing to stop: :meth:`run_until_complete` returns when its future is done."""

    def is_running(self) -> bool:
        """Whether :meth:`run_until_complete` is on the stack."""
        return self._running

    def is_closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def close(self) -> None:
        """Drop pending callbacks and refuse to run again."""
        self._ready.clear()
        self._timers.clear()
        self._closed = True

    async def shutdown_asyncgens(self) -> None:
        """Async generators are finalised by the garbage collector here."""

    async def shutdown_default_executor(self, timeout: float | None = None) -> None:
        """There is no executor."""

    # -- errors and debugging

    def get_debug(self) -> bool:
        """Debug mode is off: it costs time on every callback."""
        return False

    def set_debug(self, enabled: bool) -> None:
        """Debug mode cannot be turned on."""

    def call_exception_handler(self, context: dict[str, Any]) -> None:
        """Keep an exception nobody retrieved (a failed background task) for :func:`run`'s caller."""
        self._exceptions.append(context)

    def default_exception_handler(self, context: dict[str, Any]) -> None:
        """Same as :meth:`call_exception_handler`."""
        self.call_exception_handler(context)

    @property
    def unhandled(self) -> list[dict[str, Any]]:
        """Exception contexts reported while running (asyncio's ``message``/``exception`` dicts)."""
        return self._exceptions


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion on a fresh :class:`StepLoop`; its result (or its exception).

    Background tasks still pending when ``coro`` ends are cancelled and given one turn
    to unwind, as ``asyncio.run`` does.
    """
    # The I/O methods are left abstract on purpose: nothing here may call them.
    loop = StepLoop()  # type: ignore[abstract]
    try:
        result: T = loop.run_until_complete(coro)
        return result
    finally:
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()
