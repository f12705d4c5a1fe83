"""Litestar: decorated handlers, ``data`` injection for the body, OpenAPI off
(``openapi_config=None``) so the app holds exactly the benchmark's routes."""

from litestar import Litestar, MediaType, get, post, route

from bench.apps.common import TEXT, user_body
from bench.routes import convert


@get("/users/{id:str}")
async def user(id: str) -> dict:
    return user_body(id)


@post("/echo", status_code=200)
async def echo(data: dict) -> dict:
    return data


async def text() -> str:
    return TEXT


def text_handlers(routes):
    return [
        route(convert(r.path, "typed"), http_method=[r.method], status_code=200, media_type=MediaType.TEXT)(text)
        for r in routes
    ]


async def build(routes):
    return Litestar(route_handlers=[user, echo, *text_handlers(routes)], openapi_config=None)


def asgi(app):
    return app
