"""Preview a Worker offline in the Workers Python runtime: Pyodide 0.28.2 on Node, bindings on miniflare.

``wrangler dev`` cannot start a Python Worker offline (workerd downloads its Pyodide
bundle), so :func:`serve` stands in for it: ``pyodide_host.mjs`` (beside this file)
loads npm's ``pyodide`` (the runtime Workers runs) and ``miniflare`` (Cloudflare's own
KV, D1 and Cache simulators), imports the Worker's entry module and serves HTTP, each
request a real JavaScript ``Request`` handed to ``Default(ctx, env).fetch(request)``
and each answer a JavaScript ``Response``, as workerd does.  The bindings and vars come
from ``wrangler.toml`` (and ``.dev.vars``), from its ``[env.NAME]`` section alone with
``--env NAME`` (and ``.dev.vars.NAME`` when it exists); the stores persist under
``.wrangler/state`` beside it, where ``wrangler dev`` keeps them, and pending D1
migrations are applied at start.  edgekit is imported from this installation's source
(then ``python_modules/``): edits show up on the next start, or at once with ``reload``.

Needs ``node`` (20+) and ``npm ci`` in the project (``node_modules/pyodide`` and
``node_modules/miniflare``).

    edgekit dev --runtime pyodide [APP] [--config wrangler.toml] [--env NAME] [--port 8787] [--reload]
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from . import stop_process

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["PyodidePreviewError", "find_node_modules", "serve", "spec_for"]

HOST_SCRIPT = Path(__file__).with_name("pyodide_host.mjs")
READY = "edgekit-pyodide ready "
_NEEDED = ("pyodide", "miniflare")
_POLL_S = 0.5


class PyodidePreviewError(Exception):
    """The preview cannot start; the message says what to install or fix."""


def find_node_modules(*starts: Path) -> Path:
    """The ``node_modules`` folder with pyodide and miniflare, looked for upwards from each of ``starts``.

    ``EDGEKIT_NODE_MODULES`` names it explicitly.
    """
    explicit = os.environ.get("EDGEKIT_NODE_MODULES")
    candidates = [Path(explicit)] if explicit else []
    for start in starts:
        folder = start.resolve()
        candidates.extend(parent / "node_modules" for parent in (folder, *folder.parents))
    for candidate in candidates:
        if all((candidate / name / "package.json").is_file() for name in _NEEDED):
            return candidate
    raise PyodidePreviewError(
        "the Pyodide preview needs node_modules/pyodide and node_modules/miniflare: run `npm ci` in the project "
        "(its package.json pins pyodide 0.28.2 and miniflare), or set EDGEKIT_NODE_MODULES"
    )


def _entry_module(app: str, config: Path | None, main: object) -> Path:
    """The Worker's entry module: ``app`` (a ``.py`` file), else ``main`` (the configured one) beside ``config``."""
    location = app.partition(":")[0] if app else ""
    if not location and config is not None:
        if not isinstance(main, str):
            raise PyodidePreviewError(f'{config} has no main = "ENTRY.py": name the Worker\'s entry module')
        location = str(config.parent / main)
    if not location:
        raise PyodidePreviewError("name the Worker's entry module (ENTRY.py) or a wrangler.toml with main = ...")
    path = Path(location)
    if path.suffix != ".py" or not path.is_file():
        raise PyodidePreviewError(f"no such Python module: {location}")
    return path.resolve()


def spec_for(
    app: str,
    config: Path | None,
    *,
    host: str,
    port: int,
    state_dir: Path | None,
    node_modules: Path,
    environment: str | None = None,
) -> dict[str, Any]:
    """What ``pyodide_host.mjs`` needs: the entry module, edgekit's source, the bindings of ``config``.

    ``environment`` selects ``[env.NAME]`` of ``config`` by the rules of
    :func:`edgekit.bindings.local_env.load_env` (the CPython preview's): the vars, KV
    namespaces and D1 databases come from that section alone, dev vars from
    ``.dev.vars.NAME`` if it exists, else ``.dev.vars``; ``main`` is the section's if it
    has one, else the top level's, as wrangler inherits it.  ``state_dir=None`` persists
    under ``.wrangler/state`` beside ``config`` (every environment shares it: stores are
    told apart by their ids, as in ``wrangler dev``); a relative ``state_dir`` is taken
    from the folder of ``config``.  Raises :class:`PyodidePreviewError` for an unusable
    configuration, an unknown environment included.
    """
    from ..bindings.local_env import WranglerConfigError

    if config is None:
        if environment is not None:
            raise PyodidePreviewError(f"--env {environment} needs a wrangler.toml: pass --config PATH")
        return _spec(_entry_module(app, None, None), app, host, port, node_modules)
    try:
        return _configured_spec(app, config, environment, host, port, state_dir, node_modules)
    except (OSError, UnicodeDecodeError) as exc:
        raise PyodidePreviewError(f"cannot read {config}: {exc}") from None
    except WranglerConfigError as exc:  # its message names the file and the section
        raise PyodidePreviewError(str(exc)) from None


def _spec(main: Path, app: str, host: str, port: int, node_modules: Path) -> dict[str, Any]:
    """The spec of a Worker without bindings."""
    return {
        "node_modules": str(node_modules),
        "main": str(main),
        "app_name": app.partition(":")[2] or "app",
        "package": str(Path(__file__).resolve().parents[1]),
        "vendor": None,
        "vars": {},
        "kv": [],
        "d1": [],
        "state": None,
        "host": host,
        "port": port,
        "bench": None,
    }


def _configured_spec(
    app: str,
    config: Path,
    environment: str | None,
    host: str,
    port: int,
    state_dir: Path | None,
    node_modules: Path,
) -> dict[str, Any]:
    """The spec of a Worker with the bindings of ``config`` (its ``[env.<environment>]`` section if named)."""
    from ..bindings.local_env import read_config

    root = config.parent.resolve()
    # load_env's reader: the same bindings and errors as edgekit dev (a binding name used twice
    # is refused there, where miniflare would silently keep one of the two).
    read = read_config(config, environment=environment)
    spec = _spec(_entry_module(app, config, read.main), app, host, port, node_modules)
    spec["vars"] = read.vars
    spec["kv"] = [{"binding": binding, "id": name} for binding, name in read.kv]
    spec["d1"] = [
        {
            "binding": binding,
            "id": name,
            "table": table,
            "folder": None if folder is None else str(folder),
            "migrations": _migrations(folder),
        }
        for binding, name, folder, table in read.d1
    ]
    vendor = root / "python_modules"
    spec["vendor"] = str(vendor) if vendor.is_dir() else None
    spec["state"] = str(root / (state_dir if state_dir is not None else Path(".wrangler/state")))
    return spec


def _migrations(folder: Path | None) -> list[dict[str, Any]]:
    """The ``.sql`` files of ``folder`` in name order, split into statements here: Pyodide has no sqlite3."""
    from ..bindings.d1 import split_statements

    if folder is None:
        return []
    files = sorted(p for p in folder.iterdir() if p.suffix == ".sql" and p.is_file())
    return [{"name": p.name, "statements": split_statements(p.read_text(encoding="utf-8"))} for p in files]


def _watched(spec: dict[str, Any], config: Path | None) -> dict[Path, float]:
    """Modification times of everything a restart would pick up."""
    folders = [Path(spec["main"]).parent, Path(spec["package"])]
    folders.extend(Path(d["folder"]) for d in spec["d1"] if d["folder"])
    times: dict[Path, float] = {}
    for folder in folders:
        for path in folder.rglob("*"):
            if path.suffix in (".py", ".sql", ".mjs") and not any(
                part.startswith(".") or part in ("__pycache__", "node_modules", "python_modules")
                for part in path.relative_to(folder).parts
            ):
                times[path] = path.stat().st_mtime
    if config is not None:
        # Which dev vars file applies can change by creating one, so every candidate is watched.
        for path in (config, *config.parent.glob(".dev.vars*")):
            times[path] = path.stat().st_mtime
    return times


class _Host:
    """One Node process of the preview, its output relayed to ``log``."""

    def __init__(self, node: str, spec_file: Path, log: Callable[[str], None]) -> None:
        self.process = subprocess.Popen(
            [node, str(HOST_SCRIPT), str(spec_file)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            env={**os.environ, "NO_COLOR": "1"},
        )
        self._relays = [
            threading.Thread(target=self._relay, args=(stream, log), daemon=True)
            for stream in (self.process.stdout, self.process.stderr)
        ]
        for relay in self._relays:
            relay.start()

    @staticmethod
    def _relay(stream: Any, log: Callable[[str], None]) -> None:
        for line in stream:
            line = line.rstrip("\n")
            log(f"edgekit dev (pyodide): ready on {line[len(READY) :]}" if line.startswith(READY) else line)

    def stop(self) -> int:
        code = stop_process(self.process)
        for relay in self._relays:
            relay.join(timeout=5)
        return code


def serve(
    app: str,
    *,
    config: Path | None,
    host: str = "127.0.0.1",
    port: int = 8787,
    state_dir: Path | None = None,
    reload: bool = False,
    log: Callable[[str], None] = print,
    environment: str | None = None,
) -> int:
    """Serve the Worker in Pyodide on ``host:port`` until stopped; the exit code.

    ``app`` is the Worker's entry module (a ``.py`` file with ``Default`` or ``on_fetch``);
    empty, it is ``main`` of ``config``.  ``config`` is the ``wrangler.toml`` with the
    bindings (None: no bindings); ``environment`` picks its ``[env.NAME]`` section, as
    ``wrangler dev --env NAME`` does (see :func:`spec_for`).  ``state_dir`` is where
    miniflare persists them (default ``.wrangler/state`` beside ``config``).  With
    ``reload``, the Node process is restarted when the entry module's folder, edgekit's
    source, a migration, ``config`` or a ``.dev.vars*`` file beside it changes.  Every
    line of output, the ready line ``edgekit dev (pyodide): ready on http://HOST:PORT``
    included, goes to ``log``.  A missing ``node`` or ``node_modules`` or an unusable
    configuration (an unknown environment among them) is reported there and gives exit
    code 2.
    """
    node = shutil.which("node")
    try:
        if node is None:
            raise PyodidePreviewError("the Pyodide preview needs Node.js 20 or newer on PATH (`node`)")
        starts = [Path.cwd()] if config is None else [config.parent, Path.cwd()]
        node_modules = find_node_modules(*starts)

        def make_spec() -> dict[str, Any]:
            return spec_for(
                app,
                config,
                host=host,
                port=port,
                state_dir=state_dir,
                node_modules=node_modules,
                environment=environment,
            )

        spec = make_spec()
    except PyodidePreviewError as exc:
        log(f"edgekit dev (pyodide): {exc}")
        return 2
    if config is not None:
        section = f" [env.{environment}]" if environment is not None else ""
        log(f"edgekit dev (pyodide): bindings from {config}{section}, state in {spec['state']}")
    if threading.current_thread() is threading.main_thread():
        # A terminated preview must stop its Node process too, as Ctrl-C does.
        signal.signal(signal.SIGTERM, _interrupt)
    with tempfile.TemporaryDirectory(prefix="edgekit-pyodide-") as scratch:
        spec_file = Path(scratch) / "spec.json"
        spec_file.write_text(json.dumps(spec), encoding="utf-8")
        host_process = _Host(node, spec_file, log)
        try:
            if not reload:
                return host_process.process.wait()
            seen = _watched(spec, config)
            while True:
                time.sleep(_POLL_S)
                now = _watched(spec, config)
                if now == seen:
                    continue
                seen = now
                log("edgekit dev (pyodide): change detected, restarting")
                host_process.stop()
                try:
                    spec = make_spec()
                except PyodidePreviewError as exc:
                    log(f"edgekit dev (pyodide): {exc}; waiting for the next change")
                    continue
                spec_file.write_text(json.dumps(spec), encoding="utf-8")
                host_process = _Host(node, spec_file, log)
        except KeyboardInterrupt:
            return 0
        finally:
            host_process.stop()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
