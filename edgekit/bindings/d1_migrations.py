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

__all__ = ["MIGRATIONS_TABLE", "apply_migrations", "pending_migrations"]

MIGRATIONS_TABLE = "d1_migrations"


async def apply_migrations(
    db: D1Database, directory: str | os.PathLike[str], *, table: str = MIGRATIONS_TABLE
) -> list[str]:
    """Apply the pending ``.sql`` files of ``directory`` to ``db``; returns their names in order.

    ``table`` is wrangler's ``migrations_table`` setting.  A missing directory raises
    :class:`FileNotFoundError`; a failing file raises :class:`D1Error` naming it, after
    its transaction is rolled back.  Processes that start together on one database (ASGI
    workers, WASI instances) may all find a file pending: one applies it, and for the
    others, whose transaction then fails, it is no error once it is recorded as applied.
    """
    quoted = _quoted(table)
    # One line: exec() runs each line as a query, as D1 does.
    await db.exec(
        f"CREATE TABLE IF NOT EXISTS {quoted} (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE,"
        " applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)"
    )
    record = db.prepare(f"INSERT INTO {quoted} (name) VALUES (?1)")
    done: list[str] = []
    for path in await _pending(db, directory, quoted):
        statements = [db.prepare(sql) for sql in split_statements(path.read_text(encoding="utf-8"))]
        try:
            await db.batch([*statements, record.bind(path.name)])
        except D1Error as error:
            if path.name in await _applied(db, quoted):
                continue
            raise D1Error(error.token, f"Migration {path.name} failed: {error.detail}") from None
        done.append(path.name)
    return done


async def pending_migrations(
    db: D1Database, directory: str | os.PathLike[str], *, table: str = MIGRATIONS_TABLE
) -> list[str]:
    """The names of the ``.sql`` files of ``directory`` not yet applied to ``db``, in the order they would run.

    Reads only: a database that never had a migration has them all pending.
    """
    exists = await db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").bind(table).first()
    if not exists:
        return sorted(path.name for path in _files(directory))
    return [path.name for path in await _pending(db, directory, _quoted(table))]


async def _pending(db: D1Database, directory: str | os.PathLike[str], quoted_table: str) -> list[Path]:
    applied = await _applied(db, quoted_table)
    return [path for path in _files(directory) if path.name not in applied]


async def _applied(db: D1Database, quoted_table: str) -> set[str]:
    return {row[0] for row in await db.prepare(f"SELECT name FROM {quoted_table}").raw()}


def _files(directory: str | os.PathLike[str]) -> list[Path]:
    return sorted(p for p in Path(directory).iterdir() if p.suffix == ".sql" and p.is_file())


def _quoted(table: str) -> str:
    return '"' + table.replace('"', '""') + '"'
