"""``edgekit.build.cloudflare``: only what the Worker imports, measured against the budget."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from edgekit.build import BuildError
from edgekit.build.cloudflare import BUDGET_BYTES, build, modules_needed
from edgekit.cli import main as cli

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "edgekit"


def relative(paths: list[Path]) -> set[str]:
    return {p.relative_to(SOURCE).as_posix() for p in paths}


def test_todos_needs_the_core_and_the_workers_adapter() -> None:
    needed = relative(modules_needed(ROOT / "examples" / "todos", SOURCE))
    assert {"__init__.py", "app.py", "runtime/__init__.py", "runtime/cloudflare.py", "bindings/cloudflare.py"} <= needed
    assert {"json_codec.py", "router/__init__.py"} <= needed  # imported by the app, and inside the core
    for left_out in ("cli/__init__.py", "build/cloudflare.py", "preview/pyodide.py", "runtime/asgi.py"):
        assert left_out not in needed
    assert "bindings/d1.py" not in needed and "bindings/kv.py" not in needed  # the SQLite stores


def test_a_used_local_store_is_included(tmp_path: Path) -> None:
    (tmp_path / "worker.py").write_text("import edgekit\nfrom edgekit.bindings import kv\n", encoding="utf-8")
    needed = relative(modules_needed(tmp_path, SOURCE))
    assert {"bindings/__init__.py", "bindings/kv.py", "bindings/kv_api.py"} <= needed


def test_type_checking_imports_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "worker.py").write_text(
        textwrap.dedent(
            """
            import importlib
            TYPE_CHECKING = False
            if TYPE_CHECKING:
                from edgekit.cli import dev
            else:
                runtime = importlib.import_module("edgekit.runtime.asgi")
            """
        ),
        encoding="utf-8",
    )
    needed = relative(modules_needed(tmp_path, SOURCE))
    assert "cli/dev.py" not in needed
    assert "runtime/asgi.py" in needed  # import_module with a literal name counts


def test_build_writes_sources_only_and_reports_the_budget(tmp_path: Path) -> None:
    out = tmp_path / "python_modules"
    (out / "other_package").mkdir(parents=True)
    (out / "edgekit").mkdir()
    (out / "edgekit" / "stale.py").write_text("", encoding="utf-8")
    lines: list[str] = []
    result = build(str(ROOT / "examples" / "hello" / "worker.py"), out=out, log=lines.append)
    files = [p for p in (out / "edgekit").rglob("*") if p.is_file()]
    assert files and all(p.suffix == ".py" for p in files)
    assert not (out / "edgekit" / "stale.py").exists()
    assert (out / "other_package").is_dir()  # other vendored packages stay
    assert result.size_bytes == sum(p.stat().st_size for p in files)
    assert result.budget_bytes == BUDGET_BYTES and result.size_bytes <= BUDGET_BYTES
    assert result.output == out
    assert f"budget of {BUDGET_BYTES // 1024} KiB" in lines[-1] and "within" in lines[-1]


def test_build_from_the_config_main(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "entry.py").write_text("import edgekit.runtime.cloudflare\n", encoding="utf-8")
    config = tmp_path / "wrangler.toml"
    config.write_text('main = "src/entry.py"\ncompatibility_flags = ["python_workers"]\n', encoding="utf-8")
    build("", out=tmp_path / "python_modules", config=config, log=lambda line: None)
    assert (tmp_path / "python_modules" / "edgekit" / "runtime" / "cloudflare.py").is_file()


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('main = "w.py"\n', "python_workers"),
        ('compatibility_flags = ["python_workers"]\n', "main"),
        ("main = [", "invalid TOML"),
    ],
)
def test_bad_config_is_a_build_error(tmp_path: Path, toml: str, message: str) -> None:
    config = tmp_path / "wrangler.toml"
    config.write_text(toml, encoding="utf-8")
    with pytest.raises(BuildError, match=message):
        build("", out=tmp_path / "python_modules", config=config, log=lambda line: None)


def test_missing_entry_and_syntax_errors_are_build_errors(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="no such entry module"):
        build(str(tmp_path / "nope.py"), out=tmp_path / "out", log=lambda line: None)
    (tmp_path / "broken.py").write_text("def (:\n", encoding="utf-8")
    with pytest.raises(BuildError, match="broken.py:1"):
        build(str(tmp_path / "broken.py"), out=tmp_path / "out", log=lambda line: None)


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entry = str(ROOT / "examples" / "todos" / "worker.py")
    assert cli(["build", "--target", "cloudflare", entry, "--out", str(tmp_path / "pm")]) == 0
    assert (tmp_path / "pm" / "edgekit" / "app.py").is_file()
    missing = str(tmp_path / "missing.py")
    assert cli(["build", "--target", "cloudflare", missing, "--out", str(tmp_path / "pm")]) == 1
    assert "no such entry module" in capsys.readouterr().err


def test_local_output_that_wrangler_would_upload_is_reported(tmp_path: Path) -> None:
    entry = tmp_path / "worker.py"
    entry.write_text("import edgekit\n")
    (tmp_path / ".edgekit" / "wasi").mkdir(parents=True)
    (tmp_path / ".edgekit" / "wasi" / "app.wasm").write_bytes(b"\0asm" + bytes(2048))
    (tmp_path / ".edgekit" / "state" / "d1").mkdir(parents=True)
    (tmp_path / ".edgekit" / "state" / "d1" / "db.sqlite").write_bytes(b"SQLite")  # not a module: not reported
    lines: list[str] = []
    build(str(entry), out=tmp_path / "python_modules", log=lines.append)
    warnings = [line for line in lines if line.startswith("warning:")]
    assert len(warnings) == 1 and "upload 1 file (" in warnings[0] and ".edgekit/wasi" in warnings[0]
    lines.clear()
    (tmp_path / ".edgekit" / "wasi" / "app.wasm").unlink()
    build(str(entry), out=tmp_path / "python_modules", log=lines.append)
    assert not [line for line in lines if line.startswith("warning:")]
