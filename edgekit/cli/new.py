"""``edgekit new NAME``: create a project folder: an app on KV and D1, its Worker entry, tests, README.

NAME is the folder to create (``edgekit new apps/notes`` makes ``apps/notes``);
its last part becomes the Worker's name, so it must be one Cloudflare accepts:
lowercase letters, digits and dashes, at most 63 characters. The project's
tests pass right away: ``cd NAME && pytest``.
"""

from __future__ import annotations

import re
from pathlib import Path

from .project import USAGE, CommandError
from .scaffold import FILES, PLACEHOLDER

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

_WORKER_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("new", help="create a new project", description=__doc__)
    parser.add_argument("name", metavar="NAME", help="the project's folder; its last part names the Worker")
    parser.set_defaults(run=run)


def create_project(folder: Path) -> list[Path]:
    """Write a new project into ``folder`` (which must not exist, or be empty); returns the files written."""
    name = folder.name
    if not _WORKER_NAME.fullmatch(name):
        raise CommandError(
            f"{name!r} cannot name a Worker: use lowercase letters, digits and dashes (e.g. my-app), "
            "at most 63 characters, not starting or ending with a dash",
            USAGE,
        )
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise CommandError(f"{folder} already exists and is not an empty folder: pick another name")
    written = []
    for relative, text in FILES.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace(PLACEHOLDER, name), encoding="utf-8")
        written.append(path)
    return written


def run(args: argparse.Namespace) -> int:
    folder = Path(args.name)
    for path in create_project(folder):
        print(f"  created {path}")
    print(f"\nNext:\n  cd {folder}\n  pytest          # the tests pass already\n  edgekit dev     # serve it locally")
    return 0
