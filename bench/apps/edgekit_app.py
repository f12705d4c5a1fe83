"""edgekit: Hono-style (see honostyle.py); native entry ``await app.fetch(Request)``,
and its ASGI adapter from ``edgekit.runtime.asgi``."""

from bench.apps.honostyle import fetch_caller, register
from edgekit import App, Request


async def build(routes):
    return register(App(), routes)


def fetch(app):
    return fetch_caller(app, Request)


def asgi(app):
    from edgekit.runtime import asgi as adapter

    # The adapter's class name, whichever the runtime module settled on.
    cls = getattr(adapter, "ASGIApp", None) or adapter.ASGIAdapter
    return cls(app)
