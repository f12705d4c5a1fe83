"""The root project deploys: ``npx wrangler deploy --dry-run`` offline, after the vendoring build."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from edgekit.build.cloudflare import build

ROOT = Path(__file__).resolve().parents[2]
WRANGLER = ROOT / "node_modules" / ".bin" / "wrangler"

pytestmark = [
    pytest.mark.skipif(not WRANGLER.is_file(), reason="node_modules/.bin/wrangler missing: run `npm ci`"),
    pytest.mark.skipif(shutil.which("node") is None, reason="node (20+) is not on PATH"),
]


def test_dry_run_lists_bindings_and_vendored_edgekit(tmp_path: Path) -> None:
    # A copy of the project, so the repo's own python_modules/ is not touched.
    project = tmp_path / "project"
    shutil.copytree(
        ROOT / "examples" / "todos", project / "examples" / "todos", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "wrangler.toml", project / "wrangler.toml")
    result = build("", out=project / "python_modules", config=project / "wrangler.toml", log=lambda line: None)
    out = tmp_path / "out"
    done = subprocess.run(
        [str(WRANGLER), "deploy", "--dry-run", "--outdir", str(out)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "WRANGLER_SEND_METRICS": "false", "NO_COLOR": "1", "CI": "1"},
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert "--dry-run: exiting now." in output
    assert "env.CACHE (todos-cache)" in output and "KV Namespace" in output
    assert "env.DB (todos)" in output and "D1 Database" in output
    assert 'env.APP_NAME ("edgekit todos")' in output
    assert "Vendored Modules" in output
    uploaded = {p.relative_to(out / "python_modules").as_posix() for p in (out / "python_modules").rglob("*.py")}
    assert {"edgekit/__init__.py", "edgekit/app.py", "edgekit/runtime/cloudflare.py"} <= uploaded
    assert "edgekit/bindings/cloudflare.py" in uploaded
    # What a Worker never imports stays out of the upload.
    assert not {p for p in uploaded if p.startswith(("edgekit/cli/", "edgekit/build/", "edgekit/preview/"))}
    assert "edgekit/runtime/asgi.py" not in uploaded and "edgekit/bindings/d1.py" not in uploaded
    assert (out / "worker.py").is_file() and (out / "app.py").is_file()
    assert result.budget_bytes is not None and result.size_bytes <= result.budget_bytes
