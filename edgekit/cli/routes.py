"""``edgekit routes [APP]``: the route table, in registration order (the order that decides)."""

from __future__ import annotations

from .project import APP_HELP, app_target, load_app

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("routes", help="list an app's routes in registration order", description=__doc__)
    parser.add_argument("app", nargs="?", help=APP_HELP)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    app = load_app(app_target(args.app))
    rows = [(info.method, info.path, info.step.name) for info in app.routes]
    width = max((len(method) for method, _, _ in rows), default=6)
    path_width = max((len(path) for _, path, _ in rows), default=4)
    for method, path, name in rows:
        print(f"{method:<{width}}  {path:<{path_width}}  {name}")
    if not rows:
        print("(no routes)")
    return 0
