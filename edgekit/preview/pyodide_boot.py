"""The Python side of the Pyodide preview host (``pyodide_host.mjs``), run inside Pyodide.

:func:`start` imports the Worker's entry module and returns the function the host
calls for every request: ``Default(ctx, env).fetch(request)``
as workerd calls it, or the module's ``on_fetch(request, env, ctx)``.
:func:`bench` measures the adapter in place (see ``bench/pyodide.py``).
"""

from __future__ import annotations

import importlib
import json
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine
    from typing import Any

    Dispatch = Callable[[Any, Any, Any], Coroutine[Any, Any, Any]]


def start(module_name: str, app_name: str) -> Any:
    """Import the entry module ``module_name``; the per-request function as a JS-callable proxy."""
    from pyodide.ffi import create_proxy  # type: ignore[import-not-found]

    return create_proxy(entry_of(importlib.import_module(module_name), app_name))


def entry_of(module: Any, app_name: str = "app") -> Dispatch:
    """How workerd would call ``module``: its ``Default`` class, else its ``on_fetch``, else its App."""
    workers: Any = importlib.import_module("workers")
    default = getattr(module, "Default", None)
    if default is not None:

        async def dispatch(request: Any, env: Any, ctx: Any) -> Any:
            return await default(ctx, env).fetch(workers.Request(request))

        return dispatch
    on_fetch = getattr(module, "on_fetch", None)
    if on_fetch is not None:
        return on_fetch  # type: ignore[no-any-return]
    from ..app import App
    from ..runtime.cloudflare import worker_entrypoint

    # A module with just an App (``app.py``) is served as ``worker_entrypoint(app)`` would.
    app = getattr(module, app_name, None)
    if not isinstance(app, App):
        raise RuntimeError(
            f"{module.__name__} has no Default class, no on_fetch function and no edgekit App named {app_name!r}"
        )
    entry = worker_entrypoint(app)

    async def serve_app(request: Any, env: Any, ctx: Any) -> Any:
        return await entry(ctx, env).fetch(workers.Request(request))

    return serve_app


async def bench(module_name: str, requests: int, env: Any, make_ctx: Any) -> str:
    """Time the adapter inside Pyodide on the entry module's ``app``: one JSON object of medians.

    ``app_fetch_us``: ``app.fetch`` on an edgekit Request; ``adapter_us``: a JS Request
    through :class:`~edgekit.runtime.cloudflare.WorkerHandler` to a JS Response;
    ``js_request_us``: making that JS Request alone; ``overhead_us``: what the adapter
    adds (``adapter_us`` minus the other two); of it, ``request_in_us`` converts the JS
    Request and ``response_out_us`` builds the JS Response.  ``adapter_bare_us`` is the
    adapter without ``env`` and ``ctx`` (nothing to wrap).
    """
    import js  # type: ignore[import-not-found]

    from ..request import Request
    from ..runtime.cloudflare import WorkerHandler, js_side, to_js_response, to_request

    app = importlib.import_module(module_name).app
    handler = WorkerHandler(app)
    url = "http://localhost/hello/bench"

    async def direct() -> None:
        await app.fetch(Request(url))

    async def adapted() -> None:
        await handler(js.Request.new(url), env, make_ctx())

    async def js_request_only() -> None:
        js.Request.new(url)

    side = js_side()
    js_request = js.Request.new(url)
    response = await app.fetch(Request(url))

    async def adapted_bare() -> None:
        await handler(js.Request.new(url))

    async def request_in() -> None:
        to_request(js_request, side)

    async def response_out() -> None:
        to_js_response(response, side)

    timings: dict[str, float] = {}
    steps = (
        ("app_fetch_us", direct),
        ("adapter_us", adapted),
        ("js_request_us", js_request_only),
        ("adapter_bare_us", adapted_bare),
        ("request_in_us", request_in),
        ("response_out_us", response_out),
    )
    for label, run in steps:
        for _ in range(min(200, requests)):
            await run()
        samples = []
        for _ in range(requests):
            t = time.perf_counter()
            await run()
            samples.append((time.perf_counter() - t) * 1e6)
        samples.sort()
        timings[label] = round(samples[len(samples) // 2], 1)
    timings["overhead_us"] = round(timings["adapter_us"] - timings["js_request_us"] - timings["app_fetch_us"], 1)
    return json.dumps({**timings, "requests": requests})
