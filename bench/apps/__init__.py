"""One small app per framework, the same endpoints in each framework's own idiom.

Every module exposes ``async def build(routes)`` returning the app with
``GET /users/:id`` (small JSON), ``POST /echo`` (echoes a JSON body) and one
plain-text route per entry of ``routes`` (a list of ``bench.routes.Route``),
plus, per entry point it supports, ``asgi(app)`` (the ASGI callable) and/or
``fetch(app)`` (an async ``call(method, url, headers, body)`` returning
``(status, headers, body bytes)``, building the framework's Request and
reading the whole response body).
"""
