"""The ``env`` of a WASI component: its wrangler.toml bindings as local stores on ``/state``.

A component sees no file of the project it was built from, so the build bakes the
configuration into the entry module: the text of ``wrangler.toml`` (and of
``.dev.vars`` for a preview) and the D1 migration files, by their paths relative to
``wrangler.toml``. :func:`state_env` returns the factory the adapter calls on the first
request of an instance: it writes those files under ``/state/.edgekit/config`` (only
when they changed) and opens the env there with
:func:`~edgekit.bindings.local_env.load_env`, so KV namespaces and D1 databases live in
``/state/kv`` and ``/state/d1`` (the layout ``edgekit dev`` uses under
``.edgekit/state``) and pending migrations are applied, once, on first use.

The host must preopen the state directory: ``wasmtime serve --dir STATE::/state``.
"""

from __future__ import annotations

from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from ..bindings.local_env import Env

__all__ = ["CONFIG_DIR", "STATE_DIR", "state_env"]

STATE_DIR = "/state"
CONFIG_DIR = ".edgekit/config"
"""Where, under the state directory, the baked configuration is written."""


def state_env(
    files: Mapping[str, str], *, environment: str | None = None, state_dir: str = STATE_DIR
) -> Callable[[], Awaitable[Env]]:
    """A factory for the env that ``files`` (``{"wrangler.toml": text, "migrations/0001.sql": text}``) describe.

    ``environment`` selects ``[env.NAME]``. A ``.dev.vars`` entry in ``files`` is read as
    ``edgekit dev`` reads it. A missing state directory raises an error that says how to
    mount one.
    """

    async def open_env() -> Env:
        from ..bindings.local_env import load_env

        state = Path(state_dir)
        if not state.is_dir():
            raise FileNotFoundError(
                f"no state directory at {state_dir}: give the component one (wasmtime serve --dir STATE::{state_dir})"
            )
        root = state / CONFIG_DIR
        for name, text in files.items():
            _write_if_changed(root / name, text)
        # A migration or .dev.vars dropped since the last build must not linger.
        for path in root.rglob("*") if root.is_dir() else ():
            if path.is_file() and path.relative_to(root).as_posix() not in files:
                path.unlink()
        return await load_env(root / "wrangler.toml", state_dir=state, environment=environment, dev_vars=True)

    return open_env


def _write_if_changed(path: Path, text: str) -> None:
    """Write ``text`` unless the file already holds it (most instances find it there)."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
