"""hayate: Hono-style (see honostyle.py); native entry ``await app.fetch(Request)``,
and its own ASGI adapter (``Hayate.__call__``)."""

from hayate import Hayate, Request

from bench.apps.honostyle import fetch_caller, register


async def build(routes):
    return register(Hayate(), routes)


def fetch(app):
    return fetch_caller(app, Request)


def asgi(app):
    return app
