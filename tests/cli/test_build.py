"""``edgekit build --target ...``: dispatch to the target's module, size against budget, errors."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from edgekit.build import BuildError, BuildResult
from edgekit.cli import main


def fake_target(monkeypatch: pytest.MonkeyPatch, name: str, build) -> None:
    module = types.ModuleType(f"edgekit.build.{name}")
    module.build = build  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, f"edgekit.build.{name}", module)


def test_cloudflare_build_prints_progress_and_size_against_budget(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = []

    def build(app, *, out, config, log):
        calls.append((app, out, config))
        log("vendoring edgekit")
        return BuildResult(output=out, size_bytes=150 * 1024, budget_bytes=500 * 1024, seconds=0.25)

    fake_target(monkeypatch, "cloudflare", build)
    (tmp_path / "wrangler.toml").write_text('name = "x"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["build", "--target", "cloudflare"]) == 0
    # No APP: the cloudflare target takes the entry module from main in wrangler.toml.
    assert calls == [("", tmp_path / "python_modules", tmp_path / "wrangler.toml")]
    out = capsys.readouterr().out
    assert "  vendoring edgekit" in out
    assert f"built {tmp_path / 'python_modules'}: 150.0 KB (30% of the 500.0 KB budget, within budget) in 0.2s" in out


def test_wasi_build_passes_precompile_and_output(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no wrangler.toml here
    calls = []

    def build(app, *, out, config, precompile, log, strict, environment, dev_vars, max_body_bytes):
        calls.append((app, out, config, precompile, strict, environment, dev_vars, max_body_bytes))
        return BuildResult(output=out, size_bytes=18 * 1024 * 1024, budget_bytes=None, seconds=7.0)

    fake_target(monkeypatch, "wasi", build)
    assert main(["build", "--target", "wasi", "svc.py:web", "-o", "out.wasm", "--precompile"]) == 0
    assert calls == [("svc.py:web", Path("out.wasm"), None, True, False, None, False, None)]
    options = ["--strict", "--env", "staging", "--dev-vars", "--max-body-bytes", "1024"]
    assert main(["build", "--target", "wasi", "svc.py:web", "-o", "out.wasm", *options]) == 0
    assert calls[1] == ("svc.py:web", Path("out.wasm"), None, False, True, "staging", True, 1024)
    assert "18.0 MB (no size budget)" in capsys.readouterr().out


def test_a_bundle_over_budget_fails(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    fake_target(monkeypatch, "wasi", lambda app, **kw: BuildResult(kw["out"], 2000, 1000, 1.0))
    assert main(["build", "--target", "wasi"]) == 1
    assert "200% of the 1000 B budget, OVER BUDGET" in capsys.readouterr().out


def test_a_build_error_is_exit_1_with_its_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def build(app, **kw):
        raise BuildError("componentize-py is missing: pip install componentize-py")

    fake_target(monkeypatch, "wasi", build)
    assert main(["build", "--target", "wasi"]) == 1
    assert "edgekit build: componentize-py is missing" in capsys.readouterr().err


def test_a_missing_target_module_is_exit_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "edgekit.build.cloudflare", None)
    assert main(["build", "--target", "cloudflare"]) == 2
    assert "the cloudflare target is not available" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [["build"], ["build", "--target", "aws"]],
)
def test_usage_errors(args: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2


def test_precompile_is_for_wasi_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--target", "cloudflare", "--precompile"]) == 2
    assert "--precompile goes with --target wasi" in capsys.readouterr().err
    assert main(["build", "--target", "cloudflare", "--env", "staging"]) == 2
    assert "--env goes with --target wasi" in capsys.readouterr().err
