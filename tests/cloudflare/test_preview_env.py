"""``--env NAME`` in the previews: ``[env.NAME]`` of wrangler.toml resolved as the CPython runtime resolves it."""

from __future__ import annotations

import asyncio
import json
import os
import textwrap
from pathlib import Path
from typing import Any

import pytest

from edgekit.bindings.local_env import load_env
from edgekit.build import BuildResult
from edgekit.cli import main
from edgekit.preview import wasi
from edgekit.preview.pyodide import PyodidePreviewError, serve, spec_for
from tests.cloudflare.preview import ROOT, Preview, needs_node

pytestmark = pytest.mark.cpython_only  # the previews run Node and local stores on the host

# A top level and a staging environment that share no binding but GREETING, so that what
# leaks from the top level is visible by name.  The top level's migration is not SQL: were
# it applied, the preview would not start.
CONFIG = textwrap.dedent(
    """
    name = "env-test"
    main = "worker.py"
    compatibility_date = "2026-04-26"
    compatibility_flags = ["python_workers"]

    [vars]
    GREETING = "top"
    TOP_ONLY = "only at the top level"

    [[kv_namespaces]]
    binding = "TOP_KV"
    id = "top-kv"

    [[d1_databases]]
    binding = "TOP_DB"
    database_name = "top"
    database_id = "top-db"
    migrations_dir = "top_migrations"

    [env.staging.vars]
    GREETING = "staging"

    [[env.staging.kv_namespaces]]
    binding = "STAGE_KV"
    id = "stage-kv"

    [[env.staging.d1_databases]]
    binding = "STAGE_DB"
    database_name = "stage"
    database_id = "stage-db"
    migrations_dir = "stage_migrations"
    migrations_table = "stage_migrations"

    [env.production]
    main = "production.py"
    """
)

WORKER = textwrap.dedent(
    """
    from edgekit import App
    from edgekit.runtime.cloudflare import worker_entrypoint

    app = App()
    NAMES = ("GREETING", "TOP_ONLY", "SECRET", "DEV_ONLY", "TOP_KV", "STAGE_KV", "TOP_DB", "STAGE_DB")

    @app.get("/")
    async def bindings(c):
        return {"present": [n for n in NAMES if n in c.env], "greeting": c.env.GREETING, "secret": c.env.SECRET}

    @app.put("/kv/:key")
    async def put(c):
        await c.env.STAGE_KV.put(c.req.param("key"), await c.req.text())
        return {"stored": await c.env.STAGE_KV.get(c.req.param("key"))}

    @app.get("/db")
    async def rows(c):
        result = await c.env.STAGE_DB.prepare("SELECT name FROM stage_only").all()
        return {"rows": result.results}

    Default = worker_entrypoint(app)
    """
)

STAGING_PRESENT = ["GREETING", "SECRET", "STAGE_KV", "STAGE_DB"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A Worker project with a top level and a ``staging`` environment; its wrangler.toml."""
    (tmp_path / "worker.py").write_text(WORKER, encoding="utf-8")
    (tmp_path / "production.py").write_text(WORKER, encoding="utf-8")
    (tmp_path / "top_migrations").mkdir()
    (tmp_path / "top_migrations" / "0001_broken.sql").write_text("THIS IS NOT SQL;\n", encoding="utf-8")
    (tmp_path / "stage_migrations").mkdir()
    (tmp_path / "stage_migrations" / "0001_stage.sql").write_text(
        "CREATE TABLE stage_only (name TEXT);\nINSERT INTO stage_only VALUES ('staging');\n", encoding="utf-8"
    )
    (tmp_path / ".dev.vars").write_text('SECRET="generic"\nDEV_ONLY=1\n', encoding="utf-8")
    (tmp_path / ".dev.vars.staging").write_text("SECRET=staging-secret\n", encoding="utf-8")
    config = tmp_path / "wrangler.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return config


def _spec(config: Path | None, environment: str | None, app: str = "") -> dict[str, Any]:
    return spec_for(
        app,
        config,
        host="127.0.0.1",
        port=0,
        state_dir=None,
        node_modules=ROOT / "node_modules",
        environment=environment,
    )


def test_the_environment_replaces_every_top_level_binding(project: Path) -> None:
    spec = _spec(project, "staging")
    assert spec["vars"] == {"GREETING": "staging", "SECRET": "staging-secret"}
    assert spec["kv"] == [{"binding": "STAGE_KV", "id": "stage-kv"}]
    [d1] = spec["d1"]
    assert (d1["binding"], d1["id"], d1["table"]) == ("STAGE_DB", "stage-db", "stage_migrations")
    assert d1["folder"] == str(project.parent / "stage_migrations")
    assert [m["name"] for m in d1["migrations"]] == ["0001_stage.sql"]
    # Inherited from the top level, as wrangler inherits main; the stores share one state folder.
    assert spec["main"] == str(project.parent / "worker.py")
    assert spec["state"] == _spec(project, None)["state"] == str(project.parent / ".wrangler" / "state")


def test_without_an_environment_the_top_level_is_used(project: Path) -> None:
    spec = _spec(project, None)
    assert spec["vars"] == {
        "GREETING": "top",
        "TOP_ONLY": "only at the top level",
        "SECRET": "generic",
        "DEV_ONLY": "1",
    }
    assert [k["binding"] for k in spec["kv"]] == ["TOP_KV"]
    assert [d["binding"] for d in spec["d1"]] == ["TOP_DB"]


def test_the_bindings_are_those_of_the_cpython_runtime(project: Path) -> None:
    spec = _spec(project, "staging")
    with asyncio.run(load_env(project, state_dir=None, environment="staging")) as env:
        names = list(env)
        values = {name: getattr(env, name) for name in spec["vars"]}
    assert names == [*spec["vars"], *(k["binding"] for k in spec["kv"]), *(d["binding"] for d in spec["d1"])]
    assert values == spec["vars"]


def test_dev_vars_fall_back_to_the_generic_file(project: Path) -> None:
    (project.parent / ".dev.vars.staging").unlink()
    assert _spec(project, "staging")["vars"] == {"GREETING": "staging", "SECRET": "generic", "DEV_ONLY": "1"}


def test_an_environment_may_name_its_own_main(project: Path) -> None:
    assert _spec(project, "production")["main"] == str(project.parent / "production.py")
    assert _spec(project, "production")["vars"] == {"SECRET": "generic", "DEV_ONLY": "1"}


def test_an_unknown_environment_is_a_clear_error(project: Path) -> None:
    with pytest.raises(PyodidePreviewError, match=r"no \[env\.qa\] section.*environments: staging, production"):
        _spec(project, "qa")


def test_an_environment_needs_a_config(project: Path) -> None:
    with pytest.raises(PyodidePreviewError, match="--env staging needs a wrangler.toml"):
        _spec(None, "staging", app=str(project.parent / "worker.py"))


def test_a_binding_name_used_twice_in_the_environment_is_refused(project: Path) -> None:
    project.write_text(CONFIG + '\n[[env.qa.kv_namespaces]]\nbinding = "X"\n[env.qa.vars]\nX = "1"\n', encoding="utf-8")
    with pytest.raises(PyodidePreviewError, match=r"\[env\.qa\].*'X' is used by a var"):
        _spec(project, "qa")


def test_invalid_toml_is_a_clear_error(project: Path) -> None:
    project.write_text("[env.staging\n", encoding="utf-8")
    with pytest.raises(PyodidePreviewError, match="invalid TOML"):
        _spec(project, "staging")


def test_serve_reports_an_unknown_environment(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Stand-ins for node and node_modules: the configuration is refused before either runs.
    bin_dir = project.parent / "bin"
    bin_dir.mkdir()
    (bin_dir / "node").write_text("#!/bin/sh\nexit 3\n", encoding="utf-8")
    (bin_dir / "node").chmod(0o755)
    for name in ("pyodide", "miniflare"):
        (project.parent / "node_modules" / name).mkdir(parents=True)
        (project.parent / "node_modules" / name / "package.json").write_text("{}", encoding="utf-8")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("EDGEKIT_NODE_MODULES", str(project.parent / "node_modules"))
    lines: list[str] = []
    assert serve("", config=project, environment="qa", log=lines.append) == 2
    assert "no [env.qa] section" in lines[-1]


def test_dev_refuses_env_without_a_config(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project.unlink()
    monkeypatch.chdir(project.parent)
    code = main(["dev", "--runtime", "pyodide", "--port", "0", "--env", "staging", "worker.py"])
    assert code != 0
    assert "--env staging needs a wrangler.toml" in capsys.readouterr().err


@pytest.mark.parametrize("runtime", ["cpython", "pyodide", "wasi"])
def test_dev_refuses_an_unknown_environment_before_starting(
    runtime: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["dev", "--runtime", runtime, "--port", "0", "--config", str(project), "--env", "qa"]
    assert main([*argv, str(project.parent / "worker.py")]) == 2
    err = capsys.readouterr().err
    assert "no [env.qa] section; add one, or pick one of the environments: staging, production" in err
    assert not (project.parent / ".wrangler").exists() and not (project.parent / ".edgekit").exists()


def test_the_wasi_preview_builds_for_the_environment(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, Any]] = []

    def fake_trace(app: str, config: Path | None, environment: str | None = None) -> dict[str, Any]:
        calls.append(("trace", environment))
        return {"sources": {}}

    def fake_build(app: str, *, out: Path, environment: str | None = None, **options: Any) -> BuildResult:
        calls.append(("build", environment))
        out.with_suffix(".cwasm").write_bytes(b"component")
        return BuildResult(out.with_suffix(".cwasm"), 9, None, 0.0)

    monkeypatch.setattr(wasi, "trace", fake_trace)
    monkeypatch.setattr(wasi, "build", fake_build)
    out_dir = project.parent / "out"
    out_dir.mkdir()
    app = str(project.parent / "worker.py")
    wasi.ensure_built(app, config=project, out_dir=out_dir, environment="staging", log=lambda line: None)
    assert calls == [("trace", "staging"), ("build", "staging")]
    assert json.loads((out_dir / "build.json").read_text())["options"]["environment"] == "staging"
    # Another environment is another component: the build is not reused.
    wasi.ensure_built(app, config=project, out_dir=out_dir, environment=None, log=lambda line: None)
    assert calls[2:] == [("trace", None), ("build", None)]


@needs_node
def test_preview_serves_the_staging_bindings(project: Path) -> None:
    preview = Preview("--config", str(project), "--env", "staging")
    try:
        assert any("[env.staging]" in line for line in preview.lines)
        status, _, body = preview.request("/")
        assert status == 200, body
        assert json.loads(body) == {"present": STAGING_PRESENT, "greeting": "staging", "secret": "staging-secret"}
        status, _, body = preview.request("/kv/k", "PUT", b"staged")
        assert (status, json.loads(body)) == (200, {"stored": "staged"})
        assert json.loads(preview.request("/db")[2]) == {"rows": [{"name": "staging"}]}
        assert any("D1 STAGE_DB: applied 0001_stage.sql" in line for line in preview.lines)
    finally:
        preview.stop()
    assert (project.parent / ".wrangler" / "state" / "v3" / "kv").is_dir()
