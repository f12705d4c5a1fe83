"""Shared test helpers."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from typing import Any, TypeVar

from hypothesis import settings

# CI replays the same examples every run (a red build must be reproducible);
# HYPOTHESIS_PROFILE=thorough explores many more, with fresh random seeds.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("thorough", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default"))

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run one coroutine to completion (tests stay sync and plugin-free)."""
    return asyncio.run(coro)
