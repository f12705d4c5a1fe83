"""Cold start: a fresh process that imports the framework, builds a 12-route app
and serves one request in-process (``bench/coldstart_child.py``).

Per framework (its native entry: ``fetch`` for edgekit and hayate, ASGI for
the others) the child is spawned ``runs`` times, frameworks interleaved so
that machine noise spreads evenly, after one discarded warm-up run each
(which writes ``.pyc`` files and warms the OS page cache). Reported:

* ``wall_ms``: median wall time from spawn to exit, measured by this parent
  (interpreter start-up, imports, build, the request, shutdown);
* ``over_bare_ms``: that minus the median of ``python -c pass`` (same flags);
* ``import_ms`` / ``build_ms`` / ``request_ms``: medians of the child's own
  phase clock;
* ``peak_rss_mb``: median of the child's VmHWM at exit (peak resident memory).

Import alone, for edgekit (``import edgekit`` and ``from edgekit import App``)
and every peer's module, over twice as many rounds: the median over rounds of
``python -c "import X"``'s wall minus that round's ``python -c pass`` wall
(pairing cancels the machine's drift), and the median of ``-X importtime``'s
cumulative figure for the top module (the precise one: a few ms of import
drown in process start-up noise; the targets use it).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

from bench.frameworks import EDGEKIT, FRAMEWORKS

HERE = os.path.dirname(os.path.abspath(__file__))
CHILD = os.path.join(HERE, "coldstart_child.py")
PY = [sys.executable, "-P"]  # -P: the script's folder is not put on sys.path
REPO = os.path.dirname(HERE)
# The children import bench.* and the tree's edgekit from the repo root.
ENV = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))


def native_entry(fw) -> str:  # noqa: ANN001
    return "fetch" if "fetch" in fw.entries else "asgi"


def _wall(argv: list[str]) -> tuple[float, str]:
    """(ms, stdout) of one run; raises with stderr when it fails."""
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=ENV, check=False)
    ms = (time.perf_counter() - t0) * 1e3
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}")
    return ms, proc.stdout


def _importtime_ms(module: str) -> float:
    """Cumulative µs of ``module`` in ``-X importtime``, as ms."""
    proc = subprocess.run([*PY, "-X", "importtime", "-c", f"import {module}"], capture_output=True, text=True, env=ENV,
                          check=True)
    for line in reversed(proc.stderr.splitlines()):
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2] == module:
            return int(parts[1]) / 1e3
    raise RuntimeError(f"{module} not in -X importtime output")


def compile_edgekit() -> None:
    """Write edgekit's .pyc files, as pip does for every installed peer.

    edgekit runs from the tree, and these machines set PYTHONDONTWRITEBYTECODE:
    without this, every edgekit child would compile its source from scratch.
    """
    import compileall

    compileall.compile_dir(os.path.join(REPO, "edgekit"), quiet=1)


BARE = [*PY, "-c", "pass"]


class Case:
    """One cold-start row: a framework, its entry, modules made unimportable (info rows)."""

    def __init__(self, fw, blocked: str = "") -> None:  # noqa: ANN001
        self.fw = fw
        self.entry = native_entry(fw)
        self.blocked = blocked
        self.label = f"{fw.name} ({self.entry}{', ' + blocked + ' blocked' if blocked else ''})"

    def argv(self) -> list[str]:
        return [*PY, CHILD, self.fw.name, self.entry] + ([self.blocked] if self.blocked else [])


def cases(chosen: list) -> list[Case]:
    out = []
    for fw in chosen:
        out.append(Case(fw))
        if fw.name == EDGEKIT:
            # edgekit's optional msgspec is imported on the first JSON response:
            # this row shows the start-up of a deployment without it (info only).
            out.append(Case(fw, "msgspec"))
    return out


def cold_rows(chosen: list, runs: int) -> tuple[list[dict], float]:
    """The cold-start table and the bare-interpreter median (one bare run per round)."""
    todo = cases(chosen)
    bare: list[float] = []
    samples: dict[str, list[dict]] = {c.label: [] for c in todo}
    errors: dict[str, str] = {}
    for i in range(runs + 1):  # round 0 is the warm-up, discarded
        wall = _wall(BARE)[0]
        if i:
            bare.append(wall)
        for case in todo:
            if case.label in errors:
                continue
            try:
                ms, out = _wall(case.argv())
            except RuntimeError as exc:
                errors[case.label] = str(exc)
                continue
            fields = dict(kv.split("=") for kv in out.split())
            if fields["ok"] != "1":
                errors[case.label] = "the request was not answered correctly"
            elif i:
                samples[case.label].append({"wall_ms": ms, **{k: int(v) for k, v in fields.items()}})
    bare_ms = statistics.median(bare)
    rows = []
    for case in todo:
        row = {"row": case.label, "framework": case.fw.name, "entry": case.entry, "info": bool(case.blocked)}
        got = samples[case.label]
        if case.label in errors or not got:
            row["error"] = errors.get(case.label, "no sample")
        else:
            def med(key: str, got: list[dict] = got) -> float:
                return statistics.median(s[key] for s in got)

            row.update(
                wall_ms=med("wall_ms"),
                over_bare_ms=med("wall_ms") - bare_ms,
                import_ms=med("import_ns") / 1e6,
                build_ms=med("build_ns") / 1e6,
                request_ms=med("request_ns") / 1e6,
                peak_rss_mb=med("hwm_kb") / 1024,
                modules=int(med("modules")),
                event_loop=bool(max(s["loop"] for s in got)),
                asyncio_imported=bool(max(s["asyncio"] for s in got)),
                runs=len(got),
            )
        rows.append(row)
    return rows, bare_ms


def import_rows(chosen: list, runs: int) -> list[dict]:
    """Import alone: median over rounds of (statement wall - the same round's bare wall),
    and the median ``-X importtime`` cumulative figure of the top module."""
    statements = [("edgekit", "import edgekit"), ("edgekit", "from edgekit import App")] if any(
        fw.name == EDGEKIT for fw in chosen) else []
    statements += [(fw.module, f"import {fw.module}") for fw in chosen if fw.name != EDGEKIT]
    diffs: dict[str, list[float]] = {st: [] for _, st in statements}
    times: dict[str, list[float]] = {st: [] for _, st in statements}
    errors: dict[str, str] = {}
    for _ in range(runs):
        bare = _wall(BARE)[0]
        for module, statement in statements:
            if statement in errors:
                continue
            try:
                diffs[statement].append(_wall([*PY, "-c", statement])[0] - bare)
                times[statement].append(_importtime_ms(module))
            except (RuntimeError, subprocess.CalledProcessError) as exc:
                errors[statement] = str(exc).strip().splitlines()[-1] if str(exc).strip() else repr(exc)
    return [
        {"statement": st, "error": errors[st]} if st in errors else
        {"statement": st, "over_bare_ms": statistics.median(diffs[st]), "importtime_ms": statistics.median(times[st])}
        for _, st in statements
    ]


def measure(runs: int, frameworks: list[str] | None = None) -> dict:
    chosen = [fw for fw in FRAMEWORKS if frameworks is None or fw.name in frameworks]
    compile_edgekit()
    rows, bare_ms = cold_rows(chosen, runs)
    imports = import_rows(chosen, 2 * runs)
    return {"bare_python_ms": bare_ms, "runs": runs, "rows": rows, "imports": imports}
