"""The local ``env`` of a Worker, built from its ``wrangler.toml`` as ``wrangler dev`` builds it.

:func:`load_env` reads the configuration with the stdlib ``tomllib`` and returns an
:class:`Env` whose attributes are the bindings a handler reaches as ``c.env.NAME``:

* each ``[[kv_namespaces]]`` (``binding``, ``id``) is a :class:`~edgekit.bindings.kv.KVNamespace`
  on ``<state_dir>/kv/<id>.sqlite`` (``<binding>.sqlite`` without an ``id``);
* each ``[[d1_databases]]`` (``binding``, ``database_name``, ``database_id``,
  ``migrations_dir``, ``migrations_table``) is a :class:`~edgekit.bindings.d1.D1Database`
  on ``<state_dir>/d1/<database_id>.sqlite`` (``<database_name>.sqlite`` without an id),
  with the pending migrations of ``migrations_dir`` applied as
  ``wrangler d1 migrations apply --local`` applies them;
* ``[vars]`` are plain values: strings, and TOML numbers, booleans, tables and arrays as
  the Python values of the JSON wrangler passes (``dict``, ``list``, ...);
* a ``.dev.vars`` file beside ``wrangler.toml`` adds string values that override ``[vars]``.

Environments follow wrangler's documented rule: with ``environment="staging"`` the
bindings and vars come from ``[env.staging]`` only; ``vars``, ``kv_namespaces`` and
``d1_databases`` are non-inheritable keys, so nothing of the top level is used.  Dev vars
come from ``.dev.vars.staging`` when that file exists, otherwise from ``.dev.vars`` (the
files are not merged, as wrangler does not merge them).  wrangler's ``preview_id`` /
``preview_database_id`` (remote preview stores), ``.env`` files and
``wrangler.json``/``wrangler.jsonc`` are not read.

This module is for local development and tests: the core never imports it.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import NamedTuple

from .d1 import D1Database
from .d1_migrations import MIGRATIONS_TABLE, apply_migrations
from .kv import KVNamespace

TYPE_CHECKING = False
if TYPE_CHECKING:
    import os
    from collections.abc import Iterator, Mapping
    from typing import Any

__all__ = [
    "BindingsConfig",
    "D1DatabaseConfig",
    "Env",
    "WranglerConfigError",
    "d1_databases",
    "load_env",
    "parse_dev_vars",
    "read_config",
    "store_file",
]

_MEMORY = ":memory:"

# dotenv's LINE pattern (the npm package wrangler parses .dev.vars with): an optional
# ``export``, a key, ``=`` (or ``: ``), a quoted or bare value, an optional # comment.
_DOTENV_LINE = re.compile(
    r"""^\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)"""
    r"""(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?"""
    r"""\s*(?:#.*)?$""",
    re.MULTILINE | re.ASCII,
)


class WranglerConfigError(ValueError):
    """A ``wrangler.toml`` that cannot be turned into a local ``env``; the message says what to fix."""


class Env:
    """The bindings of a Worker by name: ``env.DB``, ``env.CACHE``, ``env.GREETING``.

    ``bindings`` maps each binding name to its value (a store, a var).  A name that is
    not a binding raises AttributeError listing the names there are; ``name in env`` and
    ``for name in env`` see the binding names.  :meth:`close` closes every
    :class:`KVNamespace` and :class:`D1Database` among the values, and leaving a ``with``
    block does too.  ``repr(env)`` shows names only, never values (``.dev.vars`` holds
    secrets).
    """

    __slots__ = ("_bindings",)

    def __init__(self, bindings: Mapping[str, Any]) -> None:
        clashes = sorted(name for name in bindings if hasattr(Env, name))
        if clashes:
            raise ValueError(f"binding names {clashes} clash with attributes of Env: rename those bindings")
        self._bindings = dict(bindings)

    def __getattr__(self, name: str) -> Any:
        """The binding called ``name``."""
        try:
            return self._bindings[name]
        except KeyError:
            available = ", ".join(self._bindings) or "none"
            raise AttributeError(f"env has no binding {name!r}; the bindings are: {available}") from None

    def __contains__(self, name: object) -> bool:
        """Whether ``name`` is a binding."""
        return name in self._bindings

    def __iter__(self) -> Iterator[str]:
        """The binding names, in configuration order: vars, then KV namespaces, then D1 databases."""
        return iter(self._bindings)

    def __dir__(self) -> list[str]:
        """The attributes, binding names included (for completion in a REPL)."""
        return [*super().__dir__(), *self._bindings]

    def __repr__(self) -> str:
        """``Env(NAME, ...)``: the binding names, without their values."""
        return f"Env({', '.join(self._bindings)})"

    def close(self) -> None:
        """Close every store of this env.  Idempotent."""
        for value in self._bindings.values():
            if isinstance(value, (KVNamespace, D1Database)):
                value.close()

    def __enter__(self) -> Env:
        """The env itself; leaving the ``with`` block closes its stores."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the stores."""
        self.close()


async def load_env(
    config: str | os.PathLike[str] = "wrangler.toml",
    *,
    state_dir: str | os.PathLike[str] | None = ".edgekit/state",
    environment: str | None = None,
    dev_vars: bool = True,
) -> Env:
    """The local ``env`` that ``config`` describes, its D1 migrations applied.

    ``state_dir`` holds one SQLite file per store; a relative path is taken from the
    folder of ``config`` (as ``.wrangler/state`` sits beside ``wrangler.toml``), so the
    same state is found from any working directory.  ``state_dir=None`` keeps every store
    in memory (each store its own, migrations applied afresh): for tests.  ``environment``
    selects ``[env.<name>]`` (see the module docstring for what is inherited: nothing);
    ``dev_vars=False`` skips ``.dev.vars``.

    A coroutine because migrations run through the async D1 API: ``await load_env()``
    inside a running loop, ``asyncio.run(load_env())`` in a script (the stores are not
    tied to the loop that built them).  Close the env when done (``with env:``).

    Raises FileNotFoundError when ``config`` does not exist and
    :class:`WranglerConfigError` for a configuration that cannot be used; a failing
    migration raises :class:`~edgekit.bindings.d1.D1Error` naming its file.  On any error
    the stores opened so far are closed.
    """
    path = Path(config)
    bindings = read_config(path, environment=environment, dev_vars=dev_vars)
    root = path.parent
    state = None if state_dir is None else root / state_dir
    opened: dict[str, Any] = dict(bindings.vars)
    try:
        for binding, name in bindings.kv:
            opened[binding] = KVNamespace(store_file(state, "kv", name))
        for binding, name, migrations, table in bindings.d1:
            db = D1Database(store_file(state, "d1", name))
            opened[binding] = db
            if migrations is not None:
                await apply_migrations(db, migrations, table=table)
    except BaseException:
        Env(opened).close()
        raise
    return Env(opened)


class BindingsConfig(NamedTuple):
    """What one section of a wrangler configuration binds, read and checked (nothing opened)."""

    where: str
    """How messages name the section: the file, with ``[env.NAME]`` for an environment."""
    main: str | None
    """The Worker's entry module (an environment inherits the top level's, as in wrangler)."""
    vars: dict[str, Any]
    """``[vars]``, then ``.dev.vars`` (when read), by name."""
    kv: list[tuple[str, str]]
    """``(binding, store name)`` of each KV namespace."""
    d1: list[tuple[str, str, Path | None, str]]
    """``(binding, store name, migrations folder or None, migrations table)`` of each D1 database."""
    assets: str | None
    """The ``directory`` of ``[assets]``: static files Cloudflare answers before the Worker
    runs, which no local runtime serves (an environment inherits the top level's, like ``main``)."""


def read_config(
    config: str | os.PathLike[str] = "wrangler.toml", *, environment: str | None = None, dev_vars: bool = True
) -> BindingsConfig:
    """The bindings ``config`` declares, as :func:`load_env` reads them; opens no store.

    For every tool that needs the bindings without the local stores (the WASI build, the
    Pyodide preview). The arguments and errors are :func:`load_env`'s, a binding name
    used twice included.
    """
    path = Path(config)
    document = _document(path)
    where, section = _section(path, document, environment)
    root = path.parent
    values = _vars(where, section)
    if dev_vars:
        values.update(_dev_vars(root, environment))
    kv = _kv_specs(where, section)
    d1 = _d1_specs(where, section, root)
    _check_unique(
        where,
        [
            *(("a var ([vars] or .dev.vars)", name) for name in values),
            *(("a KV namespace", binding) for binding, _ in kv),
            *(("a D1 database", spec[0]) for spec in d1),
        ],
    )
    main = section.get("main", document.get("main"))
    assets = section.get("assets", document.get("assets"))
    directory = assets.get("directory") if isinstance(assets, dict) else None
    return BindingsConfig(
        where,
        main if isinstance(main, str) else None,
        values,
        kv,
        d1,
        directory if isinstance(directory, str) else None,
    )


class D1DatabaseConfig(NamedTuple):
    """One ``[[d1_databases]]`` entry as the local stores use it."""

    binding: str
    path: str
    """The SQLite file (``:memory:`` without a state folder)."""
    migrations_dir: Path | None
    migrations_table: str


def d1_databases(
    config: str | os.PathLike[str] = "wrangler.toml",
    *,
    state_dir: str | os.PathLike[str] | None = ".edgekit/state",
    environment: str | None = None,
) -> list[D1DatabaseConfig]:
    """The D1 databases ``config`` declares, with the files :func:`load_env` opens for them.

    Opens nothing: for tools that work on one database (``edgekit d1 migrations``).  The
    arguments and errors are :func:`load_env`'s.
    """
    path = Path(config)
    where, section = _read(path, environment)
    state = None if state_dir is None else path.parent / state_dir
    return [
        D1DatabaseConfig(binding, store_file(state, "d1", name), migrations, table)
        for binding, name, migrations, table in _d1_specs(where, section, path.parent)
    ]


def _read(path: Path, environment: str | None) -> tuple[str, dict[str, Any]]:
    """``(where, section)``: the part of ``path`` that applies to ``environment``."""
    return _section(path, _document(path), environment)


def _document(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(
            f"no wrangler configuration at {path.resolve()}: pass load_env(config=...) the path of wrangler.toml"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise WranglerConfigError(f"{path}: invalid TOML: {e}") from None


def parse_dev_vars(text: str) -> dict[str, str]:
    """The variables of a ``.dev.vars`` file, parsed as the ``dotenv`` package wrangler uses parses it.

    ``KEY=value`` lines (``export KEY=value`` and ``KEY: value`` too); a bare value is
    trimmed and ends at ``#``; a value in single, double or back quotes keeps everything
    inside them, ``#`` and newlines included.  In double quotes ``\\n`` and ``\\r``
    become a newline and a carriage return; every other backslash stays as written, as
    in dotenv.  Lines that are not assignments (comments, blank lines) are skipped; a
    later assignment of a key wins.
    """
    out: dict[str, str] = {}
    for match in _DOTENV_LINE.finditer(text.replace("\r\n", "\n").replace("\r", "\n")):
        value = (match[2] or "").strip()
        quote = value[:1]
        if quote in ("'", '"', "`") and len(value) >= 2 and value[-1] == quote:
            value = value[1:-1]
        if quote == '"':
            value = value.replace("\\n", "\n").replace("\\r", "\r")
        out[match[1]] = value
    return out


# -- reading the configuration


def _section(path: Path, document: dict[str, Any], environment: str | None) -> tuple[str, dict[str, Any]]:
    """``(where, table)``: the table the bindings come from and how messages name it."""
    if environment is None:
        return str(path), document
    envs = document.get("env", {})
    section = envs.get(environment) if isinstance(envs, dict) else None
    if not isinstance(section, dict):
        names = ", ".join(envs) if isinstance(envs, dict) and envs else "none"
        raise WranglerConfigError(
            f"{path}: no [env.{environment}] section; add one, or pick one of the environments: {names}"
        )
    return f"{path} [env.{environment}]", section


def _vars(where: str, section: dict[str, Any]) -> dict[str, Any]:
    """``[vars]``: the values as they reach a Worker, JSON values checked."""
    table = section.get("vars", {})
    if not isinstance(table, dict):
        raise WranglerConfigError(f'{where}: "vars" must be a table ([vars] with NAME = value lines)')
    for name, value in table.items():
        _check_json(where, f"vars.{name}", value)
    return dict(table)


def _check_json(where: str, label: str, value: object) -> None:
    """Refuse what JSON cannot carry (TOML dates and times): wrangler passes vars as JSON."""
    if isinstance(value, dict):
        for key, item in value.items():
            _check_json(where, f"{label}.{key}", item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json(where, f"{label}[{index}]", item)
    elif not isinstance(value, (str, int, float, bool)):
        raise WranglerConfigError(
            f"{where}: {label} is a TOML {type(value).__name__}, which a Worker cannot receive; quote it as a string"
        )


def _dev_vars(root: Path, environment: str | None) -> dict[str, str]:
    """The dev vars file's variables: ``.dev.vars.<environment>`` if it exists, else ``.dev.vars``."""
    candidates = [root / f".dev.vars.{environment}"] if environment is not None else []
    for file in [*candidates, root / ".dev.vars"]:
        if file.is_file():
            return parse_dev_vars(file.read_text(encoding="utf-8"))
    return {}


def _entries(where: str, section: dict[str, Any], key: str) -> list[tuple[str, dict[str, Any]]]:
    """The tables of the ``[[key]]`` array, each with how messages name it."""
    entries = section.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise WranglerConfigError(f"{where}: {key} must be an array of tables: write each entry as [[{key}]]")
    return [(f"{where}: [[{key}]] entry {number}", entry) for number, entry in enumerate(entries, 1)]


def _string(label: str, entry: dict[str, Any], field: str, hint: str) -> str | None:
    """``entry[field]``: a non-empty string, or None when absent."""
    value = entry.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise WranglerConfigError(f"{label}: {field} must be a non-empty string ({hint})")
    return value


def _required(label: str, entry: dict[str, Any], field: str, hint: str) -> str:
    """``entry[field]``, a non-empty string that must be there."""
    value = _string(label, entry, field, hint)
    if value is None:
        raise WranglerConfigError(f'{label} has no {field}: add {field} = "..." ({hint})')
    return value


_BINDING_HINT = "the name handlers use as c.env.NAME"


def _kv_specs(where: str, section: dict[str, Any]) -> list[tuple[str, str]]:
    """``(binding, store name)`` for each ``[[kv_namespaces]]``."""
    specs = []
    for label, entry in _entries(where, section, "kv_namespaces"):
        binding = _required(label, entry, "binding", _BINDING_HINT)
        name = _string(label, entry, "id", "the namespace id") or binding
        specs.append((binding, _file_name(label, name)))
    return specs


def _d1_specs(where: str, section: dict[str, Any], root: Path) -> list[tuple[str, str, Path | None, str]]:
    """``(binding, store name, migrations folder or None, migrations table)`` for each ``[[d1_databases]]``."""
    specs = []
    for label, entry in _entries(where, section, "d1_databases"):
        binding = _required(label, entry, "binding", _BINDING_HINT)
        database_name = _required(label, entry, "database_name", "the database's name, as in wrangler d1 create NAME")
        name = _string(label, entry, "database_id", "the database's id") or database_name
        table = _string(label, entry, "migrations_table", "a table name") or MIGRATIONS_TABLE
        named = _string(label, entry, "migrations_dir", "a folder, relative to wrangler.toml")
        folder = root / (named or "migrations")
        if named is not None and not folder.is_dir():
            raise WranglerConfigError(
                f"{label}: migrations_dir {named!r} is not a folder ({folder.resolve()}): "
                "create it or fix the path (relative to wrangler.toml)"
            )
        specs.append((binding, _file_name(label, name), folder if folder.is_dir() else None, table))
    return specs


def _file_name(label: str, name: str) -> str:
    """``name`` as the stem of a store's file: it must not reach outside the state folder."""
    if name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise WranglerConfigError(f"{label}: {name!r} cannot name a local store file; use an id without / or \\")
    return name


def _check_unique(where: str, bindings: list[tuple[str, str]]) -> None:
    """Refuse a binding name used twice (wrangler refuses it too) or hidden by an attribute of :class:`Env`."""
    seen: dict[str, str] = {}
    for kind, binding in bindings:
        if binding in seen:
            raise WranglerConfigError(
                f"{where}: the binding name {binding!r} is used by {seen[binding]} and by {kind}: "
                "give each binding its own name"
            )
        if hasattr(Env, binding):
            raise WranglerConfigError(f"{where}: the binding name {binding!r} of {kind} clashes with Env.{binding}")
        seen[binding] = kind


def store_file(state: Path | None, kind: str, name: str) -> str:
    """The SQLite path of one store (``:memory:`` without a state folder), its folder created."""
    if state is None:
        return _MEMORY
    folder = state / kind
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / f"{name}.sqlite")
