"""``edgekit new NAME``: a project that passes its own tests right away."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest

from edgekit.cli import main
from edgekit.cli.scaffold import FILES
from tests.conftest import run_pytest

pytestmark = pytest.mark.cpython_only  # runs the new project's tests in a subprocess

ROOT = Path(__file__).resolve().parents[2]


def test_new_project_passes_its_own_tests(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "notes-app"
    assert main(["new", str(project)]) == 0
    assert "created" in capsys.readouterr().out
    assert sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()) == sorted(FILES)
    config = tomllib.loads((project / "wrangler.toml").read_text())
    assert config["name"] == "notes-app" and config["main"] == "src/worker.py"
    assert config["kv_namespaces"][0]["binding"] == "CACHE" and config["d1_databases"][0]["binding"] == "DB"
    result = run_pytest(project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "7 passed" in result.stdout


def test_new_project_lists_its_routes_and_applies_its_migration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["new", str(tmp_path / "demo")])
    monkeypatch.chdir(tmp_path / "demo")
    capsys.readouterr()
    assert main(["routes"]) == 0
    assert [line.split()[:2] for line in capsys.readouterr().out.splitlines()] == [
        ["GET", "/"],
        ["GET", "/notes"],
        ["POST", "/notes"],
    ]
    assert main(["d1", "migrations", "apply", "DB"]) == 0
    assert "applied 0001_create_notes.sql" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["My_App", "-app", "app-", "a" * 64, "ünï"])
def test_new_refuses_a_name_workers_would_refuse(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", str(tmp_path / name)]) == 2
    assert "cannot name a Worker" in capsys.readouterr().err
    assert not (tmp_path / name).exists()


def test_new_refuses_a_folder_that_is_not_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("mine")
    assert main(["new", str(tmp_path / "taken")]) == 1
    assert "already exists" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["keep.txt"]
    (tmp_path / "empty").mkdir()
    assert main(["new", str(tmp_path / "empty")]) == 0


@pytest.mark.skipif(
    not (ROOT / "node_modules" / ".bin" / "wrangler").exists(), reason="npm ci has not installed wrangler"
)
def test_new_project_builds_and_passes_wrangler_dry_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "edge-app"
    main(["new", str(project)])
    (project / "node_modules").symlink_to(ROOT / "node_modules")
    monkeypatch.chdir(project)
    assert main(["build", "--target", "cloudflare"]) == 0
    result = subprocess.run(
        [str(ROOT / "node_modules" / ".bin" / "wrangler"), "deploy", "--dry-run", "--outdir", str(tmp_path / "out")],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "env.CACHE (edge-app-cache)" in result.stdout and "env.DB (edge-app)" in result.stdout
    assert "Vendored Modules" in result.stdout and "app.py" in result.stdout
    assert "tests/test_app.py" not in result.stdout  # only src/ is uploaded


def test_new_project_pins_the_node_tools_edgekit_is_tested_with() -> None:
    # The Pyodide preview needs pyodide and miniflare beside wrangler, at the versions of edgekit's own lock.
    import json

    ours = json.loads((ROOT / "package.json").read_text())["devDependencies"]
    theirs = json.loads(FILES["package.json"].replace("__NAME__", "x"))["devDependencies"]
    assert theirs == ours
