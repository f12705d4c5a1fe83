"""The ``edgekit`` command line: ``new``, ``dev``, ``build``, ``deploy``, ``routes``, ``d1``.

One module per command, each with ``add_parser(commands)`` and a ``run(args)``
that returns the exit code or raises :class:`~edgekit.cli.project.CommandError`.
Exit codes: 0 done, 1 the work failed, 2 the command line is wrong or names
something that is not there.
"""

from __future__ import annotations

import argparse
import sys

from . import build, d1, deploy, dev, new, routes
from .project import CommandError


def make_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(prog="edgekit", description="Create, preview, build and deploy edgekit apps.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in (new, dev, build, deploy, routes, d1):
        command.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``edgekit`` console script; returns the exit code."""
    args = make_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except CommandError as error:
        print(f"edgekit {args.command}: {error}", file=sys.stderr)
        return error.code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
