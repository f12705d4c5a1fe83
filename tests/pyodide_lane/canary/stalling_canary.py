"""The lane's second canary: a test that waits on a JavaScript promise nothing will ever settle.

Node then runs out of work and exits while pytest is still inside the test; ``runner.mjs`` must
turn that into exit code 70, not the 0 Node would report.  Pyodide aborting on a fatal error
takes the same way out.  Only ``test_core_in_pyodide.py`` runs it, by path.
"""

from __future__ import annotations


def test_canary_waits_forever() -> None:
    import js  # type: ignore[import-not-found]
    from pyodide.ffi import run_sync  # type: ignore[import-not-found]

    run_sync(js.Promise.new(lambda resolve, reject: None))
