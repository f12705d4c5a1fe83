"""``edgekit dev APP``: a local preview on CPython, served by uvicorn.

When a ``wrangler.toml`` sits beside the app (or in the current folder, or is
named with ``--config``), its bindings are opened as local stores under
``.edgekit/state`` (D1 migrations applied) and its ``[vars]`` and
``.dev.vars`` are set, as ``wrangler dev`` does: handlers see them as
``c.env``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from ..app import App
    from ..runtime.asgi import ASGIApp

_TARGET_ENV = "EDGEKIT_DEV_APP"
# What the factory needs after a reload, when uvicorn imports it afresh.
_CONFIG_ENV = "EDGEKIT_DEV_CONFIG"
_STATE_ENV = "EDGEKIT_DEV_STATE"
_ENVIRONMENT_ENV = "EDGEKIT_DEV_ENVIRONMENT"


class AppNotFoundError(Exception):
    """The APP argument does not name an edgekit App."""


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("dev", help="serve an app locally on CPython", description=__doc__)
    parser.add_argument("app", nargs="?", default="app.py", help="FILE.py[:NAME] or MODULE:NAME (default: app.py:app)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8787, help="port (default: 8787, like wrangler dev)")
    parser.add_argument("--reload", action="store_true", help="restart when a .py file changes")
    parser.add_argument(
        "--config", help="wrangler.toml with the bindings (default: beside the app, else ./wrangler.toml)"
    )
    parser.add_argument(
        "--state-dir", default=".edgekit/state", help="where local KV and D1 keep their files (default: .edgekit/state)"
    )
    parser.add_argument("--env", dest="environment", help="use the [env.NAME] section of wrangler.toml")
    parser.set_defaults(run=run)


def load_app(target: str) -> App:
    """Import ``FILE.py[:NAME]`` or ``MODULE:NAME`` and return the App it names."""
    import importlib
    import importlib.util

    from ..app import App

    location, _, name = target.partition(":")
    name = name or "app"
    if location.endswith(".py") or os.sep in location:
        path = Path(location).resolve()
        if not path.is_file():
            raise AppNotFoundError(f"no such file: {location}")
        sys.path.insert(0, str(path.parent))
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)
    else:
        sys.path.insert(0, os.getcwd())
        try:
            module = importlib.import_module(location)
        except ModuleNotFoundError as exc:
            raise AppNotFoundError(f"cannot import {location!r}: {exc}") from None
    app = getattr(module, name, None)
    if not isinstance(app, App):
        raise AppNotFoundError(f"{location} has no edgekit App named {name!r}")
    return app


def find_config(app_target: str, explicit: str | None) -> Path | None:
    """The wrangler.toml to use: ``explicit``, else beside the app file, else in the current folder."""
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise AppNotFoundError(f"no such config file: {explicit}")
        return path.resolve()
    location = app_target.partition(":")[0]
    for folder in ([Path(location).resolve().parent] if location.endswith(".py") else []) + [Path.cwd()]:
        if (folder / "wrangler.toml").is_file():
            return folder / "wrangler.toml"
    return None


def asgi_factory() -> ASGIApp:
    """What uvicorn imports (also after a reload): the app named in the environment,
    with the local bindings of its wrangler.toml opened at startup."""
    from ..runtime.asgi import ASGIApp

    asgi = ASGIApp(load_app(os.environ[_TARGET_ENV]))
    config = os.environ.get(_CONFIG_ENV)
    if config:

        async def open_env() -> None:
            from ..bindings.local_env import load_env

            asgi.env = await load_env(
                config, state_dir=os.environ[_STATE_ENV], environment=os.environ.get(_ENVIRONMENT_ENV) or None
            )

        async def close_env() -> None:
            asgi.env.close()

        asgi.on_startup.append(open_env)
        asgi.on_shutdown.append(close_env)
    return asgi


def run(args: argparse.Namespace) -> int:
    try:
        import uvicorn
    except ImportError:
        print("edgekit dev needs uvicorn: pip install 'edgekit[serve]'", file=sys.stderr)
        return 2
    try:
        load_app(args.app)
        config = find_config(args.app, args.config)
    except AppNotFoundError as exc:
        print(f"edgekit dev: {exc}", file=sys.stderr)
        return 2
    os.environ[_TARGET_ENV] = args.app
    if config is not None:
        os.environ[_CONFIG_ENV] = str(config)
        os.environ[_STATE_ENV] = args.state_dir
        os.environ[_ENVIRONMENT_ENV] = args.environment or ""
        print(f"edgekit dev: bindings from {config}, state in {args.state_dir}", file=sys.stderr)
    location = args.app.partition(":")[0]
    watch = str(Path(location).resolve().parent) if location.endswith(".py") else os.getcwd()
    try:
        uvicorn.run(
            "edgekit.cli.dev:asgi_factory",
            factory=True,
            host=args.host,
            port=args.port,
            reload=args.reload,
            reload_dirs=[watch] if args.reload else None,
            log_level="info",
        )
    except OSError as exc:
        print(f"edgekit dev: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0
