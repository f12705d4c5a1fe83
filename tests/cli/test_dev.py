"""``edgekit dev``: finding the app, clear errors, runtimes, and a real server on loopback."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import types
import urllib.request
from pathlib import Path

import pytest

from edgekit import App
from edgekit.cli import main
from edgekit.cli.project import AppNotFoundError, load_app

pytestmark = pytest.mark.cpython_only  # serves on sockets, runs subprocesses

ROOT = Path(__file__).resolve().parents[2]


def test_load_app_from_a_file_and_a_module(tmp_path: Path) -> None:
    source = tmp_path / "service.py"
    source.write_text("from edgekit import App\nweb = App()\n")
    assert isinstance(load_app(f"{source}:web"), App)
    assert isinstance(load_app("examples.hello.app:app"), App)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("missing_file.py", "no such file"),
        ("no_such_module_xyz:app", "cannot import"),
        ("examples.hello.app:nope", "no edgekit App named 'nope'"),
    ],
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


def _serve(args: list[str], cwd: Path, path: str, log: list[str] | None = None) -> bytes:
    """Start ``edgekit dev`` with ``args``, GET ``path`` once it answers, stop it (its output into ``log``)."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "edgekit", "dev", *args, "--port", str(port)],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
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
        output = server.communicate(timeout=10)[0]
        if log is not None:
            log.extend(output.decode().splitlines())


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


def test_dev_logs_each_request_with_its_cpu_time() -> None:
    log: list[str] = []
    _serve(["examples/hello/app.py", "--cpu-budget-ms", "500"], ROOT, "/hello/edge", log)
    lines = [line for line in log if line.startswith("GET /hello/edge 200 ")]
    assert len(lines) == 1, log
    assert re.fullmatch(r"GET /hello/edge 200 [0-9.]+ms cpu [0-9.]+ms \(\d+% of 500ms\)", lines[0]), lines[0]


def test_dev_says_when_the_port_is_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["dev", "examples/hello/app.py", "--port", str(port)]) == 1
    assert f"port {port} on 127.0.0.1 is in use" in capsys.readouterr().err


@pytest.mark.parametrize("runtime", ["pyodide", "wasi"])
def test_dev_hands_other_runtimes_to_their_preview_module(
    runtime: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls = []
    fake = types.ModuleType(f"edgekit.preview.{runtime}")
    fake.serve = lambda app, **options: calls.append((app, options)) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, f"edgekit.preview.{runtime}", fake)
    (tmp_path / "wrangler.toml").write_text('name = "x"\n')
    port = _free_port()
    args = ["dev", "app.py", "--runtime", runtime, "--port", str(port), "--reload", "--state-dir", "st"]
    monkeypatch.chdir(tmp_path)
    assert main(args) == 0
    ((app, options),) = calls
    log = options.pop("log")
    assert app == "app.py" and callable(log)
    assert options == {
        "config": tmp_path / "wrangler.toml",
        "host": "127.0.0.1",
        "port": port,
        "state_dir": Path("st"),
        "reload": True,
        "environment": None,
    }


def test_dev_passes_the_exit_code_of_the_runtime_on(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("edgekit.preview.wasi")
    fake.serve = lambda app, **options: 1  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "edgekit.preview.wasi", fake)
    assert main(["dev", "app.py", "--runtime", "wasi", "--port", str(_free_port())]) == 1


def test_dev_says_when_a_runtime_is_not_available(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "edgekit.preview.pyodide", None)
    assert main(["dev", "app.py", "--runtime", "pyodide", "--port", str(_free_port())]) == 2
    assert "the pyodide runtime is not available" in capsys.readouterr().err


def test_budget_options_are_for_cpython_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dev", "app.py", "--runtime", "wasi", "--enforce", "--port", str(_free_port())]) == 2
    assert "--runtime cpython only" in capsys.readouterr().err


@pytest.mark.parametrize("option", [["--runtime", "jvm"], ["--cpu-budget-ms", "0"], ["--cpu-budget-ms", "soon"]])
def test_bad_options_are_usage_errors(option: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["dev", "app.py", *option])
    assert exit_info.value.code == 2


def test_dev_help_documents_runtimes_and_budgets(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["dev", "--help"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0
    assert "--runtime {cpython,pyodide,wasi}" in out and "--cpu-budget-ms" in out and "--enforce" in out


def test_log_lines_from_two_relay_threads_never_splice(capsys):
    """The previews relay a runtime's stdout and stderr from two threads into one log."""
    import threading

    from edgekit.cli.dev import _log

    def relay(name: str) -> None:
        for i in range(400):
            _log(f"{name} line {i} of the relayed output")

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: a splice shows at once
    try:
        threads = [threading.Thread(target=relay, args=(name,)) for name in ("stdout", "stderr")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    lines = capsys.readouterr().err.splitlines()
    expected = {f"{name} line {i} of the relayed output" for name in ("stdout", "stderr") for i in range(400)}
    assert len(lines) == 800 and set(lines) == expected


def test_dev_says_that_assets_are_not_served(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = types.ModuleType("edgekit.preview.wasi")
    fake.serve = lambda app, **options: 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "edgekit.preview.wasi", fake)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "wrangler.toml").write_text('name = "x"\n')
    assert main(["dev", "app.py", "--runtime", "wasi", "--port", str(_free_port())]) == 0
    assert "[assets]" not in capsys.readouterr().err
    (tmp_path / "wrangler.toml").write_text('name = "x"\n[assets]\ndirectory = "./public"\n')
    assert main(["dev", "app.py", "--runtime", "wasi", "--port", str(_free_port())]) == 0
    assert "the [assets] of wrangler.toml are not served here" in capsys.readouterr().err
