"""Local previews on the production runtimes: ``pyodide`` (the Workers runtime on Node,
bindings on miniflare's simulators) and ``wasi`` (the component under ``wasmtime serve``).

Each runtime is one module with a ``serve(...)`` function that blocks until stopped;
``edgekit dev --runtime NAME`` calls it. The CPython preview lives in ``edgekit.cli.dev``.
"""

from __future__ import annotations

import subprocess


def stop_process(process: subprocess.Popen[str] | subprocess.Popen[bytes], timeout: float = 10) -> int:
    """Stop a runtime's process as Ctrl-C would (SIGTERM), killing it if it lingers; its exit code."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait()
