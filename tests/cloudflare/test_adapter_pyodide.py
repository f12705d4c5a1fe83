"""The Workers adapter's request headers in real Pyodide 0.28.2: read late, read in the background, read in full.

The adapter fetches the headers from JavaScript only when the app reads them (one
``headers.get`` per name, or all in one conversion); these check what comes back, and
that the JavaScript ``Request`` is still there to read then.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cloudflare.preview import NODE_MARKS, Preview

pytestmark = [*NODE_MARKS, pytest.mark.cpython_only]

WORKER = textwrap.dedent(
    """
    import asyncio

    from edgekit import App
    from edgekit.runtime.cloudflare import worker_entrypoint

    app = App()
    envs = []  # kept alive, so a new env cannot reuse an old one's id

    @app.get("/env")
    async def env(c):
        envs.append(c.env)
        return c.json({"same": len(envs) > 1 and envs[-1] is envs[-2], "var": c.env.GREETING})

    @app.get("/late")
    async def late(c):
        await asyncio.sleep(0.01)
        return c.json(c.req.header())

    @app.get("/names")
    async def names(c):
        got = {name: c.req.header(name) for name in ("X-Probe", "x-absent", "accept")}
        return c.json({**got, "has": c.req.headers.has("x-probe"), "absent": "x-absent" in c.req.headers})

    @app.get("/background/:tag")
    async def background(c):
        async def read():
            await asyncio.sleep(0.05)
            print(f"background {c.req.param('tag')}: {c.req.header('x-probe')}")

        c.ctx.wait_until(read())
        return c.text("scheduled")

    @app.post("/none")
    async def none(c):
        return c.text(f"{c.req.method} without a header read")

    Default = worker_entrypoint(app)
    """
)


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preview]:
    folder: Path = tmp_path_factory.mktemp("adapter-worker")
    (folder / "worker.py").write_text(WORKER, encoding="utf-8")
    (folder / "wrangler.toml").write_text(
        'name = "adapter"\nmain = "worker.py"\ncompatibility_date = "2026-04-26"\n'
        'compatibility_flags = ["python_workers"]\n[vars]\nGREETING = "hi"\n',
        encoding="utf-8",
    )
    running = Preview("--config", str(folder / "wrangler.toml"), "--state-dir", str(folder / "state"))
    yield running
    running.stop()


def test_headers_read_after_an_await_are_all_there(preview: Preview) -> None:
    status, _, body = preview.request("/late", headers={"X-Probe": "late", "Accept": "text/plain", "Cookie": "a=1"})
    seen = json.loads(body)
    assert status == 200
    assert (seen["x-probe"], seen["accept"], seen["cookie"]) == ("late", "text/plain", "a=1")
    assert all(name == name.lower() for name in seen)


def test_headers_read_one_by_one_are_what_javascript_holds(preview: Preview) -> None:
    # Each name is one headers.get() in JavaScript: its null must come back as None.
    status, _, body = preview.request("/names", headers={"X-Probe": "one", "Accept": "a/b, c/d"})
    assert status == 200
    assert json.loads(body) == {"X-Probe": "one", "x-absent": None, "accept": "a/b, c/d", "has": True, "absent": False}


def test_headers_read_in_wait_until_work_after_the_response(preview: Preview) -> None:
    status, _, body = preview.request("/background/one", headers={"x-probe": "still readable"})
    assert (status, body) == (200, b"scheduled")
    assert _line_with(preview, "background one:").endswith("background one: still readable")


def test_a_request_whose_headers_are_never_read_is_answered(preview: Preview) -> None:
    status, _, body = preview.request("/none", "POST", b"unread body " * 2000, {"x-probe": "ignored"})
    assert (status, body) == (200, b"POST without a header read")
    # The unread body was drained: the next request on the same preview is answered.
    assert preview.request("/none", "POST", b"again")[0] == 200


def test_the_env_is_wrapped_once_for_the_requests_of_an_isolate(preview: Preview) -> None:
    first, second = (json.loads(preview.request("/env")[2]) for _ in range(2))
    assert first == {"same": False, "var": "hi"}
    assert second == {"same": True, "var": "hi"}


def _line_with(preview: Preview, marker: str) -> str:
    """The preview's first output line holding ``marker``; fails after the preview's start timeout."""
    while not any(marker in line for line in preview.lines):
        preview.wait_for("")  # the next line, whatever it is
    return next(line for line in preview.lines if marker in line)
