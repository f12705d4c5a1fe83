"""``edgekit routes APP``: the route table, in registration order (the order that decides)."""

from __future__ import annotations

import sys

from .dev import AppNotFoundError, load_app

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("routes", help="list an app's routes in registration order", description=__doc__)
    parser.add_argument("app", nargs="?", default="app.py", help="FILE.py[:NAME] or MODULE:NAME (default: app.py:app)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        app = load_app(args.app)
    except AppNotFoundError as exc:
        print(f"edgekit routes: {exc}", file=sys.stderr)
        return 2
    rows = [(info.method, info.path, info.step.name) for info in app.routes]
    width = max((len(method) for method, _, _ in rows), default=6)
    path_width = max((len(path) for _, path, _ in rows), default=4)
    for method, path, name in rows:
        print(f"{method:<{width}}  {path:<{path_width}}  {name}")
    if not rows:
        print("(no routes)")
    return 0
