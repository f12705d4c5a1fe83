"""Route lookup: nanoseconds to find the handler for a request, on two tables.

For each framework the table is registered in that framework's own router,
then a fixed request list (every route once, with params filled, plus a few
misses: see ``routes.requests_for``) is looked up in a loop with
``time.perf_counter_ns``; the reported figure is the best of several repeats,
per lookup, minus the cost of the same loop calling an empty function of the
same signature (the "harness" figure, reported beside it). Before timing,
every framework's answer to every request is checked against the expected
route: a router that answers wrongly is reported as such, not timed.

What one lookup includes, per row (each mirrors what that framework does on a
request, from the point where it has the method and path in hand):

* edgekit ``*Router``: ``router.match(method, path)``: the list of every
  matching (handler, params) in registration order (Hono semantics).
* starlette / fastapi: ``Router.app``'s loop: ``route.matches(scope)`` on
  each route in order until a FULL match (method mismatches are PARTIAL and
  remembered for the 405), on a prebuilt minimal scope; includes param
  conversion and the child scope dict each match builds.
* falcon: ``app._router.find(path)`` (its compiled router: resource,
  method map, params) then ``method_map[method]``.
* litestar: ``app.asgi_router._handle_routing(path, method)``: trie
  traversal, method lookup, param parsing (misses raise, as in Litestar).
  ``litestar (cached)`` calls ``handle_routing``, the ``lru_cache(1024)``
  wrapper the ASGI router really calls: repeated paths are cache hits.
* blacksheep: ``Router.get_match_by_method_and_path`` unwrapped: its linear
  scan of sorted per-method regexes. ``blacksheep (cached)``: the
  ``lru_cache(1200)`` wrapper its app really calls; repeated paths hit.
* hayate: ``app._router.match(method, path)``: static dict, terminal-param
  dict, segment trie, regex tail.

The "(cached)" rows are shown for honesty about what those apps do, but a
cache answering a path it has seen is not a route lookup: real traffic with
varied ids misses it, so the targets compare the uncached rows.

Run one framework: ``python -m bench.lookup FRAMEWORK [--quick]`` prints a
JSON object (rows for both tables) on stdout.
"""

from __future__ import annotations

from bench import routes as routetable
from bench.harness import best_of, now_ns, worker_main


def handler_for(route: routetable.Route):
    """A distinct handler per route, tagged with its index (read back by ``identify``)."""

    async def handler() -> None:  # never called: lookups only find it
        return None

    handler.route_index = route.index
    handler.__name__ = f"route_{route.index}"
    return handler


def index_of(handler) -> int | None:  # noqa: ANN001
    return getattr(handler, "route_index", None)


def swap(method: str, path: str) -> tuple[str, str]:
    """``prepare`` for routers called as ``(path, method)``."""
    return path, method


class Row:
    """One benchmarked router: ``prepare(method, path) -> (a, b)`` once per request,
    ``lookup(a, b)`` timed, ``identify(result) -> route index | None`` checked."""

    def __init__(self, name: str, lookup, prepare=None, identify=index_of, note: str = "", info: bool = False):  # noqa: ANN001
        self.name = name
        self.lookup = lookup
        self.prepare = prepare or (lambda method, path: (method, path))
        self.identify = identify
        self.note = note
        self.info = info  # shown, but not a route lookup the targets compare against
        self.build_ns: int | None = None  # set by builders that build one structure per row


# -- one builder per framework: (routes) -> list of Row --------------------------------


def edgekit_rows(routes):
    from edgekit import router as ek

    rows = []
    for cls_name in ("SmartRouter", "RegExpRouter", "TrieRouter"):
        cls = getattr(ek, cls_name, None)
        if cls is None:
            continue
        t0 = now_ns()
        r = cls()
        for route in routes:
            r.add(route.method, route.path, handler_for(route))
        # SmartRouter binds its choice as ``r.match`` on the first request: take the method
        # the App's ``self.router.match(...)`` finds from then on.
        r.match("GET", "/")
        row = Row(f"edgekit {cls_name}", r.match, identify=lambda res: index_of(res[0][0]) if res else None)
        row.build_ns = now_ns() - t0
        rows.append(row)
    return rows


def starlette_like_rows(name, app):  # noqa: ANN001
    """Starlette's ``Router.app`` loop, for Starlette and FastAPI (same router)."""
    from starlette.routing import Match

    full, partial_match = Match.FULL, Match.PARTIAL
    table = app.router.routes

    def lookup(scope, _unused):  # noqa: ANN001
        partial = None
        for route in table:
            match, _child_scope = route.matches(scope)
            if match is full:
                return route
            if match is partial_match and partial is None:
                partial = route
        return None if partial is None else ("405", partial)

    def prepare(method, path):
        return {"type": "http", "method": method, "path": path, "root_path": ""}, None

    def identify(res):
        return None if res is None or isinstance(res, tuple) else index_of(res.endpoint)

    return [Row(name, lookup, prepare, identify)]


def starlette_rows(routes):
    from starlette.applications import Starlette
    from starlette.routing import Route

    table = [Route(routetable.convert(r.path, "brace"), handler_for(r), methods=[r.method]) for r in routes]
    return starlette_like_rows("starlette", Starlette(routes=table))


def fastapi_rows(routes):
    from fastapi import FastAPI

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    for r in routes:
        app.add_api_route(routetable.convert(r.path, "brace"), handler_for(r), methods=[r.method])
    return starlette_like_rows("fastapi", app)


def falcon_rows(routes):
    import falcon.asgi

    responders: dict[str, dict[str, object]] = {}
    for r in routes:
        fn = handler_for(r)

        async def responder(self, req, resp, _fn=fn, **params):  # noqa: ANN001
            return None

        responder.route_index = r.index
        responders.setdefault(routetable.convert(r.path, "brace"), {})["on_" + r.method.lower()] = responder
    app = falcon.asgi.App()
    for template, methods in responders.items():
        app.add_route(template, type("Resource", (), methods)())
    find = app._router.find

    def lookup(path, method):  # noqa: ANN001
        found = find(path)
        if found is None:
            return None
        return found[1][method]  # Falcon fills unknown methods with its 405 responder

    return [Row("falcon", lookup, swap)]


def litestar_rows(routes):
    from litestar import Litestar, route
    from litestar.exceptions import MethodNotAllowedException, NotFoundException

    handlers = []
    for r in routes:
        fn = handler_for(r)
        fn.__annotations__ = {"return": None}
        handlers.append(route(routetable.convert(r.path, "typed"), http_method=[r.method])(fn))
    router = Litestar(route_handlers=handlers, openapi_config=None).asgi_router
    misses = (NotFoundException, MethodNotAllowedException)

    def wrap(fn):  # noqa: ANN001
        def lookup(path, method):  # noqa: ANN001
            try:
                return fn(path, method)
            except misses:
                return None

        return lookup

    def identify(res):
        return None if res is None else index_of(res[1].fn)

    return [
        Row("litestar", wrap(router._handle_routing), swap, identify),
        Row("litestar (cached)", wrap(router.handle_routing), swap, identify, info=True),
    ]


def blacksheep_rows(routes):
    from blacksheep.server.routing import Router

    router = Router()
    for r in routes:
        router.add(r.method, r.path, handler_for(r))
    router.apply_routes()  # what Application.start() does with the registrations
    router.sort_routes()
    uncached = Router.get_match_by_method_and_path.__wrapped__

    def lookup(method, path):  # noqa: ANN001
        return uncached(router, method, path)

    def prepare(method, path):
        return method, path.encode()  # what its app passes: request.method, request._path

    def identify(res):
        return None if res is None else index_of(res.handler)

    return [
        Row("blacksheep", lookup, prepare, identify),
        Row("blacksheep (cached)", router.get_match_by_method_and_path, prepare, identify, info=True),
    ]


def hayate_rows(routes):
    from hayate.router import Route, Router

    router = Router()
    for r in routes:
        router.add(Route(r.method, r.path, handler_for(r)))
    return [Row("hayate", router.match, identify=lambda res: None if res is None else index_of(res[0].handler))]


BUILDERS = {
    "edgekit": edgekit_rows,
    "starlette": starlette_rows,
    "fastapi": fastapi_rows,
    "falcon": falcon_rows,
    "litestar": litestar_rows,
    "blacksheep": blacksheep_rows,
    "hayate": hayate_rows,
}


# -- measuring ---------------------------------------------------------------------------


def passes(lookup, prepared):  # noqa: ANN001
    """``run(n)``: n passes over the prepared requests, returns the ns taken."""

    def run(n: int) -> int:
        t0 = now_ns()
        for _ in range(n):
            for a, b in prepared:
                lookup(a, b)
        return now_ns() - t0

    return run


def _noop(a, b):  # noqa: ANN001
    return None


def measure_table(framework: str, table: str, *, min_ns: int, repeats: int) -> list[dict]:
    """Every row of ``framework`` on ``table``: checked, then timed."""
    routes = routetable.load(table)
    requests = routetable.requests_for(table)
    t0 = now_ns()
    rows = BUILDERS[framework](routes)
    build_ns = now_ns() - t0
    harness, _ = best_of(passes(_noop, [(m, p) for m, p, _ in requests]), min_ns=min_ns, repeats=repeats)
    harness /= len(requests)
    out = []
    for row in rows:
        prepared = [row.prepare(m, p) for m, p, _ in requests]
        first_ns = now_ns()
        results = [row.lookup(a, b) for a, b in prepared]  # the first pass builds lazy indexes
        first_ns = now_ns() - first_ns
        wrong = [
            f"{m} {p}: got {got!r}, want {want!r}"
            for (m, p, want), got in zip(requests, (row.identify(r) for r in results), strict=True)
            if got != want
        ]
        record = {
            "row": row.name,
            "framework": framework,
            "table": table,
            "routes": len(routes),
            "requests": len(requests),
            "info": row.info,
            # registering the table, then answering every request once (lazy builds included)
            "ready_ms": ((row.build_ns if row.build_ns is not None else build_ns) + first_ns) / 1e6,
            "harness_ns": harness,
            "wrong": wrong[:5],
            "wrong_count": len(wrong),
        }
        if not wrong:
            per_pass, n = best_of(passes(row.lookup, prepared), min_ns=min_ns, repeats=repeats)
            record["raw_ns"] = per_pass / len(requests)
            record["ns"] = max(record["raw_ns"] - harness, 0.0)
            record["passes"] = n
        out.append(record)
    return out


def run(framework: str, quick: bool) -> list[dict]:
    min_ns, repeats = (20_000_000, 3) if quick else (100_000_000, 5)
    rows = []
    for table in routetable.TABLES:
        rows += measure_table(framework, table, min_ns=min_ns, repeats=repeats)
    return rows


if __name__ == "__main__":
    worker_main(__doc__.splitlines()[0], BUILDERS, run)
