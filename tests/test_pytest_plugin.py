"""The ``edgekit`` pytest plugin: its fixtures, used directly, and its registration in a fresh project."""

from __future__ import annotations

from pathlib import Path

import pytest

from edgekit import App
from tests.conftest import run, run_pytest

pytestmark = pytest.mark.cpython_only  # sqlite3-backed fixtures, pytest in a subprocess

TODOS = "../examples/todos"


def test_edgekit_kv_is_fresh_and_in_memory(edgekit_kv) -> None:
    assert run(edgekit_kv.get("anything")) is None
    run(edgekit_kv.put("k", "v"))
    assert run(edgekit_kv.get("k")) == "v"


def test_edgekit_kv_does_not_leak_between_tests(edgekit_kv) -> None:
    assert run(edgekit_kv.get("k")) is None


@pytest.mark.edgekit_migrations(f"{TODOS}/migrations")
def test_edgekit_d1_applies_the_marked_migrations(edgekit_d1) -> None:
    run(edgekit_d1.prepare("INSERT INTO todos (title) VALUES (?)").bind("x").run())
    assert run(edgekit_d1.prepare("SELECT title FROM todos").first("title")) == "x"


def test_edgekit_d1_without_a_marker_is_empty(edgekit_d1) -> None:
    tables = run(edgekit_d1.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").raw())
    assert tables == []


def test_edgekit_env_from_a_config_and_from_bindings(edgekit_env, edgekit_kv) -> None:
    env = edgekit_env(f"{TODOS}/wrangler.toml", APP_NAME="overridden", EXTRA=edgekit_kv)
    assert list(env) == ["APP_NAME", "CACHE", "DB", "EXTRA"]
    assert env.APP_NAME == "overridden" and env.EXTRA is edgekit_kv
    assert run(env.DB.prepare("SELECT count(*) AS n FROM todos").first("n")) == 0
    assert list(edgekit_env(GREETING="hi")) == ["GREETING"]
    with pytest.raises(TypeError, match="needs the config"):
        edgekit_env(environment="staging")


def test_client_factory(client) -> None:
    app = App()

    @app.get("/")
    def home(c):
        return c.text(c.env["GREETING"])

    assert client(app, env={"GREETING": "hi"}).get("/").text == "hi"


def test_the_plugin_is_registered_for_any_project(tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001.sql").write_text("CREATE TABLE t (x INTEGER);")
    (tmp_path / "test_fresh.py").write_text(
        "import pytest\n"
        "@pytest.mark.edgekit_migrations('migrations')\n"
        "def test_fixtures(edgekit_d1, edgekit_kv, edgekit_env, client):\n"
        "    import asyncio\n"
        "    asyncio.run(edgekit_d1.prepare('INSERT INTO t VALUES (1)').run())\n"
        "    assert edgekit_env(DB=edgekit_d1).DB is edgekit_d1\n"
    )
    result = run_pytest(tmp_path, "--strict-markers", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
