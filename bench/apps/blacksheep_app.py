"""BlackSheep: ``app.router`` registrations with ``:param`` syntax, ``json``/``text``
responses; ``await app.start()`` (what its lifespan does) before serving."""

from blacksheep import Application, Request, json, text
from blacksheep.server.routing import Router

from bench.apps.common import TEXT, user_body


async def user(id: str):
    return json(user_body(id))


async def echo(request: Request):
    return json(await request.json())


async def plain():
    return text(TEXT)


async def build(routes):
    app = Application(router=Router())
    app.router.add_get("/users/:id", user)
    app.router.add_post("/echo", echo)
    for r in routes:
        app.router.add(r.method, r.path, plain)
    await app.start()
    return app


def asgi(app):
    return app
