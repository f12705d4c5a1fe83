"""ExecutionContext (``c.ctx``): work that outlives the response.

On Cloudflare the runtime adapter hands the real ``ctx`` through; everywhere
else the App makes a local one, whose ``wait_until`` work runs after the
response has been produced (``App.request`` waits for it, so tests see its
effects; a server adapter runs it after sending).
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable


class ExecutionContext:
    """Collects ``wait_until`` awaitables and runs them once the response is out."""

    __slots__ = ("_pending",)

    def __init__(self) -> None:
        self._pending: list[Awaitable[object]] = []

    def wait_until(self, awaitable: Awaitable[object]) -> None:
        """Run ``awaitable`` after the response; its failure is logged, never raised."""
        if not hasattr(awaitable, "__await__"):
            raise TypeError(f"wait_until() needs an awaitable, not {type(awaitable).__name__}")
        self._pending.append(awaitable)

    def pass_through_on_exception(self) -> None:
        """Accepted for Workers compatibility; there is no origin to fall back to here."""

    @property
    def pending(self) -> int:
        """How many awaitables are waiting to run."""
        return len(self._pending)

    async def drain(self) -> None:
        """Run everything handed to ``wait_until`` so far (including work it adds)."""
        while self._pending:
            awaitable = self._pending.pop(0)
            try:
                await awaitable
            except Exception as exc:  # noqa: BLE001 - background work must not break the caller
                print(f"edgekit: wait_until task failed: {exc!r}", file=sys.stderr)

    def schedule(self) -> None:
        """Drain in a background task of the running event loop."""
        import asyncio

        task = asyncio.get_running_loop().create_task(self.drain())
        _background.add(task)
        task.add_done_callback(_background.discard)


# Event loops keep only weak references to tasks; these keep them alive.
_background: set[object] = set()
