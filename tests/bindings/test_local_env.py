"""load_env: the local env from wrangler.toml, as wrangler dev builds it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from edgekit import App
from edgekit.bindings.d1 import D1Database, D1Error
from edgekit.bindings.kv import KVError, KVNamespace
from edgekit.bindings.local_env import Env, WranglerConfigError, load_env, parse_dev_vars, read_config
from tests.conftest import run

WRANGLER_TOML = """
name = "shop"
main = "src/entry.py"
compatibility_date = "2025-01-01"

[vars]
GREETING = "hello"
LIMITS = { max_items = 10, tags = ["a", "b"] }
RETRIES = 3

[[kv_namespaces]]
binding = "CACHE"
id = "0f2ac74b498b48028cb68387c421e279"

[[d1_databases]]
binding = "DB"
database_name = "shop-db"
database_id = "a1b2c3d4-0000-4000-8000-000000000001"

[env.staging]
name = "shop-staging"

[env.staging.vars]
GREETING = "hello staging"

[[env.staging.kv_namespaces]]
binding = "CACHE"
id = "staging-cache"

[[env.staging.d1_databases]]
binding = "DB"
database_name = "shop-db-staging"
migrations_dir = "db/migrations"
"""

MIGRATIONS = {
    # No IF NOT EXISTS: applying a file twice fails, so a second load proves it was skipped.
    "0001_create_items.sql": "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);",
    "0002_seed.sql": "INSERT INTO items (name) VALUES ('apple');\nINSERT INTO items (name) VALUES ('pear');",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A Worker project: wrangler.toml, migrations/ for the top level, db/migrations/ for staging."""
    (tmp_path / "wrangler.toml").write_text(WRANGLER_TOML, encoding="utf-8")
    for folder in ("migrations", "db/migrations"):
        (tmp_path / folder).mkdir(parents=True)
        for name, sql in MIGRATIONS.items():
            (tmp_path / folder / name).write_text(sql, encoding="utf-8")
    return tmp_path


def load(project: Path, text: str | None = None, **options: Any) -> Env:
    """load_env on project/wrangler.toml (rewritten to ``text`` when given)."""
    if text is not None:
        (project / "wrangler.toml").write_text(text, encoding="utf-8")
    return run(load_env(project / "wrangler.toml", **options))


def config_error(project: Path, text: str, **options: Any) -> str:
    with pytest.raises(WranglerConfigError) as info:
        load(project, text, **options)
    return str(info.value)


async def item_names(db: D1Database) -> list[str]:
    return [row["name"] for row in (await db.prepare("SELECT name FROM items ORDER BY id").all()).results]


# ---------------------------------------------------------------- end to end


def test_bindings_and_vars_end_to_end(project: Path) -> None:
    async def scenario() -> None:
        with await load_env(project / "wrangler.toml") as env:
            assert list(env) == ["GREETING", "LIMITS", "RETRIES", "CACHE", "DB"]
            assert isinstance(env.CACHE, KVNamespace) and isinstance(env.DB, D1Database)
            assert env.GREETING == "hello"
            assert env.LIMITS == {"max_items": 10, "tags": ["a", "b"]}
            assert env.RETRIES == 3
            await env.CACHE.put("k", "v")
            assert await env.CACHE.get("k") == "v"
            assert await item_names(env.DB) == ["apple", "pear"]

    asyncio.run(scenario())
    state = project / ".edgekit" / "state"
    assert (state / "kv" / "0f2ac74b498b48028cb68387c421e279.sqlite").is_file()
    assert (state / "d1" / "a1b2c3d4-0000-4000-8000-000000000001.sqlite").is_file()


def test_state_persists_and_migrations_are_not_reapplied(project: Path) -> None:
    async def first() -> None:
        with await load_env(project / "wrangler.toml") as env:
            await env.CACHE.put("visits", "1")
            await env.DB.prepare("INSERT INTO items (name) VALUES (?)").bind("plum").run()

    async def second() -> None:
        with await load_env(project / "wrangler.toml") as env:
            assert await env.CACHE.get("visits") == "1"
            assert await item_names(env.DB) == ["apple", "pear", "plum"]
            applied = await env.DB.prepare("SELECT name FROM d1_migrations ORDER BY id").raw()
            assert applied == [["0001_create_items.sql"], ["0002_seed.sql"]]

    asyncio.run(first())
    asyncio.run(second())


def test_a_new_migration_is_applied_on_the_next_load(project: Path) -> None:
    load(project).close()
    (project / "migrations" / "0003_more.sql").write_text("INSERT INTO items (name) VALUES ('fig');", encoding="utf-8")
    with load(project) as env:
        assert run(item_names(env.DB)) == ["apple", "pear", "fig"]


def test_failing_migration_raises_and_closes_what_was_opened(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    closed: list[list[str]] = []
    real_close = Env.close

    def close(env: Env) -> None:
        closed.append(list(env))
        real_close(env)

    monkeypatch.setattr(Env, "close", close)
    (project / "migrations" / "0003_bad.sql").write_text("INSERT INTO nowhere VALUES (1);", encoding="utf-8")
    with pytest.raises(D1Error, match="Migration 0003_bad.sql failed"):
        load(project)
    assert closed == [["GREETING", "LIMITS", "RETRIES", "CACHE", "DB"]]


def test_relative_state_dir_is_beside_wrangler_toml(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project.parent)
    with load(project, state_dir="state"):
        pass
    assert (project / "state" / "d1" / "a1b2c3d4-0000-4000-8000-000000000001.sqlite").is_file()


def test_store_files_fall_back_to_binding_and_database_name(project: Path) -> None:
    text = '[[kv_namespaces]]\nbinding = "KV"\n\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "local-db"\n'
    with load(project, text) as env:
        assert list(env) == ["KV", "DB"]
    assert (project / ".edgekit/state/kv/KV.sqlite").is_file()
    assert (project / ".edgekit/state/d1/local-db.sqlite").is_file()


def test_in_memory_stores(project: Path) -> None:
    async def scenario() -> None:
        for _ in range(2):  # nothing persists: each load starts empty and migrates afresh
            with await load_env(project / "wrangler.toml", state_dir=None) as env:
                assert await env.CACHE.get("k") is None
                await env.CACHE.put("k", "v")
                assert await item_names(env.DB) == ["apple", "pear"]

    asyncio.run(scenario())
    assert not (project / ".edgekit").exists()


def test_app_serves_with_the_env(project: Path) -> None:
    app = App()

    @app.get("/items/:id")
    async def item(c: Any) -> Any:
        key = f"item:{c.req.param('id')}"
        cached = await c.env.CACHE.get(key)
        if cached is not None:
            return c.json({"name": cached, "cached": True})
        name = await c.env.DB.prepare("SELECT name FROM items WHERE id = ?").bind(int(c.req.param("id"))).first("name")
        await c.env.CACHE.put(key, name)
        return c.json({"name": name, "cached": False, "greeting": c.env.GREETING})

    async def scenario() -> list[Any]:
        with await load_env(project / "wrangler.toml", state_dir=None) as env:
            return [await (await app.request("/items/2", env=env)).json() for _ in range(2)]

    assert asyncio.run(scenario()) == [
        {"name": "pear", "cached": False, "greeting": "hello"},
        {"name": "pear", "cached": True},
    ]


# ---------------------------------------------------------------- environments and .dev.vars


def test_environment_uses_its_own_section_and_inherits_nothing(project: Path) -> None:
    with load(project, environment="staging") as env:
        assert list(env) == ["GREETING", "CACHE", "DB"]  # no LIMITS/RETRIES: vars are not inherited
        assert env.GREETING == "hello staging"
        assert run(item_names(env.DB)) == ["apple", "pear"]  # from db/migrations
    assert (project / ".edgekit/state/kv/staging-cache.sqlite").is_file()
    assert (project / ".edgekit/state/d1/shop-db-staging.sqlite").is_file()


def test_environment_without_bindings_has_none(project: Path) -> None:
    with load(project, WRANGLER_TOML + "\n[env.bare]\n", environment="bare") as env:
        assert list(env) == []


def test_unknown_environment_lists_the_known_ones(project: Path) -> None:
    message = config_error(project, WRANGLER_TOML, environment="prod")
    assert "no [env.prod] section" in message and "staging" in message


def test_dev_vars_override_vars(project: Path) -> None:
    (project / ".dev.vars").write_text('GREETING="from dev vars"\nAPI_TOKEN=secret\n', encoding="utf-8")
    with load(project, state_dir=None) as env:
        assert env.GREETING == "from dev vars"
        assert env.API_TOKEN == "secret"
        assert env.RETRIES == 3
        assert "secret" not in repr(env) and "API_TOKEN" in repr(env)
    with load(project, state_dir=None, dev_vars=False) as env:
        assert env.GREETING == "hello" and "API_TOKEN" not in env


def test_environment_dev_vars_file_replaces_dev_vars(project: Path) -> None:
    (project / ".dev.vars").write_text("A=base\nB=base\n", encoding="utf-8")
    with load(project, state_dir=None, environment="staging") as env:
        assert (env.A, env.B) == ("base", "base")
    (project / ".dev.vars.staging").write_text("A=staging\n", encoding="utf-8")
    with load(project, state_dir=None, environment="staging") as env:
        assert env.A == "staging" and "B" not in env


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("KEY=value", {"KEY": "value"}),
        ("  KEY = spaced value  ", {"KEY": "spaced value"}),
        ("export KEY=value", {"KEY": "value"}),
        ("KEY: value", {"KEY": "value"}),
        ("# comment\n\nA=1\n  # indented comment\nB=2\n", {"A": "1", "B": "2"}),
        ("KEY=value # trailing comment", {"KEY": "value"}),
        ('KEY="quoted # not a comment"', {"KEY": "quoted # not a comment"}),
        ("KEY='single \\n quoted'", {"KEY": "single \\n quoted"}),
        ('KEY="line one\\nline two\\r"', {"KEY": "line one\nline two\r"}),
        ('KEY="keeps \\" and \\t as written"', {"KEY": 'keeps \\" and \\t as written'}),
        ("KEY=`back quoted`", {"KEY": "back quoted"}),
        ('KEY="multi\nline"', {"KEY": "multi\nline"}),
        ("EMPTY=\nEMPTY_QUOTED=''", {"EMPTY": "", "EMPTY_QUOTED": ""}),
        ("A=1\r\nB=2\r\n", {"A": "1", "B": "2"}),
        ("A=first\nA=second", {"A": "second"}),
        ("not an assignment\nA=1", {"A": "1"}),
        ("URL=https://example.com/?q=1&r=2", {"URL": "https://example.com/?q=1&r=2"}),
    ],
)
def test_parse_dev_vars_as_dotenv(text: str, expected: dict[str, str]) -> None:
    assert parse_dev_vars(text) == expected


# ---------------------------------------------------------------- Env


def test_env_attribute_error_names_the_binding_and_lists_the_others() -> None:
    env = Env({"DB": 1, "GREETING": "hi"})
    with pytest.raises(AttributeError, match=r"env has no binding 'KV'; the bindings are: DB, GREETING"):
        _ = env.KV
    assert "DB" in env and "KV" not in env
    assert "DB" in dir(env) and "close" in dir(env)
    with pytest.raises(AttributeError, match="the bindings are: none"):
        _ = Env({}).KV


def test_env_close_closes_every_store_and_is_idempotent() -> None:
    kv, db = KVNamespace(":memory:"), D1Database(":memory:")
    with Env({"KV": kv, "DB": db, "NAME": "x"}) as env:
        assert env.KV is kv
    env.close()
    with pytest.raises(KVError, match="closed"):
        run(kv.get("k"))
    with pytest.raises(Exception, match="closed"):
        run(db.prepare("SELECT 1").all())


def test_env_refuses_names_that_clash_with_its_methods() -> None:
    with pytest.raises(ValueError, match="clash"):
        Env({"close": "x"})


# ---------------------------------------------------------------- errors


def test_missing_config_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "nowhere" / "wrangler.toml")):
        run(load_env(tmp_path / "nowhere" / "wrangler.toml"))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('name = "x"\n[vars\nA = 1\n', "invalid TOML: "),
        ('[[kv_namespaces]]\nid = "abc"\n', '[[kv_namespaces]] entry 1 has no binding: add binding = "..."'),
        ('[[kv_namespaces]]\nbinding = ""\n', "binding must be a non-empty string"),
        (
            '[[kv_namespaces]]\nbinding = "A"\n[[kv_namespaces]]\nbinding = 7\n',
            "[[kv_namespaces]] entry 2: binding must be",
        ),
        (
            '[kv_namespaces]\nbinding = "KV"\n',
            "kv_namespaces must be an array of tables: write each entry as [[kv_namespaces]]",
        ),
        ('[[d1_databases]]\ndatabase_name = "db"\n', "[[d1_databases]] entry 1 has no binding"),
        ('[[d1_databases]]\nbinding = "DB"\n', "[[d1_databases]] entry 1 has no database_name"),
        (
            '[[d1_databases]]\nbinding = "DB"\ndatabase_name = "db"\nmigrations_dir = "sql"\n',
            "migrations_dir 'sql' is not a folder",
        ),
        (
            '[[kv_namespaces]]\nbinding = "X"\n[[d1_databases]]\nbinding = "X"\ndatabase_name = "db"\n',
            "'X' is used by a KV namespace and by a D1 database",
        ),
        (
            '[[kv_namespaces]]\nbinding = "X"\n[[kv_namespaces]]\nbinding = "X"\nid = "other"\n',
            "'X' is used by a KV namespace and by a KV namespace",
        ),
        (
            '[vars]\nX = "1"\n[[kv_namespaces]]\nbinding = "X"\n',
            "'X' is used by a var ([vars] or .dev.vars) and by a KV namespace",
        ),
        ('[vars]\nclose = "1"\n', "'close' of a var ([vars] or .dev.vars) clashes with Env.close"),
        ('[[kv_namespaces]]\nbinding = "KV"\nid = "../escape"\n', "'../escape' cannot name a local store file"),
        ("vars = 3\n", '"vars" must be a table'),
        ("[vars]\nWHEN = 2025-01-01\n", "vars.WHEN is a TOML date"),
        ("[vars]\nX = { at = [1979-05-27T07:32:00Z] }\n", "vars.X.at[0] is a TOML datetime"),
    ],
)
def test_config_errors_say_what_to_fix(project: Path, text: str, fragment: str) -> None:
    message = config_error(project, text)
    assert fragment in message
    assert str(project / "wrangler.toml") in message


def test_toml_error_gives_the_line(project: Path) -> None:
    assert "line 3" in config_error(project, 'name = "x"\n\n[vars\n')


def test_default_migrations_dir_may_be_missing(tmp_path: Path) -> None:
    text = '[[d1_databases]]\nbinding = "DB"\ndatabase_name = "empty"\n'
    with load(tmp_path, text, state_dir=None) as env:
        assert run(env.DB.prepare("SELECT count(*) AS n FROM sqlite_master").first("n")) == 0


def test_error_in_environment_names_the_section(project: Path) -> None:
    text = '[env.staging]\n[[env.staging.kv_namespaces]]\nid = "x"\n'
    assert "[env.staging]: [[kv_namespaces]] entry 1 has no binding" in config_error(
        project, text, environment="staging"
    )


def test_nothing_is_left_open_or_created_on_a_config_error(project: Path) -> None:
    text = '[[kv_namespaces]]\nbinding = "KV"\n[[d1_databases]]\nbinding = "DB"\n'
    config_error(project, text)
    assert not (project / ".edgekit").exists()


def test_the_core_never_imports_local_env() -> None:
    """Only the edges may use it, outside the bindings themselves: runtime adapters (the WASI
    component opens local stores), the command line, builds, previews and the pytest plugin."""
    package = Path(__file__).parents[2] / "edgekit"
    tooling = {"bindings", "runtime", "cli", "build", "preview"}
    importers = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if not tooling & set(path.relative_to(package).parts)
        and path.name != "pytest_plugin.py"
        and "local_env" in path.read_text(encoding="utf-8")
    ]
    assert importers == []


# ---------------------------------------------------------------- read_config


def test_read_config_reads_what_load_env_opens_without_opening_it(project: Path) -> None:
    (project / ".dev.vars.staging").write_text("SECRET=s3\n", encoding="utf-8")
    read = read_config(project / "wrangler.toml", environment="staging")
    assert read.where.endswith("[env.staging]")
    assert read.main == "src/entry.py"  # inherited from the top level, as wrangler does
    assert read.vars == {"GREETING": "hello staging", "SECRET": "s3"}
    assert read.kv == [("CACHE", "staging-cache")]
    assert [(binding, name, folder, table) for binding, name, folder, table in read.d1] == [
        ("DB", "shop-db-staging", project / "db/migrations", "d1_migrations")
    ]
    assert not (project / ".edgekit").exists()  # no store opened, no state folder made
    with load(project, environment="staging") as env:
        assert sorted(env) == sorted([*read.vars, "CACHE", "DB"])


def test_read_config_refuses_what_load_env_refuses(project: Path) -> None:
    (project / "wrangler.toml").write_text(
        '[vars]\nDB = "x"\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "d"\n', encoding="utf-8"
    )
    with pytest.raises(WranglerConfigError, match="'DB' is used by a var"):
        read_config(project / "wrangler.toml")
    with pytest.raises(WranglerConfigError, match=r"no \[env.prod\] section"):
        read_config(project / "wrangler.toml", environment="prod")


def test_read_config_names_the_assets_directory_an_environment_inherits(tmp_path: Path) -> None:
    (tmp_path / "wrangler.toml").write_text(
        'name = "x"\n[assets]\ndirectory = "./public"\n[env.staging]\nname = "x-staging"\n', encoding="utf-8"
    )
    assert read_config(tmp_path / "wrangler.toml").assets == "./public"
    assert read_config(tmp_path / "wrangler.toml", environment="staging").assets == "./public"
    (tmp_path / "wrangler.toml").write_text('name = "x"\n', encoding="utf-8")
    assert read_config(tmp_path / "wrangler.toml").assets is None
