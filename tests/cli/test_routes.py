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
