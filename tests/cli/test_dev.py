"""``edgekit dev``: finding the app, clear errors, and a real server on loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from edgekit import App
from edgekit.cli import main
from edgekit.cli.dev import AppNotFoundError, load_app

ROOT = Path(__file__).resolve().parents[2]


def test_load_app_from_a_file_and_a_module(tmp_path: Path) -> None:
    source = tmp_path / "service.py"
    source.write_text("from edgekit import App\nweb = App()\n")
    assert isinstance(load_app(f"{source}:web"), App)
    assert isinstance(load_app("examples.hello.app:app"), App)


@pytest.mark.parametrize(
    ("target", "message"),
    [("missing_file.py", "no such file"), ("no_such_module_xyz:app", "cannot import"), ("examples.hello.app:nope", "no edgekit App named 'nope'")],
)
def test_load_app_says_what_is_wrong(target: str, message: str) -> None:
    with pytest.raises(AppNotFoundError, match=message):
        load_app(target)


def test_dev_exits_2_with_a_message_when_the_app_is_missing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dev", "missing_file.py"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_help_lists_the_dev_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    assert "dev" in capsys.readouterr().out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_dev_serves_the_example_over_http() -> None:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "edgekit", "dev", "examples/hello/app.py", "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/hello/edge", timeout=2) as res:
                    assert res.status == 200
                    assert res.read() == b'{"message":"Hello, edge!"}'
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=10)
