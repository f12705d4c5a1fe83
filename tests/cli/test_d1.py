"""``edgekit d1 migrations apply|list BINDING`` on the local stores edgekit dev uses."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from edgekit.bindings.local_env import load_env
from edgekit.cli import main


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "0001_users.sql").write_text("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);")
    (tmp_path / "wrangler.toml").write_text(
        'name = "demo"\n'
        '[[d1_databases]]\nbinding = "DB"\ndatabase_name = "main"\ndatabase_id = "main-id"\nmigrations_dir = "sql"\n'
        '[[d1_databases]]\nbinding = "LOGS"\ndatabase_name = "logs"\n'
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_list_then_apply_then_nothing_pending(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["d1", "migrations", "list", "DB"]) == 0
    assert capsys.readouterr().out == "0001_users.sql\n"
    assert main(["d1", "migrations", "apply", "DB"]) == 0
    out = capsys.readouterr().out
    assert "applied 0001_users.sql" in out and "1 migration(s) applied to DB" in out
    assert main(["d1", "migrations", "list", "DB"]) == 0
    assert capsys.readouterr().out == "no pending migrations for DB\n"
    (project / "sql" / "0002_email.sql").write_text("ALTER TABLE users ADD COLUMN email TEXT;")
    assert main(["d1", "migrations", "apply", "DB"]) == 0
    assert "applied 0002_email.sql" in capsys.readouterr().out
    database = project / ".edgekit" / "state" / "d1" / "main-id.sqlite"
    with sqlite3.connect(database) as db:
        assert [row[1] for row in db.execute("PRAGMA table_info(users)")] == ["id", "name", "email"]


def test_the_dev_server_sees_what_was_applied(project: Path) -> None:
    main(["d1", "migrations", "apply", "DB"])

    async def names():
        with await load_env(project / "wrangler.toml") as env:
            return await env.DB.prepare("SELECT name FROM d1_migrations").raw()

    assert asyncio.run(names()) == [["0001_users.sql"]]


def test_a_failing_migration_is_exit_1(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "sql" / "0002_bad.sql").write_text("CREATE TABLE (;")
    assert main(["d1", "migrations", "apply", "DB"]) == 1
    assert "0002_bad.sql failed" in capsys.readouterr().err


def test_unknown_binding_names_the_known_ones(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["d1", "migrations", "apply", "DATABASE"]) == 2
    err = capsys.readouterr().err
    assert "no D1 database is bound as 'DATABASE'" in err and "the D1 bindings are: DB, LOGS" in err


def test_binding_without_migrations_folder(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["d1", "migrations", "list", "LOGS"]) == 2
    assert "LOGS has no migrations folder" in capsys.readouterr().err


def test_no_wrangler_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["d1", "migrations", "apply", "DB"]) == 2
    assert "no wrangler.toml in" in capsys.readouterr().err


def test_a_broken_wrangler_toml_is_exit_1(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "wrangler.toml").write_text("name = \n")
    assert main(["d1", "migrations", "apply", "DB", "--config", "wrangler.toml"]) == 1
    assert "wrangler.toml" in capsys.readouterr().err


def test_help_and_missing_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["d1"], ["d1", "migrations"], ["d1", "migrations", "apply"]):
        with pytest.raises(SystemExit) as exit_info:
            main(args)
        assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["d1", "migrations", "apply", "--help"])
    assert exit_info.value.code == 0 and "BINDING" in capsys.readouterr().out


def test_execute_runs_statements_in_one_batch_and_prints_their_rows(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["d1", "migrations", "apply", "DB"])
    capsys.readouterr()
    sql = "INSERT INTO users (name) VALUES ('ada'), (NULL); SELECT id, name FROM users ORDER BY id"
    assert main(["d1", "execute", "DB", "--command", sql]) == 0
    assert capsys.readouterr().out == (
        "> INSERT INTO users (name) VALUES ('ada'), (NULL);\n(2 row(s) changed)\n"
        "> SELECT id, name FROM users ORDER BY id\nid  name\n--  ----\n1   ada\n2   NULL\n"
    )
    # One batch: the failing statement takes the insert before it back with it.
    assert main(["d1", "execute", "DB", "--command", "INSERT INTO users (name) VALUES ('gone'); SELECT * FROM nope"]) == 1
    assert "no such table: nope" in capsys.readouterr().err
    (project / "query.sql").write_text("-- a file\nSELECT count(*) AS n, x'00ff' AS blob FROM users;\n")
    assert main(["d1", "execute", "DB", "--file", "query.sql", "--json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    assert result["results"] == [{"n": 2, "blob": [0, 255]}] and result["success"] is True


def test_execute_refuses_what_d1_refuses_and_says_what_is_missing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["d1", "execute", "DB", "--command", "BEGIN; SELECT 1"]) == 1
    assert "transaction" in capsys.readouterr().err
    assert main(["d1", "execute", "DB", "--command", "-- only a comment"]) == 2
    assert "no SQL statement" in capsys.readouterr().err
    assert main(["d1", "execute", "DB", "--file", "missing.sql"]) == 1
    assert "cannot read missing.sql" in capsys.readouterr().err
    assert main(["d1", "execute", "LOGS", "--command", "SELECT 1 AS one"]) == 0  # no migrations folder needed
    assert capsys.readouterr().out.endswith("one\n---\n1\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["d1", "execute", "DB"])  # neither --command nor --file
    assert exit_info.value.code == 2
