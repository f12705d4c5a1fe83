"""No framework: a hand-written ASGI callable that answers the two dispatch workloads.

The reference row of ``bench/dispatch.py``: the harness (scope copy, receive,
send) plus the least any Python app must do for these requests -- look at the
path, encode or decode the JSON (msgspec when installed, as edgekit uses it;
the stdlib otherwise), send two messages. It serves
nothing else (not the 12 extra routes: anything but the two paths is a 404), so
it bounds what a framework could reach from above; it is not a peer.
"""

from bench.apps.common import user_body

try:
    from msgspec.json import decode as loads
    from msgspec.json import encode as dumps
except ImportError:
    import json

    loads = json.loads

    def dumps(value):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()

_JSON = [(b"content-type", b"application/json")]
_NOT_FOUND = {"type": "http.response.start", "status": 404, "headers": []}


async def build(routes):  # noqa: ARG001 - the route table is what this app leaves out
    return app


async def app(scope, receive, send):
    path = scope["path"]
    if scope["method"] == "GET" and path.startswith("/users/"):
        body = dumps(user_body(path[7:]))
    elif scope["method"] == "POST" and path == "/echo":
        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = dumps(loads(b"".join(chunks)))
    else:
        await send(_NOT_FOUND)
        await send({"type": "http.response.body", "body": b""})
        return
    headers = [*_JSON, (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def asgi(app):
    return app
