"""What the commands share: finding the app, its ``wrangler.toml``, and failing with a message.

A command fails by raising :class:`CommandError`; the ``edgekit`` entry point
prints the message and exits with its code: 1 when the work failed, 2 when the
command line names something that is not there (as argparse does for a bad
option).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ..app import App

FAILURE = 1
USAGE = 2

DEFAULT_APPS = ("app.py", "src/app.py")
"""Where an app is looked for when the command line names none: the first that exists."""
APP_HELP = "FILE.py[:NAME] or MODULE:NAME (default: app.py, else src/app.py; NAME defaults to app)"


class CommandError(Exception):
    """A command cannot go on; ``str(error)`` says why and what to do, ``code`` is the exit code."""

    def __init__(self, message: str, code: int = FAILURE) -> None:
        super().__init__(message)
        self.code = code


class AppNotFoundError(CommandError):
    """The APP argument does not name an edgekit App."""

    def __init__(self, message: str) -> None:
        super().__init__(message, USAGE)


def load_app(target: str) -> App:
    """Import ``FILE.py[:NAME]`` or ``MODULE:NAME`` and return the App it names (``NAME`` defaults to ``app``)."""
    import importlib
    import importlib.util

    from ..app import App

    location, _, name = target.partition(":")
    name = name or "app"
    if location.endswith(".py") or os.sep in location:
        path = Path(location).resolve()
        if not path.is_file():
            raise AppNotFoundError(f"no such file: {location} (name the app as FILE.py[:NAME] or MODULE:NAME)")
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
        raise AppNotFoundError(f"{location} has no edgekit App named {name!r} (pick another with {location}:NAME)")
    return app


def app_target(given: str | None) -> str:
    """The APP argument, or the first of :data:`DEFAULT_APPS` that exists when none was given."""
    if given:
        return given
    for candidate in DEFAULT_APPS:
        if Path(candidate).is_file():
            return candidate
    return DEFAULT_APPS[0]


def find_config(app_target: str | None, explicit: str | None) -> Path | None:
    """The wrangler.toml to use: ``explicit``, else beside the app file, else in the current folder."""
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise CommandError(f"no such config file: {explicit}", USAGE)
        return path.resolve()
    location = (app_target or "").partition(":")[0]
    for folder in ([Path(location).resolve().parent] if location.endswith(".py") else []) + [Path.cwd()]:
        if (folder / "wrangler.toml").is_file():
            return folder / "wrangler.toml"
    return None


def require_config(explicit: str | None) -> Path:
    """The wrangler.toml of a command that cannot work without one."""
    config = find_config(None, explicit)
    if config is None:
        raise CommandError(
            f"no wrangler.toml in {Path.cwd()}: run this in your project's folder or pass --config PATH", USAGE
        )
    return config


def import_target(package: str, name: str, what: str) -> Any:
    """The module ``package.name`` of an optional part (a runtime, a build target).

    Its absence is a usage error naming ``what`` is missing; an import error
    inside it propagates, as a bug to see.
    """
    import importlib

    module = f"{package}.{name}"
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        raise CommandError(f"the {name} {what} is not available in this edgekit (no module {module})", USAGE) from None
