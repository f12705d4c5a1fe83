"""edgekit in the Workers Python runtime (Pyodide 0.28.2 on Node), beside CPython.

Two parts, both on the hello example (``examples/hello``, ``GET /hello/bench``):

* **inside Pyodide** (``pyodide_host.mjs`` in bench mode, a fresh Node process a round):
  ``import_ms.core`` is ``import edgekit`` in a fresh interpreter (nothing is precompiled
  in Pyodide), ``import_ms.adapter`` what ``edgekit.runtime.cloudflare`` adds on top; then
  medians over ``--requests`` calls of ``app.fetch`` on an edgekit Request
  (``app_fetch_us``), of a JS ``Request`` through the Worker adapter to a JS ``Response``
  (``adapter_us``), and of making the JS Request alone (``js_request_us``);
  ``overhead_us`` = adapter - app.fetch - JS Request: what the adapter adds per request.
* **the preview beside CPython**: the Pyodide preview (Node + miniflare + Pyodide) and
  ``edgekit dev`` (uvicorn on CPython) serving the same app: time from spawn to the
  first 200 answer, per-request latency over one keep-alive connection (median and p90
  of ``--requests`` sequential GETs), and the server process's peak RSS (VmHWM).

    .venv/bin/python -m bench.pyodide [--requests 2000] [--rounds 3]

Needs ``node`` and ``npm ci`` (node_modules/pyodide, node_modules/miniflare); the CPython
side needs uvicorn (``pip install -e '.[dev]'``).  Prints a markdown table and one JSON line.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from edgekit.preview.pyodide import HOST_SCRIPT, find_node_modules, spec_for

ROOT = Path(__file__).resolve().parents[1]
WORKER = ROOT / "examples" / "hello" / "worker.py"
APP = ROOT / "examples" / "hello" / "app.py"
PATH = "/hello/bench"
START_TIMEOUT_S = 120


def _spec(port: int, bench: dict[str, int] | None) -> dict[str, Any]:
    spec = spec_for(
        str(WORKER), None, host="127.0.0.1", port=port, state_dir=None, node_modules=find_node_modules(ROOT)
    )
    spec["bench"] = bench
    return spec


def _node(spec: dict[str, Any], scratch: Path) -> subprocess.Popen[str]:
    node = shutil.which("node")
    if node is None:
        sys.exit("bench.pyodide needs node (20+) on PATH")
    spec_file = scratch / f"spec-{time.monotonic_ns()}.json"
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    return subprocess.Popen(
        [node, str(HOST_SCRIPT), str(spec_file)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )


def inside_pyodide(requests: int, rounds: int, scratch: Path) -> dict[str, Any]:
    """Medians over ``rounds`` fresh Pyodide processes of the bench-mode figures."""
    runs = []
    for _ in range(rounds):
        process = _node(_spec(0, {"requests": requests}), scratch)
        out, _ = process.communicate(timeout=600)
        if process.returncode != 0:
            sys.exit(f"the Pyodide bench run failed (exit {process.returncode})")
        runs.append(json.loads(out.strip().splitlines()[-1]))
    result: dict[str, Any] = {
        "import_core_ms": statistics.median(r["import_ms"]["core"] for r in runs),
        "import_adapter_ms": statistics.median(r["import_ms"]["adapter"] for r in runs),
    }
    keys = ("app_fetch_us", "adapter_us", "adapter_bare_us", "js_request_us", "overhead_us")
    for key in (*keys, "request_in_us", "response_out_us"):
        result[key] = statistics.median(r[key] for r in runs)
    result["runs"] = runs
    return result


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _serve_and_measure(process: subprocess.Popen[str], port: int, started: float, requests: int) -> dict[str, Any]:
    """Poll until the first 200, then time ``requests`` GETs on one connection."""
    deadline = started + START_TIMEOUT_S
    first = None
    while first is None:
        if time.perf_counter() > deadline or process.poll() is not None:
            raise RuntimeError("the server did not answer")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", PATH)
            if conn.getresponse().status == 200:
                first = time.perf_counter() - started
            conn.close()
        except OSError:
            time.sleep(0.02)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    samples = []
    for _ in range(requests):
        t = time.perf_counter()
        conn.request("GET", PATH)
        res = conn.getresponse()
        res.read()
        samples.append((time.perf_counter() - t) * 1000)
    conn.close()
    samples.sort()
    return {
        "first_response_s": round(first, 2),
        "latency_median_ms": round(samples[len(samples) // 2], 3),
        "latency_p90_ms": round(samples[int(len(samples) * 0.9)], 3),
        "peak_rss_mb": round(_peak_rss_mb(process.pid), 1),
    }


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def preview_pyodide(requests: int, scratch: Path) -> dict[str, Any]:
    port = _free_port()
    started = time.perf_counter()
    process = _node(_spec(port, None), scratch)
    try:
        return _serve_and_measure(process, port, started, requests)
    finally:
        _stop(process)


def preview_cpython(requests: int, scratch: Path) -> dict[str, Any]:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    # From a folder without wrangler.toml: the hello app has no bindings, as in Pyodide.
    process = subprocess.Popen(
        [sys.executable, "-m", "edgekit", "dev", str(APP), "--port", str(port)],
        cwd=scratch,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        return _serve_and_measure(process, port, started, requests)
    finally:
        _stop(process)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pyodide", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-pyodide-") as tmp:
        scratch = Path(tmp)
        inside = inside_pyodide(args.requests, args.rounds, scratch)
        pyodide = preview_pyodide(args.requests, scratch)
        cpython = preview_cpython(args.requests, scratch)
    print("| inside Pyodide 0.28.2 (median of rounds) | value |\n|---|---|")
    print(f"| import edgekit (core) | {inside['import_core_ms']:.1f} ms |")
    print(f"| + import edgekit.runtime.cloudflare | {inside['import_adapter_ms']:.1f} ms |")
    print(f"| app.fetch (edgekit Request -> Response) | {inside['app_fetch_us']:.0f} µs |")
    print(f"| JS Request -> adapter -> JS Response | {inside['adapter_us']:.0f} µs |")
    print(f"| the same without env and ctx | {inside['adapter_bare_us']:.0f} µs |")
    print(f"| making the JS Request alone | {inside['js_request_us']:.0f} µs |")
    print(f"| adapter overhead per request | {inside['overhead_us']:.0f} µs |")
    print(f"| of which: JS Request -> edgekit Request | {inside['request_in_us']:.0f} µs |")
    print(f"| of which: edgekit Response -> JS Response | {inside['response_out_us']:.0f} µs |")
    print("\n| preview, GET /hello/bench | Pyodide (Node) | CPython (uvicorn) |\n|---|---|---|")
    print(f"| time to first response | {pyodide['first_response_s']} s | {cpython['first_response_s']} s |")
    for key, label in (("latency_median_ms", "latency, median"), ("latency_p90_ms", "latency, p90")):
        print(f"| {label} | {pyodide[key]} ms | {cpython[key]} ms |")
    print(f"| peak RSS | {pyodide['peak_rss_mb']} MB | {cpython['peak_rss_mb']} MB |")
    print(json.dumps({"inside_pyodide": inside, "preview": {"pyodide": pyodide, "cpython": cpython}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
