"""The app for Hono-style frameworks (edgekit, hayate): one ``register`` for both,
since their handler API is the same (``app.on(method, path)``, ``c.json``,
``c.req.param``); and their fetch-style entry point."""

from bench.apps.common import TEXT, user_body


async def user(c):
    return c.json(user_body(c.req.param("id")))


async def echo(c):
    return c.json(await c.req.json())


async def text(c):
    return c.text(TEXT)


def register(app, routes):
    app.on("GET", "/users/:id")(user)
    app.on("POST", "/echo")(echo)
    for r in routes:
        app.on(r.method, r.path)(text)
    return app


def fetch_caller(app, request_class):
    """``call(method, url, headers, body)``: build the framework's Request (an empty
    body passed as None, as Fetch requires for GET), ``await app.fetch(request)``,
    read the whole response body."""

    async def call(method, url, headers, body):
        response = await app.fetch(request_class(url, method=method, headers=headers, body=body or None))
        return response.status, response.headers, await response.bytes()

    return call
