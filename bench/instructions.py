"""CPU instructions per route lookup and per request, counted by valgrind (no clock).

The wall-clock workloads (``lookup``, ``dispatch``) are best-of-rounds on a shared
2-core machine whose speed drifts between processes; two rows 10-20% apart can
trade places from run to run. This workload measures the same work by the
number of machine instructions it executes, which does not drift: each case runs
twice under ``valgrind --tool=callgrind`` (cache simulation off), once doing the
set-up only and once doing the set-up plus ``REPS`` repetitions of the work, and
the difference is divided by the work done. Instructions are not time (cache
misses and branch mispredictions are not counted), so this complements the
wall-clock rows; it does not replace them.

Cases, the same code paths as the wall-clock workloads:

* ``lookup``: each router row of ``bench/lookup.py`` (the uncached ones; for edgekit
  the App's default, SmartRouter) on both tables: one pass over the requests (every
  route once, plus misses) per repetition.
* ``dispatch``: each framework's ASGI app of ``bench/dispatch.py`` on both
  workloads (``get_user`` cycling through the ids, ``post_echo``): one request per
  repetition.

Run: ``bench/run.sh --only instructions`` (needs ``valgrind`` on PATH; several
minutes: a callgrind run is ~50x slower than a plain one). A case is
``python -m bench.instructions KIND FRAMEWORK CASE REPS``, run by the parent.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

from bench.frameworks import with_floor

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
REPS = {"lookup": 20, "dispatch": 1000}
QUICK_REPS = {"lookup": 4, "dispatch": 200}
TABLES = ("small", "github")
WORKLOADS = ("get_user", "post_echo")
_COLLECTED = re.compile(r"Collected : (\d+)")


# -- the child: set up one case, then repeat its work -----------------------------------


def _lookup_case(framework: str, table: str) -> list:
    """``[(name, work)]``: one call of ``work`` is one pass over the requests."""
    from bench import lookup
    from bench import routes as routetable

    rows = [
        row
        for row in lookup.BUILDERS[framework](routetable.load(table))
        # edgekit's other routers only show what the App's default chose between
        if not row.info and (framework != "edgekit" or row.name == "edgekit SmartRouter")
    ]
    requests = routetable.requests_for(table)
    cases = []
    for row in rows:
        prepared = [row.prepare(m, p) for m, p, _ in requests]
        find = row.lookup

        def one_pass(find=find, prepared=prepared) -> None:  # noqa: ANN001
            for a, b in prepared:
                find(a, b)

        one_pass()  # lazy indexes are built here, in the set-up
        cases.append((row.name, one_pass))
    return cases


def _dispatch_case(framework: str, workload: str) -> list:
    """``[(name, work)]``: ``work(n)`` sends ``n`` sequential ASGI requests in one loop run."""
    import asyncio
    import importlib

    from bench import dispatch
    from bench import routes as routetable
    from bench.frameworks import BY_NAME

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    module = importlib.import_module(BY_NAME[framework].app_module)
    app = loop.run_until_complete(module.build(routetable.load("small")))
    check_all, run = dispatch.asgi_runner(module.asgi(app), dispatch.workload_requests(workload))
    error = loop.run_until_complete(check_all())
    if error:
        raise SystemExit(f"{framework} {workload}: {error}")
    loop.run_until_complete(run(200))  # warm: caches, lazy builds, specialised bytecode
    return [(f"{framework} (ASGI)", lambda n: loop.run_until_complete(run(n)))]


# -- the parent ---------------------------------------------------------------------------


def _child(args: list[str], *, under_valgrind: bool) -> subprocess.CompletedProcess[str]:
    """``python -m bench.instructions ARGS`` (under callgrind when asked); RuntimeError if it fails."""
    argv = [sys.executable, "-m", "bench.instructions", *args]
    if under_valgrind:
        argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", "--cache-sim=no", *argv]
    # A fixed hash seed: dict and set layouts, hence instruction counts, repeat exactly.
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=REPO, env=env, check=False)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
        raise RuntimeError(f"{' '.join(args[:3])}: {tail[0]}")
    return proc


def _count(kind: str, framework: str, case: str, reps: int, row: int) -> int:
    """Instructions of one child run (the set-up, plus ``reps`` repetitions of row ``row``)."""
    proc = _child([kind, framework, case, str(reps), str(row)], under_valgrind=True)
    found = _COLLECTED.search(proc.stderr)
    if found is None:
        raise RuntimeError(f"{kind} {framework} {case}: valgrind printed no instruction count")
    return int(found.group(1))


def _row_names(kind: str, framework: str, case: str) -> list[str]:
    return _child(["names", kind, framework, case], under_valgrind=False).stdout.split("\n")[:-1]


def measure(frameworks: list[str], quick: bool, progress) -> list[dict]:  # noqa: ANN001
    """One record per (row, case): instructions per lookup or per request."""
    if shutil.which("valgrind") is None:
        return [{"error": "valgrind is not on PATH (apt-get install valgrind)"}]
    reps = QUICK_REPS if quick else REPS
    out = []
    for kind, cases in (("lookup", TABLES), ("dispatch", WORKLOADS)):
        for framework in with_floor(frameworks) if kind == "dispatch" else frameworks:
            for case in cases:
                progress(f"  instructions: {kind} {framework} {case}")
                try:
                    names = _row_names(kind, framework, case)
                except RuntimeError as exc:
                    out.append({"kind": kind, "framework": framework, "case": case, "error": str(exc)})
                    continue
                per = _per_unit(kind, case)
                for index, name in enumerate(names):
                    record = {"kind": kind, "framework": framework, "case": case, "row": name}
                    try:
                        base = _count(kind, framework, case, 0, index)
                        total = _count(kind, framework, case, reps[kind], index)
                        record["instructions"] = (total - base) / (reps[kind] * per)
                    except RuntimeError as exc:
                        record["error"] = str(exc)
                    out.append(record)
    return out


def _per_unit(kind: str, case: str) -> int:
    """Units of work in one repetition: the lookups of a pass, or one request."""
    if kind == "dispatch":
        return 1
    from bench import routes as routetable

    return len(routetable.requests_for(case))


def report(rows: list[dict]) -> str:
    errors = [r for r in rows if "error" in r]
    by: dict[str, dict[str, float]] = {}
    for r in rows:
        if "instructions" in r:
            by.setdefault(r["row"], {})[r["case"]] = r["instructions"]
    ref = by.get("edgekit SmartRouter", {}) | by.get("edgekit (ASGI)", {})
    lines = [
        "| row | 12-route lookup | GitHub lookup | growth | GET /users/:id | POST /echo |",
        "|---|---|---|---|---|---|",
    ]
    for name, cases in by.items():
        cells = []
        for case in ("small", "github"):
            cells.append(_cell(cases.get(case), ref.get(case)))
        small, github = cases.get("small"), cases.get("github")
        cells.append(f"{github / small:.2f}" if small and github else "")
        for case in WORKLOADS:
            cells.append(_cell(cases.get(case), ref.get(case)))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    text = "\n".join(lines)
    text += (
        "\n\nMachine instructions per lookup / per request (valgrind callgrind, PYTHONHASHSEED=0), "
        "each with its ratio to edgekit's (above 1: edgekit executes fewer). "
        "growth = GitHub / 12-route."
    )
    for e in errors:
        text += f"\n\n- error: {e.get('framework', '')} {e.get('case', '')}: {e['error']}"
    return text


def _cell(value: float | None, reference: float | None) -> str:
    if value is None:
        return ""
    if not reference:
        return f"{value:,.0f}"
    return f"{value:,.0f} ({value / reference:.2f}x)"


def _main(argv: list[str]) -> None:
    if argv[0] == "names":
        kind, framework, case = argv[1:4]
        cases = (_lookup_case if kind == "lookup" else _dispatch_case)(framework, case)
        print("\n".join(name for name, _ in cases))
        return
    kind, framework, case, reps, row = argv[0], argv[1], argv[2], int(argv[3]), int(argv[4])
    if kind == "lookup":
        work = _lookup_case(framework, case)[row][1]
        for _ in range(reps):
            work()
    else:
        send = _dispatch_case(framework, case)[row][1]  # the set-up runs with reps=0 too
        if reps:
            send(reps)


if __name__ == "__main__":
    _main(sys.argv[1:])
