"""Pure-Python stand-in for ``hypothesis._native``, so Hypothesis imports inside Pyodide.

Hypothesis (6.170) ships a compiled extension, ``hypothesis._native``, with a handful of
IEEE 754 helpers; its wheel for this machine is an x86-64 CPython 3.11 binary that Pyodide
cannot load, and the lane is offline, so no wasm32 wheel can be fetched.  Everything else in
Hypothesis is pure Python.  This module implements the same functions from their
definitions (bit patterns through :mod:`struct`), and :func:`install` registers it under the
module names Hypothesis imports.  ``tests/pyodide_lane/test_hypothesis_native.py`` checks it
against the real extension on CPython.
"""

from __future__ import annotations

import importlib.metadata
import math
import struct
import sys
import types

# width -> (struct code of the float, struct code of the unsigned int of the same size)
_CODES = {16: ("e", "H"), 32: ("f", "I"), 64: ("d", "Q")}
_SMALLEST_NORMAL = {16: 2.0**-14, 32: 2.0**-126, 64: 2.0**-1022}
_SQRT_MIN = math.sqrt(sys.float_info.min)
_SQRT_MAX = math.sqrt(sys.float_info.max)


def _codes(width: int) -> tuple[str, str]:
    try:
        return _CODES[width]
    except KeyError:
        raise ValueError(f"float width must be 16, 32 or 64, not {width!r}") from None


def width_smallest_normals(width: int) -> float:
    """The smallest positive normal float of ``width`` bits."""
    _codes(width)
    return _SMALLEST_NORMAL[width]


def float_to_int(value: float, width: int = 64) -> int:
    """The bit pattern of ``value`` as a ``width``-bit float, read as an unsigned int."""
    float_code, int_code = _codes(width)
    (bits,) = struct.unpack("!" + int_code, struct.pack("!" + float_code, value))
    return int(bits)


def int_to_float(value: int, width: int = 64) -> float:
    """The ``width``-bit float whose bit pattern is the unsigned int ``value``."""
    float_code, int_code = _codes(width)
    (result,) = struct.unpack("!" + float_code, struct.pack("!" + int_code, value))
    return float(result)


def float_of(x: float, width: int) -> float:
    """``x`` rounded to the nearest ``width``-bit float (raises OverflowError past its range)."""
    return int_to_float(float_to_int(float(x), width), width)


def is_negative(x: float) -> bool:
    """True for negative numbers and for -0.0 (the sign bit, not ``x < 0``)."""
    return math.copysign(1.0, x) < 0


def next_up(value: float, width: int = 64) -> float:
    """IEEE 754 nextUp: the least ``width``-bit float greater than ``value``."""
    if math.isnan(value) or value == math.inf:
        return value
    if value == 0.0:
        # Hypothesis's convention: -0.0 steps up to 0.0, and 0.0 to the smallest subnormal.
        return 0.0 if is_negative(value) else int_to_float(1, width)
    bits = float_to_int(value, width)
    # Away from zero for positives, toward zero for negatives: the magnitude is the low bits.
    return int_to_float(bits + 1 if value > 0 else bits - 1, width)


def next_down(value: float, width: int = 64) -> float:
    """IEEE 754 nextDown: the greatest ``width``-bit float less than ``value``."""
    return -next_up(-value, width)


def next_down_normal(value: float, width: int, *, allow_subnormal: bool) -> float:
    """:func:`next_down`, jumping over the subnormals when they are not allowed."""
    value = next_down(value, width)
    if not allow_subnormal and 0 < abs(value) < _SMALLEST_NORMAL[width]:
        return 0.0 if value > 0 else -_SMALLEST_NORMAL[width]
    return value


def next_up_normal(value: float, width: int, *, allow_subnormal: bool) -> float:
    """:func:`next_up`, jumping over the subnormals when they are not allowed."""
    return -next_down_normal(-value, width, allow_subnormal=allow_subnormal)


def count_between_floats(x: float, y: float, width: int = 64) -> int:
    """How many ``width``-bit floats lie in ``[x, y]``, counting -0.0 and 0.0 apart."""
    if x > y:
        raise ValueError(f"count_between_floats needs x <= y, got {x!r} > {y!r}")
    if is_negative(x) and not is_negative(y):
        return count_between_floats(x, -0.0, width) + count_between_floats(0.0, y, width)
    low, high = float_to_int(x, width), float_to_int(y, width)
    # Negative patterns grow with the magnitude, so their order is reversed.
    return abs(high - low) + 1


def cathetus(h: float, a: float) -> float:
    """The other side of a right triangle with hypotenuse ``h`` and side ``a``.

    ``sqrt(h*h - a*a)`` computed without the intermediate squares, which overflow for
    large and underflow for small arguments; non-finite inputs follow C99 ``hypot``'s lead.
    """
    if math.isnan(h):
        return math.nan
    if math.isinf(h):
        return math.nan if math.isinf(a) else math.inf
    h, a = abs(h), abs(a)
    if math.isnan(a) or a > h:
        return math.nan
    if _SQRT_MIN <= h <= _SQRT_MAX:
        side = math.sqrt((h - a) * (h + a))  # one rounding; the product cannot over- or underflow
    elif h > sys.float_info.max / 2:
        # h + a could overflow: halve both before adding.
        side = math.sqrt(h - a) * math.sqrt(h / 2 + a / 2) * math.sqrt(2)
    else:
        side = math.sqrt(h - a) * math.sqrt(h + a)
    return min(side, h)


def install() -> None:
    """Register this module as ``hypothesis._native`` and its submodules, before Hypothesis is imported."""
    me = sys.modules[__name__]
    package = types.ModuleType("hypothesis._native")
    internal = types.ModuleType("hypothesis._native.internal")
    package.__version__ = importlib.metadata.version("hypothesis")  # type: ignore[attr-defined]
    package.internal = internal  # type: ignore[attr-defined]
    internal.floats = me  # type: ignore[attr-defined]
    internal.cathetus = me  # type: ignore[attr-defined]
    sys.modules.update(
        {
            "hypothesis._native": package,
            "hypothesis._native.internal": internal,
            "hypothesis._native.internal.floats": me,
            "hypothesis._native.internal.cathetus": me,
        }
    )
