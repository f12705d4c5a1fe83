"""``edgekit routes``: the route table as registered."""

from __future__ import annotations

import pytest

from edgekit.cli import main


def test_routes_lists_the_table_in_registration_order(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes", "examples/hello/app.py"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ALL", "/*", "server_timing"]
    assert [line.split()[:2] for line in lines[1:3]] == [["GET", "/"], ["GET", "/hello/:name"]]
    assert main(["routes", "missing_file.py"]) == 2


def test_routes_of_a_mount_and_an_empty_app(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "svc.py").write_text(
        "from edgekit import App\n"
        "web = App()\n"
        "@web.post('/b')\ndef second(c): ...\n"
        "@web.get('/a')\ndef first(c): ...\n"
        "empty = App()\n"
    )
    assert main(["routes", f"{tmp_path / 'svc.py'}:web"]) == 0
    assert [line.split() for line in capsys.readouterr().out.splitlines()] == [
        ["POST", "/b", "second"],
        ["GET", "/a", "first"],
    ]
    assert main(["routes", f"{tmp_path / 'svc.py'}:empty"]) == 0
    assert capsys.readouterr().out == "(no routes)\n"


def test_routes_says_what_is_missing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes", "examples.hello.app:nope"]) == 2
    assert "edgekit routes: examples.hello.app has no edgekit App named 'nope'" in capsys.readouterr().err
