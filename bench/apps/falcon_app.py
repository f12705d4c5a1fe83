"""Falcon (ASGI flavour): one resource per URI template, ``on_<method>`` responders,
``resp.media`` for JSON."""

import falcon
import falcon.asgi

from bench.apps.common import TEXT, user_body
from bench.routes import convert


class User:
    async def on_get(self, req, resp, id):
        resp.media = user_body(id)


class Echo:
    async def on_post(self, req, resp):
        resp.media = await req.get_media()


async def text(self, req, resp, **params):
    resp.text = TEXT
    resp.content_type = falcon.MEDIA_TEXT


def text_resources(routes):
    """{template: resource} with one ``on_<method>`` responder per route of the template."""
    methods = {}
    for r in routes:
        methods.setdefault(convert(r.path, "brace"), []).append(r.method)
    return {
        template: type("Text", (), {"on_" + m.lower(): text for m in ms})()
        for template, ms in methods.items()
    }


async def build(routes):
    app = falcon.asgi.App()
    app.add_route("/users/{id}", User())
    app.add_route("/echo", Echo())
    for template, resource in text_resources(routes).items():
        app.add_route(template, resource)
    return app


def asgi(app):
    return app
