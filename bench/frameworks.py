"""The frameworks under test: name, distribution, import name, app module, entries.

Imports nothing heavy (the cold-start child reads it).
"""

from __future__ import annotations


class Framework:
    __slots__ = ("app_module", "dist", "entries", "module", "name")

    def __init__(self, name: str, dist: str | None, module: str, entries: tuple[str, ...]) -> None:
        self.name = name
        self.dist = dist  # PyPI distribution in .venv-bench; None for edgekit (the tree)
        self.module = module  # what "import the framework" means in cold start
        self.app_module = f"bench.apps.{name}_app"
        self.entries = entries  # in-process entry points: "asgi" and/or "fetch"

    def __repr__(self) -> str:
        return f"Framework({self.name})"


EDGEKIT = "edgekit"

FRAMEWORKS = [
    Framework(EDGEKIT, None, "edgekit", ("asgi", "fetch")),
    Framework("starlette", "starlette", "starlette.applications", ("asgi",)),
    Framework("fastapi", "fastapi", "fastapi", ("asgi",)),
    Framework("falcon", "falcon", "falcon.asgi", ("asgi",)),
    Framework("litestar", "litestar", "litestar", ("asgi",)),
    Framework("blacksheep", "blacksheep", "blacksheep", ("asgi",)),
    Framework("hayate", "hayate", "hayate", ("asgi", "fetch")),
]

# Not a peer: a hand-written ASGI app, the dispatch workload's floor (bench/apps/no_framework_app.py).
# Only the dispatch rows include it; targets never compare against it.
NO_FRAMEWORK = Framework("no_framework", None, "asyncio", ("asgi",))

BY_NAME = {f.name: f for f in [*FRAMEWORKS, NO_FRAMEWORK]}


def with_floor(names: list[str]) -> list[str]:
    """The frameworks a dispatch workload runs: ``names`` and the no-framework floor."""
    return [*names, NO_FRAMEWORK.name]


def version(fw: Framework) -> str:
    """Installed version (edgekit: its ``__version__`` in the tree)."""
    if fw.dist is None:
        try:
            import edgekit
        except Exception:  # noqa: BLE001 - the tree may be mid-edit
            return "n/a"
        return getattr(edgekit, "__version__", "tree")
    from importlib.metadata import version as dist_version

    return dist_version(fw.dist)
