"""FastAPI: decorated path operations returning dicts (its idiom), docs routes off
(``openapi_url=None``...) so the app holds exactly the benchmark's routes."""

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse

from bench.apps.common import TEXT, user_body
from bench.routes import convert


async def text():
    return TEXT


async def build(routes):
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/users/{id}")
    async def user(id: str):
        return user_body(id)

    @app.post("/echo")
    async def echo(request: Request):
        return await request.json()

    for r in routes:
        app.add_api_route(convert(r.path, "brace"), text, methods=[r.method], response_class=PlainTextResponse)
    return app


def asgi(app):
    return app
