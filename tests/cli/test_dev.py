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


def _serve(args: list[str], cwd: Path, path: str) -> bytes:
    """Start ``edgekit dev`` with ``args``, GET ``path`` once it answers, stop it."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "edgekit", "dev", *args, "--port", str(port)],
        cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as res:
                    assert res.status == 200
                    return bytes(res.read())
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_dev_serves_the_example_over_http() -> None:
    assert _serve(["examples/hello/app.py"], ROOT, "/hello/edge") == b'{"message":"Hello, edge!"}'


def test_dev_opens_the_bindings_of_wrangler_toml(tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001_init.sql").write_text("CREATE TABLE hits (n INTEGER);")
    (tmp_path / "wrangler.toml").write_text(
        'name = "demo"\n[vars]\nGREETING = "hi"\n'
        '[[kv_namespaces]]\nbinding = "CACHE"\nid = "cache"\n'
        '[[d1_databases]]\nbinding = "DB"\ndatabase_name = "main"\ndatabase_id = "main-id"\n'
    )
    (tmp_path / "app.py").write_text(
        "from edgekit import App\n"
        "app = App()\n"
        "@app.get('/')\n"
        "async def home(c):\n"
        "    await c.env.CACHE.put('k', 'v')\n"
        "    await c.env.DB.prepare('INSERT INTO hits VALUES (1)').run()\n"
        "    count = await c.env.DB.prepare('SELECT count(*) AS n FROM hits').first('n')\n"
        "    return {'greeting': c.env.GREETING, 'kv': await c.env.CACHE.get('k'), 'hits': count}\n"
    )
    assert _serve(["app.py"], tmp_path, "/") == b'{"greeting":"hi","kv":"v","hits":1}'
    assert (tmp_path / ".edgekit" / "state" / "kv" / "cache.sqlite").is_file()
    assert _serve(["app.py"], tmp_path, "/") == b'{"greeting":"hi","kv":"v","hits":2}'  # state persists


def test_dev_refuses_a_missing_config(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dev", "examples/hello/app.py", "--config", "nowhere.toml"]) == 2
    assert "no such config file" in capsys.readouterr().err

