"""``edgekit d1 migrations apply|list BINDING``: D1 migrations on the local stores ``edgekit dev`` uses.

The database is the one ``wrangler.toml`` binds as BINDING, in its SQLite file
under the state folder (``.edgekit/state`` beside ``wrangler.toml``);
migrations come from its ``migrations_dir`` (default ``migrations``) and are
recorded in its ``migrations_table``, as ``wrangler d1 migrations apply
--local`` does. ``list`` shows the ones not applied yet.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from .dev import DEFAULT_STATE_DIR
from .project import USAGE, CommandError, require_config

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("d1", help="manage local D1 databases", description=__doc__)
    d1_commands = parser.add_subparsers(dest="d1_command", required=True, metavar="COMMAND")
    migrations = d1_commands.add_parser("migrations", help="apply or list D1 migrations", description=__doc__)
    actions = migrations.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, summary in (("apply", "apply the pending migrations"), ("list", "list the pending migrations")):
        sub = actions.add_parser(action, help=summary, description=f"{summary} of a local D1 database.")
        sub.add_argument("binding", metavar="BINDING", help="the database's binding name in wrangler.toml (e.g. DB)")
        sub.add_argument("--config", help="wrangler.toml (default: ./wrangler.toml)")
        sub.add_argument(
            "--state-dir",
            default=DEFAULT_STATE_DIR,
            help=f"the local stores' folder, relative to wrangler.toml (default: {DEFAULT_STATE_DIR})",
        )
        sub.add_argument("--env", dest="environment", help="use the [env.NAME] section of wrangler.toml")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    from ..bindings.d1 import D1Database, D1Error
    from ..bindings.d1_migrations import apply_migrations, pending_migrations

    config = require_config(args.config)
    path, folder, table = _database(config, args.binding, args.state_dir, args.environment)
    db = D1Database(path)
    try:
        if args.action == "list":
            pending = await pending_migrations(db, folder, table=table)
            print("\n".join(pending) if pending else f"no pending migrations for {args.binding}")
            return 0
        applied = await apply_migrations(db, folder, table=table)
    except D1Error as exc:
        raise CommandError(str(exc)) from None
    finally:
        db.close()
    for name in applied:
        print(f"applied {name}")
    print(f"{len(applied)} migration(s) applied to {args.binding} ({path})")
    return 0


def _database(config: Path, binding: str, state_dir: str, environment: str | None) -> tuple[str, Path, str]:
    """``(SQLite file, migrations folder, migrations table)`` of the D1 database bound as ``binding``,
    found as the dev server finds it."""
    from ..bindings.local_env import WranglerConfigError, d1_databases

    try:
        databases = d1_databases(config, state_dir=state_dir, environment=environment)
    except WranglerConfigError as exc:
        raise CommandError(str(exc)) from None
    for database in databases:
        if database.binding == binding:
            if database.migrations_dir is None:
                raise CommandError(
                    f"{binding} has no migrations folder: create {config.parent / 'migrations'} "
                    "or set migrations_dir in wrangler.toml",
                    USAGE,
                )
            return database.path, database.migrations_dir, database.migrations_table
    known = ", ".join(database.binding for database in databases) or "none"
    raise CommandError(f"no D1 database is bound as {binding!r} in {config}; the D1 bindings are: {known}", USAGE)
