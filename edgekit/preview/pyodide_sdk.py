"""The part of the Python Workers SDK (the ``workers`` module) that the Pyodide preview provides.

workerd gives a Python Worker a ``workers`` module; npm's Pyodide has none.  The preview
host (``pyodide_host.mjs``) installs this file as ``workers`` inside Pyodide, so an entry
module written for Workers (``class Default(WorkerEntrypoint)``) imports unchanged.  Only
what an entry needs is here: :class:`WorkerEntrypoint` (``self.env``, ``self.ctx``, made
once per request as workerd makes it) and :class:`Request`, the wrapper whose
``js_object`` is the JavaScript ``Request``.  It is never imported on CPython.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class WorkerEntrypoint:
    """The base class of a Worker's ``Default`` entry: ``fetch(self, request)`` answers a request."""

    def __init__(self, ctx: Any, env: Any) -> None:
        self.ctx = ctx
        self.env = env


class Request:
    """The SDK's request wrapper: the JavaScript ``Request`` is :attr:`js_object`."""

    __slots__ = ("js_object",)

    def __init__(self, js_object: Any) -> None:
        self.js_object = js_object

    @property
    def url(self) -> str:
        """The request URL."""
        return str(self.js_object.url)
