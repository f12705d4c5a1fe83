"""The ``edgekit`` command line: ``edgekit dev APP``, ``edgekit routes APP``."""

from __future__ import annotations

import argparse
import sys

from . import dev, routes


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``edgekit`` console script; returns the exit code."""
    parser = argparse.ArgumentParser(prog="edgekit", description="Build, preview and deploy edgekit apps.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    dev.add_parser(commands)
    routes.add_parser(commands)
    args = parser.parse_args(argv)
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
