"""pytest fixtures for edgekit apps, registered as the ``edgekit`` pytest plugin.

Installed with edgekit (the ``pytest11`` entry point), so every project that
has edgekit and pytest gets these fixtures without a ``conftest.py``:

* ``edgekit_kv``: a fresh in-memory :class:`~edgekit.bindings.kv.KVNamespace`.
* ``edgekit_d1``: a fresh in-memory :class:`~edgekit.bindings.d1.D1Database`;
  mark the test ``@pytest.mark.edgekit_migrations("path/to/migrations")`` to have
  that folder's migrations applied first (a relative path is taken from the
  test file's folder).
* ``edgekit_env``: a factory. ``edgekit_env("wrangler.toml")`` is the local env
  that configuration describes, every store in memory and its D1 migrations
  applied; ``edgekit_env(KV=edgekit_kv, GREETING="hi")`` an env of the bindings
  given; both at once add or override bindings. A relative config path is
  taken from the test file's folder.
* ``client``: a factory. ``client(app, env=None, base_url=...)`` is a
  :class:`~edgekit.testing.TestClient`.

Everything a fixture makes is closed when the test ends.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    from .bindings.d1 import D1Database
    from .bindings.kv import KVNamespace
    from .bindings.local_env import Env
    from .testing import TestClient

_MEMORY = ":memory:"


def pytest_configure(config: pytest.Config) -> None:
    """Declare the marker, so ``--strict-markers`` accepts it."""
    config.addinivalue_line(
        "markers", "edgekit_migrations(path): apply the D1 migrations of this folder to the edgekit_d1 fixture"
    )


def _near_test(request: pytest.FixtureRequest, path: str | Path) -> Path:
    """``path``, a relative one taken from the folder of the requesting test's file."""
    return Path(request.path).parent / path


@pytest.fixture
def edgekit_kv() -> Iterator[KVNamespace]:
    """A fresh, empty in-memory KV namespace."""
    from .bindings.kv import KVNamespace

    with KVNamespace(_MEMORY) as kv:
        yield kv


@pytest.fixture
def edgekit_d1(request: pytest.FixtureRequest) -> Iterator[D1Database]:
    """A fresh in-memory D1 database, with the migrations of ``@pytest.mark.edgekit_migrations(path)`` applied."""
    from .bindings.d1 import D1Database
    from .bindings.d1_migrations import apply_migrations

    db = D1Database(_MEMORY)
    try:
        marker = request.node.get_closest_marker("edgekit_migrations")
        if marker is not None:
            if len(marker.args) != 1:
                raise pytest.UsageError("@pytest.mark.edgekit_migrations takes one argument: the migrations folder")
            asyncio.run(apply_migrations(db, _near_test(request, marker.args[0])))
        yield db
    finally:
        db.close()


@pytest.fixture
def edgekit_env(request: pytest.FixtureRequest) -> Iterator[Callable[..., Env]]:
    """A factory of local envs: ``edgekit_env(config=None, *, environment=None, **bindings)``."""
    from .bindings.local_env import Env, load_env

    made: list[Env] = []

    def make(config: str | Path | None = None, *, environment: str | None = None, **bindings: Any) -> Env:
        values: dict[str, Any] = {}
        if config is not None:
            loaded = asyncio.run(load_env(_near_test(request, config), state_dir=None, environment=environment))
            made.append(loaded)
            values.update((name, getattr(loaded, name)) for name in loaded)
        elif environment is not None:
            raise TypeError("edgekit_env(environment=...) needs the config it selects from")
        values.update(bindings)
        return Env(values)

    yield make
    for env in made:
        env.close()


@pytest.fixture
def client() -> Iterator[Callable[..., TestClient]]:
    """A factory of test clients: ``client(app, env=None, base_url="http://testserver", **httpx_options)``."""
    from .testing import TestClient

    made: list[TestClient] = []

    def make(app: Any, env: Any = None, **options: Any) -> TestClient:
        test_client = TestClient(app, env, **options)
        made.append(test_client)
        return test_client

    yield make
    for test_client in made:
        test_client.close()
