"""Route tables for the benchmarks, and the requests that exercise them.

Tables are text files beside this module (``routes_small.txt``,
``routes_github.txt``): one ``METHOD /path`` a line, in registration order,
written in Hono syntax (``:name`` params, a trailing ``*`` wildcard).

``requests_for(table)`` gives the request list a lookup benchmark cycles
through: one request per route (params filled with values that can never
equal a static segment) plus a few misses, each with the index of the route
that must answer it. The expected route is the FIRST route in registration
order that matches (Hono's and Starlette's rule); ``load`` refuses a table in
which that differs from the most static match (the rule of Falcon, Litestar,
BlackSheep and hayate), so every framework must agree on every answer.

This module is imported by the cold-start child too, so it imports nothing.
"""

from __future__ import annotations

import os

HERE = os.path.dirname(os.path.abspath(__file__))
TABLES = {"small": "routes_small.txt", "github": "routes_github.txt"}
WILDCARD_NAME = "path"  # the name a trailing "*" gets in brace syntaxes
# Names Litestar reserves for injection; ``convert(..., "typed")`` suffixes "_".
LITESTAR_RESERVED = {"body", "scope", "request", "cookies", "socket", "query", "data", "headers", "state"}

# Requests that no route serves (one is a known path with an unknown method).
MISSES = {
    "small": [("GET", "/user/unknown"), ("GET", "/event/42/nothing"), ("DELETE", "/status")],
    "github": [
        ("GET", "/nope"),
        ("GET", "/repos/octo/hello/nothing/x/y"),
        ("DELETE", "/gists"),
        ("GET", "/users/user-1/unknown"),
    ],
}


class Route:
    """One table line: ``method``, Hono-syntax ``path`` and its ``segments``."""

    __slots__ = ("index", "method", "path", "segments")

    def __init__(self, index: int, method: str, path: str) -> None:
        self.index = index
        self.method = method
        self.path = path
        self.segments = path.split("/")[1:]

    def __repr__(self) -> str:
        return f"{self.method} {self.path}"

    def specificity(self) -> tuple[int, ...]:
        """Static segments sort before params, params before a wildcard."""
        return tuple(2 if s == "*" else 1 if s.startswith(":") else 0 for s in self.segments)

    def matches(self, path: str) -> bool:
        """Reference matcher: segment by segment, ``*`` takes the rest."""
        parts = path.split("/")[1:]
        for i, seg in enumerate(self.segments):
            if seg == "*":
                return True
            if i >= len(parts) or not parts[i]:
                return False
            if not seg.startswith(":") and seg != parts[i]:
                return False
        return len(parts) == len(self.segments)

    def sample_path(self) -> str:
        """A concrete path for this route; param values never equal a static segment."""
        out = []
        for seg in self.segments:
            if seg == "*":
                out.append("css/site.css")
            elif seg.startswith(":"):
                name = seg[1:]
                out.append("42" if name in ("id", "number") or name.endswith("_id") else name + "-1")
            else:
                out.append(seg)
        return "/" + "/".join(out)


def load(table: str) -> list[Route]:
    """The routes of ``table`` ("small" or "github"), checked as described above."""
    routes = []
    with open(os.path.join(HERE, TABLES[table]), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                method, path = line.split()
                routes.append(Route(len(routes), method, path))
    seen = set()
    for r in routes:
        if (r.method, r.path) in seen:
            raise ValueError(f"{table}: duplicate route {r}")
        seen.add((r.method, r.path))
    return routes


def expected_route(routes: list[Route], method: str, path: str) -> int | None:
    """Index of the route that must answer, or None for a miss."""
    hits = [r for r in routes if r.method == method and r.matches(path)]
    if not hits:
        return None
    first = hits[0]
    most_static = min(hits, key=Route.specificity)
    if first.specificity() != most_static.specificity():
        raise ValueError(f"{method} {path}: first match {first} is not the most static {most_static}")
    return first.index


def requests_for(table: str) -> list[tuple[str, str, int | None]]:
    """``(method, path, expected route index or None)``: every route once, then the misses."""
    routes = load(table)
    reqs = [(r.method, r.sample_path()) for r in routes] + MISSES[table]
    return [(m, p, expected_route(routes, m, p)) for m, p in reqs]


def convert(path: str, style: str) -> str:
    """Rewrite a Hono-syntax path for a framework.

    ``colon``: unchanged (``:id``, ``*``) -- edgekit, hayate, BlackSheep.
    ``brace``: ``{id}`` and ``{path:path}`` -- Starlette, FastAPI, Falcon.
    ``typed``: ``{id:str}`` and ``{path:path}`` -- Litestar (which reserves
    some names: ``state`` becomes ``{state_:str}``).
    """
    if style == "colon":
        return path
    out = []
    for seg in path.split("/"):
        if seg == "*":
            seg = f"{{{WILDCARD_NAME}:path}}"
        elif seg.startswith(":"):
            name = seg[1:]
            if style == "brace":
                seg = f"{{{name}}}"
            else:
                seg = f"{{{name + '_' if name in LITESTAR_RESERVED else name}:str}}"
        out.append(seg)
    return "/".join(out)


def params_of(path: str) -> list[str]:
    """Param names of a Hono-syntax path, the wildcard included as ``path``."""
    return [WILDCARD_NAME if s == "*" else s[1:] for s in path.split("/") if s == "*" or s.startswith(":")]
