"""The ``env`` of a WASI component: its wrangler.toml bindings as local stores on ``/state``.

A component sees no file of the project it was built from, so the build reads the
bindings on the host with :func:`read_bindings` (``load_env``'s own readers: the same
names, values and errors as ``edgekit dev``) and bakes the :class:`Bindings` into the
entry module: the vars' values, each store's binding and file name, and the D1
migration files. :func:`state_env` turns them, while the component is snapshotted,
into the factory the adapter calls on the first request of an instance.

The :class:`StateEnv` it makes opens each store on first use, because ``wasmtime
serve`` makes a fresh instance for every request and a request must not pay for
SQLite files and a migration check it does not use: a var is a value and opens
nothing; a KV namespace opens ``/state/kv/<id>.sqlite``; a D1 database opens
``/state/d1/<database_id>.sqlite`` (the layout ``edgekit dev`` uses under
``.edgekit/state``), after its migration files are written under
``/state/.edgekit/config`` (only those that changed) and its pending migrations applied.

The host must preopen the state directory: ``wasmtime serve --dir STATE::/state``.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

# The stores' modules (sqlite3) load with this one: the build's entry module imports it
# only for an app with bindings, while the interpreter is snapshotted.
from ..bindings import local_env
from ..bindings.d1 import D1Database
from ..bindings.d1_migrations import apply_migrations, pending_migrations
from ..bindings.kv import KVNamespace

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine, Mapping
    from typing import TypeVar

    S = TypeVar("S")
    T = TypeVar("T")

__all__ = ["CONFIG_DIR", "STATE_DIR", "Bindings", "StateEnv", "read_bindings", "state_env"]

STATE_DIR = "/state"
CONFIG_DIR = ".edgekit/config"
"""Where, under the state directory, the D1 migration files are written."""


class Bindings(NamedTuple):
    """The bindings of a wrangler.toml as a build bakes them into a component."""

    vars: dict[str, Any]
    """``[vars]`` (and ``.dev.vars`` when baked) by name, as ``load_env`` gives them."""
    kv: list[tuple[str, str]]
    """``(binding, store name)`` of each KV namespace."""
    d1: list[tuple[str, str, str | None, str]]
    """``(binding, store name, migrations folder or None, migrations table)`` of each D1 database;
    the folder is relative to wrangler.toml's."""
    migrations: dict[str, str]
    """The text of each migration file, by its path relative to wrangler.toml's folder."""

    def dumps(self) -> str:
        """As JSON (what the entry module holds; JSON carries every value a var can have)."""
        return json.dumps(self._asdict(), ensure_ascii=False)

    @classmethod
    def loads(cls, text: str) -> Bindings:
        """Read back what :meth:`dumps` wrote."""
        data = json.loads(text)
        return cls(
            vars=data["vars"],
            kv=[(binding, name) for binding, name in data["kv"]],
            d1=[(binding, name, folder, table) for binding, name, folder, table in data["d1"]],
            migrations=data["migrations"],
        )


def read_bindings(config: Path, *, environment: str | None = None, dev_vars: bool = False) -> Bindings:
    """The bindings ``config`` declares, read and checked as ``load_env`` does; opens no store.

    For the build, on the host. ``environment`` selects ``[env.NAME]``; ``dev_vars`` adds
    the ``.dev.vars`` values (secrets: for a local preview only). Raises what ``load_env``
    raises for a configuration it cannot use.
    """
    # load_env's own reader, so that names, values and errors are exactly those of edgekit dev.
    root = config.parent
    read = local_env.read_config(config, environment=environment, dev_vars=dev_vars)
    databases: list[tuple[str, str, str | None, str]] = []
    migrations: dict[str, str] = {}
    for binding, name, folder, table in read.d1:
        relative = None if folder is None else folder.relative_to(root).as_posix()
        databases.append((binding, name, relative, table))
        for sql in sorted(folder.glob("*.sql")) if folder is not None else ():
            if sql.is_file():
                migrations[f"{relative}/{sql.name}"] = sql.read_text(encoding="utf-8")
    return Bindings(vars=read.vars, kv=read.kv, d1=databases, migrations=migrations)


def state_env(bindings: Bindings, *, state_dir: str = STATE_DIR) -> Callable[[], Awaitable[StateEnv]]:
    """A factory for the env of ``bindings``, with its stores under ``state_dir``.

    The factory only checks that the state directory is there (a missing one raises an
    error that says how to mount one): the stores open when they are first used.
    """
    state = Path(state_dir)
    stores = {binding: _Unopened(partial(_open_kv, state, name)) for binding, name in bindings.kv}
    for binding, name, folder, table in bindings.d1:
        files = {} if folder is None else _files_in(bindings.migrations, folder)
        stores[binding] = _Unopened(partial(_open_d1, state, name, folder, files, table))
    # Built once, while the component is snapshotted: an instance only copies it.
    plan = {**bindings.vars, **stores}

    async def open_env() -> StateEnv:
        if not state.is_dir():
            raise FileNotFoundError(
                f"no state directory at {state_dir}: give the component one (wasmtime serve --dir STATE::{state_dir})"
            )
        return StateEnv(plan)

    return open_env


class StateEnv(local_env.Env):
    """The :class:`~edgekit.bindings.local_env.Env` of a component instance: each store opens on first use.

    Everything else is ``Env``'s: ``env.NAME``, the same AttributeError naming the
    bindings for an unknown name, ``name in env``, ``for name in env``, ``repr`` without
    values, :meth:`close` (of the stores opened so far), ``with``. A store that fails to
    open (a failing migration) raises on that access and is tried again on the next.
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        """The binding called ``name``, opened now if it is a store not yet opened."""
        value = super().__getattr__(name)
        if isinstance(value, _Unopened):
            value = self._bindings[name] = value.open()
        return value


class _Unopened:
    """A store binding not opened yet: ``open()`` opens it."""

    __slots__ = ("open",)

    def __init__(self, open: Callable[[], Any]) -> None:
        self.open = open


def _files_in(migrations: Mapping[str, str], folder: str) -> dict[str, str]:
    """``{file name: text}`` of the migration files directly in ``folder``."""
    prefix = f"{folder}/"
    return {path[len(prefix) :]: text for path, text in migrations.items() if path.startswith(prefix)}


def _open_kv(state: Path, name: str) -> KVNamespace:
    return _opened("kv", local_env.store_file(state, "kv", name), KVNamespace)


def _open_d1(state: Path, name: str, folder: str | None, files: Mapping[str, str], table: str) -> D1Database:
    """The D1 database's file, its pending migrations applied first (only read when there are none)."""
    db = _opened("d1", local_env.store_file(state, "d1", name), D1Database)
    try:
        if folder is not None:
            directory = _write_migrations(state / CONFIG_DIR / folder, files)
            if _settle(pending_migrations(db, directory, table=table)):
                _settle(apply_migrations(db, directory, table=table))
    except BaseException:
        db.close()
        raise
    return db


def _opened(kind: str, path: str, store: Callable[[str], S]) -> S:
    """``store(path)``; a file SQLite refuses because it is in WAL mode raises a RuntimeError saying so.

    SQLite in a WASI component has no shared memory, hence no WAL: it makes its files with a
    rollback journal and takes a file in WAL mode (edgekit on CPython keeps its stores so)
    for "not a database". ``edgekit dev --runtime wasi`` turns its state's files back first.
    """
    try:
        return store(path)
    except Exception as exc:
        # SQLite's "file is not a database", as it is or wrapped by the store (KVError).
        if "not a database" not in str(exc):
            raise
        with open(path, "rb") as file:
            header = file.read(100)
        # Bytes 18 and 19, the file format versions: 1 with a rollback journal, 2 in WAL mode.
        if header.startswith(b"SQLite format 3\x00") and header[18:20] == b"\x02\x02":
            raise RuntimeError(
                f"the {kind} store {path} is in WAL mode (edgekit on CPython leaves it so), which SQLite "
                "cannot read in WASI: serve this state with `edgekit dev --runtime wasi`, which turns its "
                "files back to a rollback journal first, or run `PRAGMA journal_mode=DELETE` on the file"
            ) from exc
        raise


def _write_migrations(directory: Path, files: Mapping[str, str]) -> Path:
    """``directory`` holding exactly the migration ``files`` (``{name: text}``); most instances find them there."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = directory / name
        try:
            if path.read_text(encoding="utf-8") == text:
                continue
        except FileNotFoundError:
            pass
        path.write_text(text, encoding="utf-8")
    # A migration dropped since the last build must not be applied.
    for path in directory.glob("*.sql"):
        if path.name not in files:
            path.unlink()
    return directory


def _settle(coroutine: Coroutine[Any, Any, T]) -> T:
    """The result of a coroutine that never suspends, got without an event loop.

    The local D1 store does its SQLite work synchronously inside its async methods, so
    a database can be opened, migrations included, inside a plain attribute access.
    """
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coroutine.close()
    raise RuntimeError("a local store suspended while opening: it cannot be opened inside an attribute access")
