"""The Pyodide lane's pure-Python ``hypothesis._native`` agrees with the compiled one, bit for bit."""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable
from typing import Any

import pytest

from tests.pyodide_lane import hypothesis_native as shim

# Inside Pyodide the lane installs the shim as hypothesis._native: there is nothing to compare with.
pytestmark = pytest.mark.cpython_only

WIDTHS = (16, 32, 64)
# Zeros, infinities, the extremes and smallest normals of each width, and ordinary numbers.
SPECIAL = [
    float(text)
    for text in (
        "0 -0 1 -1 1.5 -2.5 inf -inf 5e-324 -5e-324 2.2250738585072014e-308 -2.2250738585072014e-308 "
        "1.7976931348623157e308 -1.7976931348623157e308 6.1e-05 6.0e-08 65504 1.17549435e-38 1.4e-45 "
        "3.4028234e38 0.1 -0.1 1e-300 1e300"
    ).split()
]


def native() -> Any:
    return pytest.importorskip("hypothesis._native.internal.floats", reason="Hypothesis without its compiled part")


def floats_of(width: int) -> list[float]:
    """The special values representable at ``width`` bits, plus random patterns of that width."""
    rng = random.Random(width)
    values = []
    for value in SPECIAL:
        try:
            values.append(shim.float_of(value, width))
        except OverflowError:
            continue
    for _ in range(300):
        value = shim.int_to_float(rng.getrandbits(width), width)
        if not math.isnan(value):
            values.append(value)
    return values


def same(a: float, b: float) -> bool:
    """Equal as IEEE values: NaN equals NaN and the sign of zero counts."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    return a == b


def outcome(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return function(*args, **kwargs)
    except OverflowError:
        return OverflowError


@pytest.mark.parametrize("width", WIDTHS)
def test_one_argument_functions_match(width: int) -> None:
    real = native()
    for value in floats_of(width):
        for name in ("float_to_int", "next_up", "next_down"):
            got, want = getattr(shim, name)(value, width), getattr(real, name)(value, width)
            assert same(got, want), (name, value, width, got, want)
        for allow_subnormal in (True, False):
            for name in ("next_up_normal", "next_down_normal"):
                got = getattr(shim, name)(value, width, allow_subnormal=allow_subnormal)
                want = getattr(real, name)(value, width, allow_subnormal=allow_subnormal)
                assert same(got, want), (name, value, width, allow_subnormal, got, want)
        assert shim.is_negative(value) == real.is_negative(value)
        assert shim.int_to_float(shim.float_to_int(value, width), width) == real.int_to_float(
            real.float_to_int(value, width), width
        )
    assert shim.width_smallest_normals(width) == real.width_smallest_normals(width)


@pytest.mark.parametrize("width", WIDTHS)
def test_float_of_and_counting_match(width: int) -> None:
    real = native()
    values = floats_of(width)
    for value in SPECIAL + [1e10, 65520.0, 1e39]:
        assert same(outcome(shim.float_of, value, width), outcome(real.float_of, value, width)), (value, width)
    pairs = zip(values, values[1:])
    for x, y in (sorted(pair, key=lambda v: (v, math.copysign(1, v))) for pair in pairs):
        assert shim.count_between_floats(x, y, width) == real.count_between_floats(x, y, width), (x, y, width)


def test_cathetus_matches() -> None:
    real = pytest.importorskip("hypothesis._native.internal.cathetus").cathetus
    rng = random.Random(7)
    cases = [(h, a) for h in SPECIAL + [math.nan] for a in SPECIAL + [math.nan]]
    cases += [(rng.uniform(0, 1e6), rng.uniform(0, 1e6)) for _ in range(200)]
    cases += [(h, h * rng.random()) for h in (1e308, 1.5e308, 1e-310, 3e-160) for _ in range(20)]
    for h, a in cases:
        got, want = shim.cathetus(h, a), real(h, a)
        # Both rely on sqrt; allow the one-ulp difference a different grouping can give.
        assert same(got, want) or math.isclose(got, want, rel_tol=4e-16), (h, a, got, want)


def test_bad_width_and_order_are_value_errors() -> None:
    with pytest.raises(ValueError, match="width must be 16, 32 or 64"):
        shim.float_to_int(1.0, 8)
    with pytest.raises(ValueError, match="x <= y"):
        shim.count_between_floats(1.0, 0.0)


def test_install_registers_every_module_hypothesis_imports() -> None:
    names = [
        "hypothesis._native",
        "hypothesis._native.internal",
        "hypothesis._native.internal.floats",
        "hypothesis._native.internal.cathetus",
    ]
    saved = {name: sys.modules.get(name) for name in names}
    try:
        shim.install()
        import hypothesis
        from hypothesis._native import __version__  # type: ignore[import-not-found,unused-ignore]
        from hypothesis._native.internal.cathetus import cathetus  # type: ignore[import-not-found,unused-ignore]
        from hypothesis._native.internal.floats import next_up  # type: ignore[import-not-found,unused-ignore]

        assert (next_up, cathetus) == (shim.next_up, shim.cathetus)
        assert __version__ == hypothesis.__version__
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
