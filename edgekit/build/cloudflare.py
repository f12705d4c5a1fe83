"""``cloudflare`` build: vendor the part of edgekit a Python Worker imports into ``python_modules/``.

A Python Worker loads third-party code from ``python_modules/`` beside its
``wrangler.toml`` (wrangler uploads it as "Vendored Modules"; pywrangler would fill it,
but it needs the internet).  :func:`build` copies edgekit's source there, and only the
modules the Worker can reach: starting from every ``.py`` file wrangler uploads (the
folder of the entry module, ``main``), it follows the ``import`` statements (relative
ones too, and ``importlib.import_module("...")`` with a literal name; imports under
``if TYPE_CHECKING:`` are skipped) through edgekit's package.  So the CLI, the builds,
the previews, the ASGI adapter and the SQLite-backed local stores stay out unless the
app imports them; no tests, no ``.pyc``.

The bundle is measured against :data:`BUDGET_BYTES` (256 KiB of source): Workers allow
MBs, but every module is compiled at each cold start of an isolate (nothing is
precompiled in Pyodide; a 149 KB package took ~100 ms to import there), and start-up is
limited to 1 s.  :func:`build` reports going over the budget; ``edgekit build`` then
exits 1.

    edgekit build --target cloudflare [ENTRY.py] [--config wrangler.toml] [-o DIR]
"""

from __future__ import annotations

import ast
import shutil
import time
import tomllib
from pathlib import Path

from . import BuildError, BuildResult

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = ["BUDGET_BYTES", "build", "modules_needed"]

BUDGET_BYTES = 256 * 1024
PACKAGE = "edgekit"
# Folders wrangler's module rules would pick up but that are not part of the Worker.
_SKIPPED_DIRS = {"__pycache__", "node_modules", "python_modules"}


def _uploaded_sources(folder: Path) -> Iterator[Path]:
    """The ``.py`` files under ``folder`` that wrangler uploads beside the entry module."""
    for path in sorted(folder.iterdir()):
        if path.is_dir():
            if path.name not in _SKIPPED_DIRS and not path.name.startswith("."):
                yield from _uploaded_sources(path)
        elif path.suffix == ".py":
            yield path


# What wrangler's default module rules upload from the Worker's folder, hidden folders included
# (it skips only its own .wrangler): Python, WebAssembly, text and data modules.
_MODULE_SUFFIXES = frozenset((".py", ".wasm", ".mjs", ".js", ".cjs", ".txt", ".html", ".sql", ".bin"))
# Local output of edgekit's own tools: state of the dev server, the WASI preview's component.
_LOCAL_OUTPUT = ".edgekit"


def local_output_uploads(folder: Path) -> list[Path]:
    """Files under ``folder/.edgekit`` that wrangler would upload as modules of the Worker."""
    local = folder / _LOCAL_OUTPUT
    if not local.is_dir():
        return []
    return sorted(p for p in local.rglob("*") if p.is_file() and p.suffix in _MODULE_SUFFIXES)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported_names(tree: ast.AST, package: str | None) -> Iterator[str]:
    """Dotted module names ``tree`` may import at run time (``package``: where relative imports start)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                if package is None:
                    continue
                parts = package.split(".")
                if node.level > 1:
                    parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            yield base
            # ``from pkg import name`` may name a submodule.
            yield from (f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value
        stack.extend(ast.iter_child_nodes(node))


def _parse(path: Path) -> ast.AST:
    try:
        return ast.parse(path.read_bytes(), filename=str(path))
    except SyntaxError as exc:
        raise BuildError(f"{path}:{exc.lineno}: cannot parse: {exc.msg}") from None


def _module_file(source: Path, name: str) -> Path | None:
    """The file of module ``name`` (``edgekit...``) in the package at ``source``, or None."""
    parts = name.split(".")[1:]
    base = source.joinpath(*parts)
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    module = base.with_suffix(".py") if parts else None
    return module if module is not None and module.is_file() else None


def modules_needed(entry_folder: Path, source: Path) -> list[Path]:
    """edgekit's files (under ``source``) reachable from the Worker's modules in ``entry_folder``, sorted."""
    pending: list[tuple[Path, str | None]] = [(path, None) for path in _uploaded_sources(entry_folder)]
    needed: set[Path] = set()
    while pending:
        path, package = pending.pop()
        for name in _imported_names(_parse(path), package):
            if name != PACKAGE and not name.startswith(PACKAGE + "."):
                continue
            parts = name.split(".")
            # Importing a module runs every package __init__ above it.
            for depth in range(1, len(parts) + 1):
                found = _module_file(source, ".".join(parts[:depth]))
                if found is None or found in needed:
                    continue
                needed.add(found)
                own = ".".join(parts[:depth]) if found.name == "__init__.py" else ".".join(parts[: depth - 1])
                pending.append((found, own))
    return sorted(needed)


def _read_main(config: Path) -> str:
    try:
        document = tomllib.loads(config.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BuildError(f"no wrangler configuration at {config}") from None
    except tomllib.TOMLDecodeError as exc:
        raise BuildError(f"{config}: invalid TOML: {exc}") from None
    flags = document.get("compatibility_flags", [])
    if not isinstance(flags, list) or "python_workers" not in flags:
        raise BuildError(f'{config}: add compatibility_flags = ["python_workers"]: a Python Worker needs it')
    main = document.get("main")
    if not isinstance(main, str) or not main.endswith(".py"):
        raise BuildError(f'{config}: main must name the Worker\'s entry module, like main = "worker.py"')
    return main


def build(app: str, *, out: Path, config: Path | None = None, log: Callable[[str], None] = print) -> BuildResult:
    """Vendor edgekit for the Worker whose entry module is ``app`` into ``out`` (its ``python_modules``).

    ``app`` is the entry module's path (``examples/todos/worker.py``); empty, it is
    ``main`` of ``config``.  ``config`` (a ``wrangler.toml``) is checked for the
    ``python_workers`` flag; wrangler reads ``python_modules`` beside it, so ``out`` should
    be ``<config folder>/python_modules`` (a warning says so otherwise).  Only
    ``out/edgekit`` is replaced: other vendored packages stay.  Raises :class:`BuildError`
    for a missing entry module, a file that does not parse, or a bad ``config``.
    """
    started = time.perf_counter()
    if config is not None:
        main = _read_main(config)
        if not app:
            app = str(config.parent / main)
        if out.resolve() != (config.parent / "python_modules").resolve():
            log(f"warning: wrangler reads python_modules/ beside {config}, not {out}")
    if not app:
        raise BuildError("name the Worker's entry module (ENTRY.py), or a wrangler.toml with main = ...")
    entry = Path(app)
    if not entry.is_file():
        raise BuildError(f"no such entry module: {app}")
    source = Path(__file__).resolve().parents[1]
    files = modules_needed(entry.resolve().parent, source)
    target = out / PACKAGE
    if target.exists():
        shutil.rmtree(target)
    size = 0
    for file in files:
        destination = target / file.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, destination)
        size += file.stat().st_size
    folder = entry.resolve().parent
    stray = local_output_uploads(folder)
    if stray:
        where = sorted({"/".join(p.relative_to(folder).parts[:2]) for p in stray})
        log(
            f"warning: wrangler would also upload {len(stray)} file{'s' if len(stray) > 1 else ''} "
            f"({sum(p.stat().st_size for p in stray) / 1024:.0f} KiB) that edgekit dev left in {', '.join(where)} "
            f"beside {entry.name}: remove them before deploying, or keep the Worker's modules in a folder of "
            "their own (src/, as edgekit new does)"
        )
    seconds = time.perf_counter() - started
    verdict = "within" if size <= BUDGET_BYTES else "OVER"
    log(
        f"edgekit for Cloudflare: {len(files)} modules, {size / 1024:.1f} KiB in {target} "
        f"({verdict} the budget of {BUDGET_BYTES // 1024} KiB) in {seconds:.2f} s"
    )
    return BuildResult(output=out, size_bytes=size, budget_bytes=BUDGET_BYTES, seconds=seconds)
