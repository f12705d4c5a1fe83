"""Bundles for the deploy targets: ``cloudflare`` (a Python Worker) and ``wasi`` (a component).

Each target is one module with a ``build(...)`` function returning a
:class:`BuildResult`; the CLI's ``edgekit build --target NAME`` calls it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class BuildResult:
    """What a build produced and how it measures up."""

    output: Path
    """The bundle: a folder for ``cloudflare``, a ``.wasm`` (or ``.cwasm``) file for ``wasi``."""
    size_bytes: int
    budget_bytes: int | None
    """The size the target promises to stay under, printed beside the size; None when it has none."""
    seconds: float


class BuildError(Exception):
    """A build failed for a reason the user can fix; the message says what to do."""
