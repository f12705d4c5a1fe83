"""D1 migrations, applied as ``wrangler d1 migrations apply --local`` applies them.

A migrations directory holds ``.sql`` files named so that they sort in order
(``0001_create_users.sql``, ``0002_add_email.sql``, ...).  :func:`apply_migrations` runs
every file not yet recorded in the ``d1_migrations`` table (wrangler's table: ``id``,
``name``, ``applied_at``), in name order, each in its own transaction together with
the row that records it: a failing file leaves the earlier ones applied and itself
not applied at all.  Migrations go through the D1 API (``prepare``/``batch``), so D1's
rules hold inside them too (no ``BEGIN``/``COMMIT``, foreign keys always on).
"""

from __future__ import annotations

from pathlib import Path

from .d1 import D1Error, split_statements

TYPE_CHECKING = False
if TYPE_CHECKING:
    import os

    from .d1 import D1Database

__all__ = ["MIGRATIONS_TABLE", "apply_migrations"]

MIGRATIONS_TABLE = "d1_migrations"


async def apply_migrations(
    db: D1Database, directory: str | os.PathLike[str], *, table: str = MIGRATIONS_TABLE
) -> list[str]:
    """Apply the pending ``.sql`` files of ``directory`` to ``db``; returns their names in order.

    ``table`` is wrangler's ``migrations_table`` setting.  A missing directory raises
    :class:`FileNotFoundError`; a failing file raises :class:`D1Error` naming it, after
    its transaction is rolled back.
    """
    quoted = '"' + table.replace('"', '""') + '"'
    # One line: exec() runs each line as a query, as D1 does.
    await db.exec(
        f"CREATE TABLE IF NOT EXISTS {quoted} (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE,"
        " applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)"
    )
    applied = {row[0] for row in await db.prepare(f"SELECT name FROM {quoted}").raw()}
    files = sorted(p for p in Path(directory).iterdir() if p.suffix == ".sql" and p.is_file())
    record = db.prepare(f"INSERT INTO {quoted} (name) VALUES (?1)")
    done: list[str] = []
    for path in files:
        if path.name in applied:
            continue
        statements = [db.prepare(sql) for sql in split_statements(path.read_text(encoding="utf-8"))]
        try:
            await db.batch([*statements, record.bind(path.name)])
        except D1Error as error:
            raise D1Error(error.token, f"Migration {path.name} failed: {error.detail}") from None
        done.append(path.name)
    return done
