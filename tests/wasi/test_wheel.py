"""The WIT world ships in a regular wheel and the build finds it in an installed copy."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from edgekit.build.wasi import wit_dir

from .conftest import ROOT

pytestmark = pytest.mark.cpython_only

WIT = ROOT / "edgekit" / "build" / "wit"


def _pip(*args: str) -> subprocess.CompletedProcess[str]:
    """pip of this interpreter, offline: no index, no build isolation (the venv's setuptools builds)."""
    command = [sys.executable, "-m", "pip", *args, "--no-deps", "--no-index", "--disable-pip-version-check"]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the project (a build in the checkout would write build/ and egg-info there)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "edgekit", source / "edgekit", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    done = _pip("wheel", "--no-build-isolation", "-w", str(work / "out"), str(source))
    if done.returncode != 0 and "bdist_wheel" in done.stdout + done.stderr:
        pytest.skip("this venv's setuptools cannot build wheels offline: it needs setuptools>=70.1")
    assert done.returncode == 0, done.stdout + done.stderr
    (built,) = (work / "out").glob("edgekit-*.whl")
    return built


def test_the_wit_world_is_one_copy_inside_the_package() -> None:
    assert wit_dir() == WIT.resolve()
    assert (WIT / "world.wit").is_file() and list(WIT.glob("deps/*/*.wit"))
    assert not list((ROOT / "wasm").rglob("*.wit"))  # wasm/ only says where the WIT went


def test_the_wheel_carries_the_world_and_every_dependency(wheel: Path) -> None:
    expected = {f"edgekit/build/wit/{path.relative_to(WIT).as_posix()}" for path in WIT.rglob("*.wit")}
    assert "edgekit/build/wit/world.wit" in expected and "edgekit/build/wit/deps/http/types.wit" in expected
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert expected <= names
        assert archive.read("edgekit/build/wit/world.wit") == (WIT / "world.wit").read_bytes()
    assert {name for name in names if name.endswith(".wit")} == expected


def test_an_installed_wheel_finds_its_own_wit(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    done = _pip("install", "--target", str(site), str(wheel))
    assert done.returncode == 0, done.stdout + done.stderr
    probe = "import edgekit, edgekit.build.wasi as w; print(edgekit.__file__); print(w.wit_dir())"
    # PYTHONPATH comes before the venv's editable install of the checkout on sys.path.
    env = {**os.environ, "PYTHONPATH": str(site)}
    shown = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path, env=env
    ).stdout.split("\n")
    package, found = Path(shown[0]).resolve(), Path(shown[1])
    assert package.is_relative_to(site.resolve()), package  # the installed copy, not the checkout
    assert found == site.resolve() / "edgekit" / "build" / "wit"
    wits = {path.relative_to(found).as_posix() for path in found.rglob("*.wit")}
    assert wits == {path.relative_to(WIT).as_posix() for path in WIT.rglob("*.wit")}
