"""The component's env under CPython: bindings read at build time, every store opened on first use."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pytest

from edgekit.bindings.d1 import D1Error
from edgekit.bindings.local_env import Env, WranglerConfigError, load_env
from edgekit.preview.wasi import leave_wal, prepare_state
from edgekit.runtime.wasi_env import CONFIG_DIR, Bindings, StateEnv, _opened, read_bindings, state_env

from ..conftest import run
from .conftest import CONFIG


def _sqlite_files(state: Path) -> list[str]:
    return sorted(path.relative_to(state).as_posix() for path in state.rglob("*.sqlite"))


def _open(state: Path, bindings: Bindings | None = None) -> StateEnv:
    return run(state_env(bindings or read_bindings(CONFIG), state_dir=str(state))())


def _project(folder: Path, toml: str, files: dict[str, str] | None = None) -> Path:
    folder.mkdir(exist_ok=True)
    for name, text in {"wrangler.toml": toml, **(files or {})}.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder / "wrangler.toml"


def test_read_bindings_is_what_load_env_opens(tmp_path: Path) -> None:
    bindings = read_bindings(CONFIG)
    assert bindings.vars == {"APP_NAME": "edgekit todos"}
    assert bindings.kv == [("CACHE", "todos-cache")]
    assert bindings.d1 == [("DB", "todos-local", "migrations", "d1_migrations")]
    assert list(bindings.migrations) == ["migrations/0001_create_todos.sql"]
    assert Bindings.loads(bindings.dumps()) == bindings
    config = _project(
        tmp_path / "p",
        '[vars]\nA = "1"\nN = inf\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "d"\nmigrations_dir = "db/m"\n',
        {"db/m/0001.sql": "CREATE TABLE t (a);", "db/m/notes.txt": "not a migration", ".dev.vars": "SECRET=s\n"},
    )
    plain = read_bindings(config)
    assert plain.migrations == {"db/m/0001.sql": "CREATE TABLE t (a);"} and "SECRET" not in plain.vars
    assert math.isinf(Bindings.loads(plain.dumps()).vars["N"])  # JSON carries what TOML can hold
    assert read_bindings(config, dev_vars=True).vars["SECRET"] == "s"  # only for a local preview


def test_a_bad_configuration_raises_what_load_env_raises(tmp_path: Path) -> None:
    config = _project(tmp_path, '[vars]\nCACHE = "x"\n[[kv_namespaces]]\nbinding = "CACHE"\n')
    with pytest.raises(WranglerConfigError) as ours:
        read_bindings(config)
    with pytest.raises(WranglerConfigError) as theirs:
        run(load_env(config, state_dir=None))
    assert str(ours.value) == str(theirs.value) and "'CACHE' is used by a var" in str(ours.value)
    with pytest.raises(WranglerConfigError, match=r"no \[env.staging\] section"):
        read_bindings(config, environment="staging")


def test_nothing_is_opened_until_a_store_is_used(tmp_path: Path) -> None:
    env = _open(tmp_path)
    assert env.APP_NAME == "edgekit todos"  # a var: nothing read, nothing written
    assert "DB" in env and list(env) == ["APP_NAME", "CACHE", "DB"] and repr(env) == "Env(APP_NAME, CACHE, DB)"
    assert list(tmp_path.iterdir()) == []
    run(env.CACHE.put("k", "v"))
    assert _sqlite_files(tmp_path) == ["kv/todos-cache.sqlite"]
    assert env.CACHE is env.CACHE  # opened once per instance
    row = run(env.DB.prepare("INSERT INTO todos (title, done) VALUES (?, 0) RETURNING id").bind("x").first())
    assert row == {"id": 1}  # the migration ran before the first use
    assert _sqlite_files(tmp_path) == ["d1/todos-local.sqlite", "kv/todos-cache.sqlite"]
    assert (tmp_path / CONFIG_DIR / "migrations" / "0001_create_todos.sql").is_file()
    env.close()


def test_a_later_instance_sees_the_data_and_applies_nothing_again(tmp_path: Path) -> None:
    with _open(tmp_path) as first:
        run(first.DB.prepare("INSERT INTO todos (title, done) VALUES ('kept', 0)").run())
        run(first.CACHE.put("k", "v"))
    with _open(tmp_path) as second:
        assert run(second.DB.prepare("SELECT title FROM todos").raw()) == [["kept"]]
        assert run(second.DB.prepare("SELECT count(*) FROM d1_migrations").raw()) == [[1]]
        assert run(second.CACHE.get("k")) == "v"


def test_names_values_and_errors_are_those_of_load_env(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    with _open(tmp_path / "a") as env, run(load_env(CONFIG, state_dir=tmp_path / "b")) as loaded:
        assert list(env) == list(loaded) and repr(env) == repr(loaded) and set(loaded) <= set(dir(env))
        assert isinstance(env, Env) and env.APP_NAME == loaded.APP_NAME and type(env.DB) is type(loaded.DB)
        with pytest.raises(AttributeError) as ours:
            _ = env.NOPE
        with pytest.raises(AttributeError) as theirs:
            _ = loaded.NOPE
        assert (
            str(ours.value) == str(theirs.value) == "env has no binding 'NOPE'; the bindings are: APP_NAME, CACHE, DB"
        )


def test_a_failing_migration_is_raised_on_every_use_and_the_rest_works(tmp_path: Path) -> None:
    toml = '[vars]\nA = "1"\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "d"\n'
    files = {"migrations/0001_ok.sql": "CREATE TABLE t (a INTEGER);", "migrations/0002_bad.sql": "CREATE TABLE t (a);"}
    state = tmp_path / "state"
    state.mkdir()
    env = _open(state, read_bindings(_project(tmp_path / "p", toml, files)))
    for _ in range(2):  # not remembered as opened: the next access tries again
        with pytest.raises(D1Error, match="0002_bad.sql"):
            _ = env.DB
    assert env.A == "1"
    fixed = read_bindings(_project(tmp_path / "p", toml, {"migrations/0002_bad.sql": "CREATE TABLE u (b);"}))
    with _open(state, fixed) as rebuilt:
        assert run(rebuilt.DB.prepare("SELECT name FROM d1_migrations ORDER BY id").raw()) == [
            ["0001_ok.sql"],
            ["0002_bad.sql"],
        ]


def test_a_migration_dropped_from_the_build_is_not_applied(tmp_path: Path) -> None:
    stale = tmp_path / CONFIG_DIR / "migrations" / "0002_gone.sql"
    stale.parent.mkdir(parents=True)
    stale.write_text("CREATE TABLE gone (a);")
    with _open(tmp_path) as env:
        assert run(env.DB.prepare("SELECT name FROM sqlite_master WHERE name = 'gone'").raw()) == []
    assert not stale.exists()


def test_a_missing_state_directory_says_how_to_mount_one(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="--dir STATE::"):
        _open(tmp_path / "missing")


def _header_versions(path: Path) -> bytes:
    """Bytes 18-19 of a SQLite file: b"\x01\x01" with a rollback journal, b"\x02\x02" in WAL mode."""
    return path.read_bytes()[18:20]


def test_the_wasi_preview_turns_cpython_stores_out_of_wal_mode_keeping_their_data(tmp_path: Path) -> None:
    with run(load_env(CONFIG, state_dir=tmp_path)) as env:
        run(env.CACHE.put("k", "from cpython"))
        run(env.DB.prepare("INSERT INTO todos (title, done) VALUES ('kept', 0)").run())
        # Open on CPython: the mode cannot change under it, and the preview says who holds it.
        assert "another process has it open" in (leave_wal(tmp_path) or "")
    files = [tmp_path / "d1" / "todos-local.sqlite", tmp_path / "kv" / "todos-cache.sqlite"]
    assert [_header_versions(path) for path in files] == [b"\x02\x02", b"\x02\x02"]
    assert leave_wal(tmp_path) is None
    assert [_header_versions(path) for path in files] == [b"\x01\x01", b"\x01\x01"]
    with _open(tmp_path) as env:
        assert run(env.CACHE.get("k")) == "from cpython"
        assert run(env.DB.prepare("SELECT title FROM todos").raw()) == [["kept"]]


def test_a_store_in_wal_mode_that_sqlite_refuses_is_explained(tmp_path: Path) -> None:
    with run(load_env(CONFIG, state_dir=tmp_path)) as env:
        run(env.CACHE.put("k", "v"))
    path = str(tmp_path / "kv" / "todos-cache.sqlite")

    def refuse(path: str) -> None:  # what SQLite built for WASI, without WAL, does
        raise sqlite3.DatabaseError("file is not a database")

    with pytest.raises(RuntimeError, match=r"is in WAL mode .*`edgekit dev --runtime wasi`"):
        _opened("kv", path, refuse)
    assert leave_wal(tmp_path) is None
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):  # not WAL: SQLite's own error
        _opened("kv", path, refuse)


def test_the_wasi_preview_makes_the_stores_on_the_host_so_instances_do_not_race(tmp_path: Path) -> None:
    assert prepare_state(CONFIG, tmp_path, None) is None
    assert _sqlite_files(tmp_path) == ["d1/todos-local.sqlite", "kv/todos-cache.sqlite"]
    assert {_header_versions(tmp_path / name) for name in _sqlite_files(tmp_path)} == {b"\x01\x01"}
    with sqlite3.connect(tmp_path / "d1" / "todos-local.sqlite") as db:
        assert db.execute("SELECT name FROM d1_migrations").fetchall() == [("0001_create_todos.sql",)]
    toml = '[[d1_databases]]\nbinding = "DB"\ndatabase_name = "b"\ndatabase_id = "b"\n'
    config = _project(tmp_path / "broken", toml, {"migrations/1.sql": "nope;"})
    problem = prepare_state(config, tmp_path / "broken-state", None)
    assert problem is not None and "cannot prepare the stores" in problem and "1.sql" in problem
