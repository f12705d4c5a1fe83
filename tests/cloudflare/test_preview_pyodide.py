"""``edgekit.preview.pyodide.serve``: reloads, bindings from wrangler.toml, clear errors."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from edgekit.preview.pyodide import PyodidePreviewError, serve, spec_for
from tests.cloudflare.preview import ROOT, Preview, needs_node

pytestmark = pytest.mark.cpython_only  # the preview runs Node and local stores on the host

WORKER = textwrap.dedent(
    """
    from edgekit import App
    from edgekit.runtime.cloudflare import worker_entrypoint

    app = App()

    @app.get("/")
    async def home(c):
        return c.text("version {version}")

    Default = worker_entrypoint(app)
    """
)


def test_spec_reads_the_bindings_of_wrangler_toml(tmp_path: Path) -> None:
    spec = spec_for(
        "", ROOT / "wrangler.toml", host="127.0.0.1", port=0, state_dir=None, node_modules=ROOT / "node_modules"
    )
    assert spec["main"] == str(ROOT / "examples" / "todos" / "worker.py")
    assert spec["kv"] == [{"binding": "CACHE", "id": "todos-cache"}]
    [d1] = spec["d1"]
    assert (d1["binding"], d1["id"], d1["table"]) == ("DB", "todos-local", "d1_migrations")
    assert [m["name"] for m in d1["migrations"]] == ["0001_create_todos.sql"]
    assert d1["migrations"][0]["statements"][0].startswith("CREATE TABLE todos")
    assert spec["vars"] == {"APP_NAME": "edgekit todos"}
    assert spec["state"] == str(ROOT / ".wrangler" / "state")  # where wrangler dev keeps it


def test_spec_refuses_a_config_without_main(tmp_path: Path) -> None:
    config = tmp_path / "wrangler.toml"
    config.write_text('name = "x"\n', encoding="utf-8")
    with pytest.raises(PyodidePreviewError, match="main"):
        spec_for("", config, host="127.0.0.1", port=0, state_dir=None, node_modules=tmp_path)


def test_missing_node_modules_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "worker.py").write_text(WORKER.format(version=1), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EDGEKIT_NODE_MODULES", raising=False)
    lines: list[str] = []
    assert serve(str(tmp_path / "worker.py"), config=None, log=lines.append) == 2
    assert "npm ci" in lines[-1]


def test_missing_node_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    lines: list[str] = []
    assert serve("examples/hello/worker.py", config=None, log=lines.append) == 2
    assert "Node.js" in lines[-1]


@needs_node
def test_reload_restarts_on_change(tmp_path: Path) -> None:
    worker = tmp_path / "worker.py"
    worker.write_text(WORKER.format(version=1), encoding="utf-8")
    preview = Preview(str(worker), "--reload")
    try:
        assert preview.request("/")[2] == b"version 1"
        worker.write_text(WORKER.format(version=2), encoding="utf-8")
        preview.wait_for("edgekit dev (pyodide): change detected")
        preview.url = preview.wait_for("edgekit dev (pyodide): ready on ")[len("edgekit dev (pyodide): ready on ") :]
        assert preview.request("/")[2] == b"version 2"
        assert not list(tmp_path.rglob("*.pyc"))  # Pyodide writes no bytecode into the project
    finally:
        preview.stop()


@needs_node
def test_state_persists_across_restarts(tmp_path: Path) -> None:
    state = tmp_path / "state"
    body = json.dumps({"title": "kept"}).encode()
    first = Preview("--config", "wrangler.toml", "--state-dir", str(state))
    try:
        assert first.request("/todos", "POST", body, {"content-type": "application/json"})[0] == 201
    finally:
        first.stop()
    second = Preview("--config", "wrangler.toml", "--state-dir", str(state))
    try:
        todos = json.loads(second.request("/todos")[2])["todos"]
        assert [t["title"] for t in todos] == ["kept"]
        assert not any("applied" in line for line in second.lines)  # migrations ran once
    finally:
        second.stop()
    assert (state / "v3" / "d1").is_dir() and (state / "v3" / "kv").is_dir()
