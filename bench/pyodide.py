"""edgekit in the Workers Python runtime (Pyodide 0.28.2 on Node), beside CPython.

Two parts, both on the hello example (``examples/hello``, ``GET /hello/bench``):

* **inside Pyodide** (``pyodide_host.mjs`` in bench mode, a fresh Node process a round):
  ``import_ms.core`` is ``import edgekit`` in a fresh interpreter (nothing is precompiled
  in Pyodide), ``import_ms.adapter`` what ``edgekit.runtime.cloudflare`` adds on top; then
  medians over ``--requests`` calls of ``app.fetch`` on an edgekit Request
  (``app_fetch_us``), of a JS ``Request`` through the Worker adapter to a JS ``Response``
  (``adapter_us``), and of making the JS Request alone (``js_request_us``);
  ``overhead_us`` = adapter - app.fetch - JS Request: what the adapter adds per request.
  That request carries no header; **with a browser's headers** (``pyodide_parts``, in a
  Node process of its own, on two one-route apps like hello's ``/hello/:name``) times the
  adapter on a GET with the 15 headers a browser sends through Cloudflare: ``app.fetch``
  on the same request, the whole adapter when the handler reads no header and when it
  reads one (``overhead_*_us``: adapter - app.fetch; the JS Request is made outside the
  timed part), and the two conversions apart.  Its cases take turns in blocks, so a
  change of load on a shared machine hits them alike.
* **the preview beside CPython**: the Pyodide preview (Node + miniflare + Pyodide) and
  ``edgekit dev`` (uvicorn on CPython) serving the same app: time from spawn to the
  first 200 answer, per-request latency over one keep-alive connection (median and p90
  of ``--requests`` sequential GETs), and the server process's peak RSS (VmHWM).

    .venv/bin/python -m bench.pyodide [--requests 2000] [--rounds 3] [--package DIR]

``--package`` measures another copy of the ``edgekit`` source folder (an older adapter, for
a before/after on the same machine).

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

from edgekit.preview import stop_process
from edgekit.preview.pyodide import HOST_SCRIPT, find_node_modules, spec_for

ROOT = Path(__file__).resolve().parents[1]
WORKER = ROOT / "examples" / "hello" / "worker.py"
APP = ROOT / "examples" / "hello" / "app.py"
PATH = "/hello/bench"
START_TIMEOUT_S = 120


def _spec(port: int, bench: dict[str, int] | None, package: Path | None = None) -> dict[str, Any]:
    spec = spec_for(
        str(WORKER), None, host="127.0.0.1", port=port, state_dir=None, node_modules=find_node_modules(ROOT)
    )
    spec["bench"] = bench
    if package is not None:
        spec["package"] = str(package)
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


def inside_pyodide(requests: int, rounds: int, scratch: Path, package: Path | None = None) -> dict[str, Any]:
    """Medians over ``rounds`` fresh Pyodide processes of the bench-mode figures."""
    runs = []
    for _ in range(rounds):
        process = _node(_spec(0, {"requests": requests}, package), scratch)
        runs.append(_last_json_line(process, "the Pyodide bench run"))
    result: dict[str, Any] = {
        "import_core_ms": statistics.median(r["import_ms"]["core"] for r in runs),
        "import_adapter_ms": statistics.median(r["import_ms"]["adapter"] for r in runs),
    }
    keys = ("app_fetch_us", "adapter_us", "adapter_bare_us", "js_request_us", "overhead_us")
    for key in (*keys, "request_in_us", "response_out_us"):
        result[key] = statistics.median(r[key] for r in runs)
    result["runs"] = runs
    return result


def _last_json_line(process: subprocess.Popen[str], what: str) -> dict[str, Any]:
    out, _ = process.communicate(timeout=600)
    if process.returncode != 0:
        sys.exit(f"{what} failed (exit {process.returncode})")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


# What a browser sends to a Worker, as Cloudflare passes it on (cf-* added at the edge).
BROWSER_HEADERS = [
    ("host", "example.com"),
    ("user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
    ("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    ("accept-language", "en-US,en;q=0.5"),
    ("accept-encoding", "gzip, deflate, br, zstd"),
    ("upgrade-insecure-requests", "1"),
    ("sec-fetch-dest", "document"),
    ("sec-fetch-mode", "navigate"),
    ("sec-fetch-site", "none"),
    ("sec-fetch-user", "?1"),
    ("cookie", "session=3f9a0c2e; theme=dark"),
    ("cf-connecting-ip", "203.0.113.7"),
    ("cf-ipcountry", "FR"),
    ("cf-ray", "8c1f2e3d4b5a6978-CDG"),
    ("x-forwarded-proto", "https"),
]

# Loads Pyodide as the preview host does (miniflare's Fetch classes as the globals), with
# the edgekit source mounted read-through, and prints what PARTS_PY returns.
PARTS_JS = """
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
const cfg = JSON.parse(process.env.EDGEKIT_BENCH_PARTS);
const miniflare = createRequire(join(cfg.node_modules, "noop.js"))("miniflare");
for (const name of ["Request", "Response", "Headers"]) globalThis[name] = miniflare[name];
const { loadPyodide } = await import(pathToFileURL(join(cfg.node_modules, "pyodide", "pyodide.mjs")).href);
const pyodide = await loadPyodide({ stdout: () => {}, stderr: (line) => process.stderr.write(line + "\\n") });
pyodide.FS.mkdirTree("/bench/edgekit");
pyodide.mountNodeFS("/bench/edgekit", cfg.package);
pyodide.runPython("import sys; sys.dont_write_bytecode = True; sys.path.insert(0, '/bench')");
pyodide.globals.set("CONFIG", JSON.stringify(cfg));
process.stdout.write((await pyodide.runPythonAsync(cfg.code)) + "\\n");
process.exit(0);
"""

PARTS_PY = """
import json, time
import js
from edgekit import App, Headers, Request
from edgekit.runtime.cloudflare import WorkerHandler, js_side, to_js_response, to_request

config = json.loads(CONFIG)
requests, url, pairs = config["requests"], config["url"], [tuple(p) for p in config["headers"]]
init = js_side().runtime.to_js({"headers": pairs})
app = App()

@app.get("/hello/:name")
async def plain(c):
    return {"message": f"Hello, {c.req.param('name')}!"}

reads = App()

@reads.get("/hello/:name")
async def reading(c):
    return {"message": f"Hello, {c.req.param('name')}!", "lang": c.req.header("accept-language")}

# Median µs per case; the cases take turns in blocks so that load changes hit them alike.
async def timed(cases, blocks=10):
    samples = {label: [] for label in cases}
    for block in range(blocks + 1):
        for label, (run, fresh) in cases.items():
            for _ in range(max(1, requests // blocks)):
                arg = fresh()
                t = time.perf_counter()
                await run(arg)
                if block:  # the first block warms up
                    samples[label].append((time.perf_counter() - t) * 1e6)
    return {label: round(sorted(s)[len(s) // 2], 1) for label, s in samples.items()}

def js_request():
    return js.Request.new(url, init)

def edgekit_request():
    return Request(url, headers=pairs)

async def app_fetch(req):
    await app.fetch(req)

async def reads_fetch(req):
    await reads.fetch(req)

plain_handler, reading_handler, side = WorkerHandler(app), WorkerHandler(reads), js_side()
response = await app.fetch(edgekit_request())

async def request_in(req):
    to_request(req, side).headers.get("accept-language")

async def response_out(_):
    to_js_response(response, side)

out = {"headers": len(pairs)}
out |= await timed({
    "app_fetch_us": (app_fetch, edgekit_request),
    "app_fetch_reading_us": (reads_fetch, edgekit_request),
    "adapter_no_read_us": (plain_handler, js_request),
    "adapter_one_read_us": (reading_handler, js_request),
    "request_in_read_us": (request_in, js_request),
    "response_out_us": (response_out, lambda: None),
})
out["overhead_no_read_us"] = round(out["adapter_no_read_us"] - out["app_fetch_us"], 1)
out["overhead_one_read_us"] = round(out["adapter_one_read_us"] - out["app_fetch_reading_us"], 1)
json.dumps(out)
"""


def pyodide_parts(requests: int, rounds: int, package: Path | None = None) -> dict[str, Any]:
    """Medians over ``rounds`` fresh Pyodide processes of the adapter on a request with a browser's headers."""
    node = shutil.which("node")
    if node is None:
        sys.exit("bench.pyodide needs node (20+) on PATH")
    config = {
        "node_modules": str(find_node_modules(ROOT)),
        "package": str(package or ROOT / "edgekit"),
        "requests": requests,
        "url": "https://example.com/hello/bench",
        "headers": BROWSER_HEADERS,
        "code": PARTS_PY,
    }
    runs = []
    for _ in range(rounds):
        process = subprocess.Popen(
            [node, "--input-type=module", "-e", PARTS_JS],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "EDGEKIT_BENCH_PARTS": json.dumps(config)},
        )
        runs.append(_last_json_line(process, "the Pyodide parts run"))
    result: dict[str, Any] = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
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


def preview_pyodide(requests: int, scratch: Path, package: Path | None = None) -> dict[str, Any]:
    port = _free_port()
    started = time.perf_counter()
    process = _node(_spec(port, None, package), scratch)
    try:
        return _serve_and_measure(process, port, started, requests)
    finally:
        stop_process(process, timeout=20)


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
        stop_process(process, timeout=20)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pyodide", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--package", type=Path, default=None, help="the edgekit source folder to measure")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-pyodide-") as tmp:
        scratch = Path(tmp)
        inside = inside_pyodide(args.requests, args.rounds, scratch, args.package)
        parts = pyodide_parts(args.requests, args.rounds, args.package)
        pyodide = preview_pyodide(args.requests, scratch, args.package)
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
    print(f"\n| GET with a browser's {parts['headers']} headers, inside Pyodide | value |\n|---|---|")
    fetch_us = f"{parts['app_fetch_us']:.0f} / {parts['app_fetch_reading_us']:.0f}"
    print(f"| app.fetch (handler reads no header / one) | {fetch_us} µs |")
    print(f"| JS Request -> adapter -> JS Response, no header read | {parts['adapter_no_read_us']:.0f} µs |")
    print(f"| the same, one header read | {parts['adapter_one_read_us']:.0f} µs |")
    print(f"| adapter overhead, no header read | {parts['overhead_no_read_us']:.0f} µs |")
    print(f"| adapter overhead, one header read | {parts['overhead_one_read_us']:.0f} µs |")
    print(f"| JS Request -> edgekit Request, one header read | {parts['request_in_read_us']:.0f} µs |")
    print(f"| edgekit Response -> JS Response | {parts['response_out_us']:.0f} µs |")
    print("\n| preview, GET /hello/bench | Pyodide (Node) | CPython (uvicorn) |\n|---|---|---|")
    print(f"| time to first response | {pyodide['first_response_s']} s | {cpython['first_response_s']} s |")
    for key, label in (("latency_median_ms", "latency, median"), ("latency_p90_ms", "latency, p90")):
        print(f"| {label} | {pyodide[key]} ms | {cpython[key]} ms |")
    print(f"| peak RSS | {pyodide['peak_rss_mb']} MB | {cpython['peak_rss_mb']} MB |")
    print(
        json.dumps(
            {"inside_pyodide": inside, "with_headers": parts, "preview": {"pyodide": pyodide, "cpython": cpython}}
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
