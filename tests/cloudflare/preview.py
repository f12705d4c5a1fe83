"""Run the Pyodide preview (``edgekit.preview.pyodide``) in a child process for a test."""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any, TypeVar

import pytest

from edgekit.preview import stop_process

ROOT = Path(__file__).resolve().parents[2]
READY = "edgekit dev (pyodide): ready on "
START_TIMEOUT_S = 120
T = TypeVar("T")

MISSING = [name for name in ("pyodide", "miniflare") if not (ROOT / "node_modules" / name / "package.json").is_file()]
NODE_MARKS = [
    pytest.mark.skipif(
        bool(MISSING), reason="node_modules (pyodide, miniflare) missing: run `npm ci` at the repo root"
    ),
    pytest.mark.skipif(shutil.which("node") is None, reason="node (20+) is not on PATH"),
]


def needs_node(test: T) -> T:
    """Skip ``test`` without node and the repo's node_modules."""
    for mark in NODE_MARKS:
        test = mark(test)  # type: ignore[assignment]
    return test


class Preview:
    """``edgekit dev --runtime pyodide ARGS`` on a free port; its output collected in :attr:`lines`."""

    def __init__(self, *args: str, cwd: Path = ROOT) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "edgekit", "dev", "--runtime", "pyodide", "--port", "0", *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        # Read apart: the CLI logs on stderr while the Node host's output is relayed to
        # stdout, and one pipe for both would splice their lines together.
        for stream in (self.process.stdout, self.process.stderr):
            threading.Thread(target=self._read, args=(stream,), daemon=True).start()
        self.url = self.wait_for(READY)[len(READY) :]

    def _read(self, stream: IO[str] | None) -> None:
        assert stream is not None
        for line in stream:
            self.lines.append(line.rstrip("\n"))
            self._queue.put(line.rstrip("\n"))

    def wait_for(self, prefix: str, timeout: float = START_TIMEOUT_S) -> str:
        """The next output line starting with ``prefix``; fails with the output so far."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None and self._queue.empty():
                    break
                continue
            if line.startswith(prefix):
                return line
        raise AssertionError(f"no line {prefix!r}; output:\n" + "\n".join(self.lines[-60:]))

    def request(
        self, path: str, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any, bytes]:
        """``(status, headers, body)`` of one HTTP request; error statuses are answers too."""
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                return res.status, res.headers, res.read()
        except urllib.error.HTTPError as err:
            return err.code, err.headers, err.read()

    def stop(self) -> None:
        stop_process(self.process, timeout=20)
