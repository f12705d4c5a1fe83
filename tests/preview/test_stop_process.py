"""stop_process: how every preview stops its runtime's process."""

from __future__ import annotations

import subprocess
import sys

import pytest

from edgekit.preview import stop_process

pytestmark = pytest.mark.cpython_only  # runs subprocesses


def start(code: str) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline() == "ready\n"  # its handlers are set
    return process


def test_a_running_process_is_terminated_and_its_code_returned():
    process = start("import time; print('ready', flush=True); time.sleep(60)")
    assert stop_process(process) == -15  # SIGTERM


def test_a_process_that_ignores_sigterm_is_killed_after_the_timeout():
    process = start(
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(60)"
    )
    assert stop_process(process, timeout=0.5) == -9  # SIGKILL


def test_a_process_that_already_ended_gives_its_own_code():
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    process.wait()
    assert stop_process(process) == 3
