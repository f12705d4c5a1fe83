"""``edgekit d1 migrations apply|list BINDING`` and ``edgekit d1 execute BINDING``: the local
D1 databases ``edgekit dev`` uses.

The database is the one ``wrangler.toml`` binds as BINDING, in its SQLite file
under the state folder (``.edgekit/state`` beside ``wrangler.toml``);
migrations come from its ``migrations_dir`` (default ``migrations``) and are
recorded in its ``migrations_table``, as ``wrangler d1 migrations apply
--local`` does. ``list`` shows the ones not applied yet. ``execute`` runs the
SQL of ``--command`` or ``--file`` with D1's rules, all its statements in one
batch (none is applied if one fails), as ``wrangler d1 execute --local`` does,
and prints each statement's rows (``--json``: the results as D1 returns them).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from .dev import DEFAULT_STATE_DIR
from .project import USAGE, CommandError, require_config

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from ..bindings.d1_api import D1Result
    from ..bindings.local_env import D1DatabaseConfig


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("d1", help="manage local D1 databases", description=__doc__)
    d1_commands = parser.add_subparsers(dest="d1_command", required=True, metavar="COMMAND")
    migrations = d1_commands.add_parser("migrations", help="apply or list D1 migrations", description=__doc__)
    actions = migrations.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, summary in (("apply", "apply the pending migrations"), ("list", "list the pending migrations")):
        description = f"{summary} of a local D1 database."
        _add_database_arguments(actions.add_parser(action, help=summary, description=description))
    execute = d1_commands.add_parser(
        "execute", help="run SQL on a local D1 database", description="Run SQL on a local D1 database, in one batch."
    )
    _add_database_arguments(execute)
    sql = execute.add_mutually_exclusive_group(required=True)
    sql.add_argument("--command", dest="sql", help="the SQL to run (one or more statements)")
    sql.add_argument("--file", help="a .sql file to run")
    execute.add_argument("--json", action="store_true", help="print the results as JSON, as D1 returns them")
    parser.set_defaults(run=run)


def _add_database_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("binding", metavar="BINDING", help="the database's binding name in wrangler.toml (e.g. DB)")
    sub.add_argument("--config", help="wrangler.toml (default: ./wrangler.toml)")
    sub.add_argument(
        "--state-dir",
        default=DEFAULT_STATE_DIR,
        help=f"the local stores' folder, relative to wrangler.toml (default: {DEFAULT_STATE_DIR})",
    )
    sub.add_argument("--env", dest="environment", help="use the [env.NAME] section of wrangler.toml")


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    from ..bindings.d1 import D1Database, D1Error
    from ..bindings.d1_migrations import apply_migrations, pending_migrations

    config = require_config(args.config)
    database = _database(config, args.binding, args.state_dir, args.environment)
    if args.d1_command == "execute":
        return await _execute(database.path, args)
    if database.migrations_dir is None:
        raise CommandError(
            f"{args.binding} has no migrations folder: create {config.parent / 'migrations'} "
            "or set migrations_dir in wrangler.toml",
            USAGE,
        )
    path, folder, table = database.path, database.migrations_dir, database.migrations_table
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


async def _execute(path: str, args: argparse.Namespace) -> int:
    from ..bindings.d1 import D1Database, D1Error, split_statements
    from ..json_codec import dumps

    if args.file is not None:
        try:
            sql = Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {args.file}: {exc}") from None
    else:
        sql = args.sql
    statements = split_statements(sql)
    if not statements:
        raise CommandError("no SQL statement to run", USAGE)
    db = D1Database(path)
    try:
        results = await db.batch([db.prepare(statement) for statement in statements])
    except D1Error as exc:
        raise CommandError(str(exc)) from None
    finally:
        db.close()
    if args.json:
        print(dumps([_json_ready(result) for result in results]).decode())
        return 0
    for statement, result in zip(statements, results, strict=True):
        print(f"> {' '.join(statement.split())}")
        print(_table(result.results) if result.results else f"({result.meta.changes} row(s) changed)")
    return 0


def _json_ready(result: D1Result) -> dict[str, Any]:
    """``result`` with its rows' BLOBs as arrays of byte values, as D1 returns them in JSON."""
    rows = [{name: list(v) if isinstance(v, bytes) else v for name, v in row.items()} for row in result.results]
    return {**result, "results": rows}


def _table(rows: list[dict[str, Any]]) -> str:
    """Rows as an aligned text table: a header, a rule, a line a row (NULL for None)."""
    columns = list(rows[0])
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [max(len(column), *(len(line[i]) for line in cells)) for i, column in enumerate(columns)]
    lines = [columns, ["-" * width for width in widths], *cells]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in lines)


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return "x'" + value.hex() + "'"
    return str(value)


def _database(config: Path, binding: str, state_dir: str, environment: str | None) -> D1DatabaseConfig:
    """The D1 database bound as ``binding``, found as the dev server finds it."""
    from ..bindings.local_env import WranglerConfigError, d1_databases

    try:
        databases = d1_databases(config, state_dir=state_dir, environment=environment)
    except WranglerConfigError as exc:
        raise CommandError(str(exc)) from None
    for database in databases:
        if database.binding == binding:
            return database
    known = ", ".join(database.binding for database in databases) or "none"
    raise CommandError(f"no D1 database is bound as {binding!r} in {config}; the D1 bindings are: {known}", USAGE)
