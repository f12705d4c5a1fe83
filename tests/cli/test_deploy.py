"""``edgekit deploy``: runs npx wrangler deploy and says clearly why it failed."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from edgekit.cli import main

pytestmark = pytest.mark.cpython_only  # runs npx wrangler in a subprocess


def fake_npx(folder: Path, script: str) -> None:
    """An ``npx`` on PATH that records its arguments and working folder, then runs ``script``."""
    npx = folder / "bin" / "npx"
    npx.parent.mkdir()
    npx.write_text(f'#!/bin/sh\necho "$PWD" > "{folder}/called"\necho "$@" >> "{folder}/called"\n{script}\n')
    npx.chmod(npx.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "wrangler.toml").write_text('name = "x"\nmain = "worker.py"\n')
    monkeypatch.chdir(folder)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # the real npx, if any, stays out of reach
    return tmp_path


def test_deploy_runs_wrangler_from_the_project(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake_npx(project, 'echo "Uploaded x (1.2 sec)"')
    assert main(["deploy", "--env", "staging", "--dry-run", "--", "--minify"]) == 0
    where, arguments = (project / "called").read_text().splitlines()
    assert where == str(project / "project")
    assert (
        arguments
        == f"--no-install wrangler deploy --config {project / 'project' / 'wrangler.toml'} --env staging --dry-run --minify"
    )
    assert "Uploaded x" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("output", "advice"),
    [
        ("✘ [ERROR] Not logged in.", "npx wrangler login"),
        (
            "✘ [ERROR] In a non-interactive environment, it's necessary to set a CLOUDFLARE_API_TOKEN",
            "npx wrangler login",
        ),
        ("✘ [ERROR] fetch failed: getaddrinfo ENOTFOUND api.cloudflare.com", "internet connection"),
        ("npm error npx canceled due to missing packages and no YES option", "npm install --save-dev wrangler"),
        ("✘ [ERROR] something else entirely", "wrangler deploy failed (exit code 3)"),
    ],
)
def test_deploy_failures_say_what_to_do(
    project: Path, capsys: pytest.CaptureFixture[str], output: str, advice: str
) -> None:
    fake_npx(project, f'echo "{output}" >&2\nexit 3')
    assert main(["deploy"]) == 1
    captured = capsys.readouterr()
    assert output in captured.out  # wrangler's own words are shown too
    assert advice in captured.err


def test_deploy_without_npx(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deploy"]) == 1
    assert "npx is not on PATH: install Node.js" in capsys.readouterr().err


def test_deploy_without_wrangler_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["deploy"]) == 2
    assert "no wrangler.toml in" in capsys.readouterr().err
