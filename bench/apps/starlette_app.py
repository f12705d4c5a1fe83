"""Starlette: ``Route`` objects, ``JSONResponse``/``PlainTextResponse``."""

from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from bench.apps.common import TEXT, user_body
from bench.routes import convert


async def user(request):
    return JSONResponse(user_body(request.path_params["id"]))


async def echo(request):
    return JSONResponse(await request.json())


async def text(request):
    return PlainTextResponse(TEXT)


async def build(routes):
    table = [Route("/users/{id}", user, methods=["GET"]), Route("/echo", echo, methods=["POST"])]
    table += [Route(convert(r.path, "brace"), text, methods=[r.method]) for r in routes]
    return Starlette(routes=table)


def asgi(app):
    return app
