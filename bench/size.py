"""Size: what each framework weighs on disk, read from this venv.

* ``own_py_kb``: the framework's own ``.py`` files (its top-level packages,
  as listed in its wheel's RECORD; for edgekit: every ``.py`` under
  ``edgekit/`` in the tree).
* ``core_py_kb`` (edgekit only): the ``.py`` files a bare app loads while serving
  a GET with a path param and a JSON POST (the size target is on this figure).
* ``installed_kb``: every file it installs plus its dependency closure's
  (required dependencies only, markers evaluated for this interpreter, extras
  off), as listed in each distribution's RECORD, ``__pycache__`` left out
  (bytecode caches are rebuilt on import, and Workers does not upload them).
  Compiled extensions count: that is what a deployment carries.
* ``dists``: the distributions in that closure, the framework included.
"""

from __future__ import annotations

import os
from importlib import metadata

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bench.frameworks import FRAMEWORKS

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def _files(dist: metadata.Distribution) -> list[tuple[str, int]]:
    """(path in RECORD, size on disk) of every file but bytecode caches."""
    out = []
    for f in dist.files or ():
        if "__pycache__" in f.parts or f.suffix == ".pyc":
            continue
        path = dist.locate_file(f)
        if os.path.isfile(path):
            out.append((str(f), os.path.getsize(path)))
    return out


def _top_level(dist: metadata.Distribution) -> set[str]:
    text = dist.read_text("top_level.txt")
    if text:
        return {line.strip() for line in text.splitlines() if line.strip()}
    return {
        f.parts[0].removesuffix(".py")
        for f in dist.files or ()
        if f.parts and not f.parts[0].endswith(".dist-info") and f.parts[0] not in ("..", "__pycache__")
    }


def closure(name: str) -> list[metadata.Distribution]:
    """The distribution and everything it requires, recursively."""
    env = default_environment()
    env["extra"] = ""
    seen: dict[str, metadata.Distribution] = {}
    todo = [name]
    while todo:
        key = canonicalize_name(todo.pop())
        if key in seen:
            continue
        dist = metadata.distribution(key)
        seen[key] = dist
        for spec in dist.requires or ():
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate(env):
                todo.append(req.name)
    return list(seen.values())


def _kb(n: int) -> float:
    return n / 1024


def edgekit_tree() -> tuple[int, int, dict[str, int]]:
    """(own .py bytes, all file bytes, .py bytes per top-level module or subpackage)."""
    base = os.path.join(REPO, "edgekit")
    py = every = 0
    parts: dict[str, int] = {}
    for root, dirs, files in os.walk(base):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for f in files:
            if f.endswith(".pyc"):
                continue
            n = os.path.getsize(os.path.join(root, f))
            every += n
            if f.endswith(".py"):
                py += n
                rel = os.path.relpath(os.path.join(root, f), base).split(os.sep)
                key = rel[0] + "/" if len(rel) > 1 else rel[0]
                parts[key] = parts.get(key, 0) + n
    return py, every, parts


def edgekit_core() -> int:
    """Bytes of edgekit source a bare app loads (``bench/bare_app.py``): the core; middleware,
    helpers, bindings, the CLI and the builds are separate modules, loaded only by apps that use them."""
    import subprocess
    import sys

    script = os.path.join(HERE, "bare_app.py")
    out = subprocess.run([sys.executable, script], capture_output=True, text=True, check=True, cwd=REPO)
    return int(out.stdout.split()[0])


def measure(frameworks: list[str] | None = None) -> list[dict]:
    rows = []
    for fw in FRAMEWORKS:
        if frameworks is not None and fw.name not in frameworks:
            continue
        if fw.dist is None:
            if not os.path.isdir(os.path.join(REPO, "edgekit")):
                rows.append({"framework": fw.name, "error": "no edgekit/ in the tree"})
                continue
            # No required dependency (pyproject: dependencies = []): the package is all.
            py, every, parts = edgekit_tree()
            rows.append({"framework": fw.name, "own_py_kb": _kb(py), "core_py_kb": _kb(edgekit_core()),
                         "installed_kb": _kb(every), "dists": 1,
                         "parts_kb": {k: _kb(v) for k, v in sorted(parts.items(), key=lambda kv: -kv[1])}})
            continue
        dist = metadata.distribution(fw.dist)
        tops = _top_level(dist)
        own = sum(size for path, size in _files(dist) if path.endswith(".py") and path.split("/")[0] in tops)
        dists = closure(fw.dist)
        installed = sum(size for d in dists for _, size in _files(d))
        rows.append({
            "framework": fw.name,
            "own_py_kb": _kb(own),
            "installed_kb": _kb(installed),
            "dists": len(dists),
            "closure": sorted(d.metadata["Name"] for d in dists),
        })
    return rows
