"""The lane plugin's decisions, on plain values: what counts as a missing runtime module, what would crash."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from edgekit import json_codec
from tests.pyodide_lane import bootstrap


def item(**params: object) -> SimpleNamespace:
    return SimpleNamespace(callspec=SimpleNamespace(params=params))


def collect_error(cause: BaseException) -> pytest.Collector.CollectError:
    error = pytest.Collector.CollectError("import failed")
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("params", "deep"),
    [
        ({"text": "[" * 100_000}, True),
        ({"backend": "stdlib", "text": b"{" * 7000}, True),
        ({"text": "[{" * 3001}, True),
        ({"text": "[" * 6000}, False),
        ({"text": "x" + "[" * 7000}, False),
        ({"text": "[" * 100 + "1" + "]" * 100}, False),
        ({"value": 10**6}, False),
    ],
)
def test_only_inputs_that_open_too_many_brackets_at_once_are_left_out(params: dict[str, object], deep: bool) -> None:
    assert bootstrap._nests_too_deep(item(**params)) is deep


def test_a_test_without_parameters_is_never_left_out() -> None:
    assert bootstrap._nests_too_deep(SimpleNamespace()) is False


def test_a_missing_outside_module_is_named_and_edgekits_own_is_not() -> None:
    assert bootstrap._missing_runtime_module(collect_error(ModuleNotFoundError(name="sqlite3"))) == "sqlite3"
    assert bootstrap._missing_runtime_module(collect_error(ModuleNotFoundError(name="msgspec.json"))) == "msgspec.json"
    for name in ("edgekit.bindings.gone", "tests.helpers", "examples.todos"):
        assert bootstrap._missing_runtime_module(collect_error(ModuleNotFoundError(name=name))) is None
    assert bootstrap._missing_runtime_module(collect_error(ImportError("cannot import name 'x'"))) is None
    assert bootstrap._missing_runtime_module(pytest.Collector.CollectError("syntax error")) is None


def test_the_crash_guard_is_detected_by_a_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuses(data: str | bytes) -> object:
        raise ValueError("invalid JSON: nested too deeply")

    def parses(data: str | bytes) -> object:
        return []

    monkeypatch.setattr(json_codec, "loads", refuses)
    assert bootstrap._json_depth_guarded() is True
    monkeypatch.setattr(json_codec, "loads", parses)
    assert bootstrap._json_depth_guarded() is False
