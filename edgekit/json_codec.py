"""JSON in and out, byte for byte like JavaScript, with or without msgspec.

:func:`dumps` writes what ``JSON.stringify`` writes for the same data: compact,
non-ASCII and U+2028/U+2029 raw, ``< > & '`` unescaped, numbers in JavaScript's
format (``1e+21``, ``1e-7``, ``1.0`` as ``1``, ``-0.0`` as ``0``, NaN and infinities as
``null``) and lone surrogates escaped (``\\ud800``).  Python integers are written
exactly, also beyond 2**53.  What it accepts is the same on every path: ``dict``
(``str`` or ``int`` keys), ``list``, ``tuple``, ``str``, ``int``, ``float``, ``bool``,
``None`` and their subclasses; anything else raises :class:`TypeError`.

:func:`loads` parses strict JSON: ``NaN``, ``Infinity``, trailing commas and trailing
garbage raise :class:`ValueError` (``json.JSONDecodeError`` for syntax errors); a
duplicate key keeps the last value.

msgspec is used when it can be imported (it is imported on the first call, not at
import time) and the standard library otherwise; both give identical results, and
where msgspec's output or verdict would differ the standard library decides.  Set
the environment variable ``EDGEKIT_JSON=stdlib`` (read on first use) or call
``use_stdlib(True)`` to force the standard-library path, e.g. in tests.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    _Backend = tuple[Callable[[Any], bytes], Callable[[Any], Any], type, Callable[[bytes], Any]]

# (encode, decode, Raw, checking decode) from msgspec, False when the stdlib path is in use,
# None before the first call decides.
_msgspec: _Backend | bool | None = None


def use_stdlib(enabled: bool = True) -> None:
    """Force (``True``) or stop forcing (``False``) the standard-library path."""
    global _msgspec
    _msgspec = False if enabled else None


def _backend() -> _Backend | bool:
    global _msgspec
    if _msgspec is None:
        _msgspec = False
        if os.environ.get("EDGEKIT_JSON", "").lower() != "stdlib":
            try:
                import msgspec
            except ImportError:
                pass
            else:
                checking = msgspec.json.Decoder(float_hook=_float_as_javascript_writes_it).decode
                _msgspec = (msgspec.json.Encoder().encode, msgspec.json.Decoder().decode, msgspec.Raw, checking)
    return _msgspec


def format_number(x: float) -> str:
    """A float as JavaScript's ``Number.prototype.toString`` writes it (NaN/inf -> null)."""
    if x != x or x in (_INF, -_INF):
        return "null"
    if x == 0:
        return "0"
    text = repr(x)
    sign = ""
    if text[0] == "-":
        sign, text = "-", text[1:]
    mantissa, _, exponent = text.partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    stripped = digits.lstrip("0")
    # The value is 0.<digits> * 10**point, digits without leading or trailing zeros.
    point = len(whole) - (len(digits) - len(stripped)) + int(exponent or 0)
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= point <= 21:
        out = digits + "0" * (point - k)
    elif 0 < point <= 21:
        out = digits[:point] + "." + digits[point:]
    elif -6 < point <= 0:
        out = "0." + "0" * -point + digits
    else:
        e = point - 1
        exp = ("e+" if e >= 0 else "e-") + str(abs(e))
        out = digits + exp if k == 1 else digits[0] + "." + digits[1:] + exp
    return sign + out


_INF = float("inf")


def _plain_float(x: float) -> bool:
    """Whether Python (and msgspec) already write ``x`` as JavaScript does.

    Non-integral values from 1e-4 to 1e16 are written in fixed notation with the
    shortest round-tripping digits by both; outside that range, integral values
    (``1.0``), NaN and the infinities need :func:`format_number`.
    """
    return 1e-4 <= abs(x) < 1e16 and x != int(x)


def _scan(obj: object) -> bool:
    """Whether ``obj`` holds a float that needs JavaScript formatting; raises TypeError
    for what JSON cannot carry.

    Checking before encoding is what makes every path accept exactly the same input
    (msgspec alone would also take sets, dataclasses, datetimes...).
    """
    t = type(obj)
    if t is str or t is int or t is bool or obj is None:
        return False
    if t is float:
        return not _plain_float(obj)  # type: ignore[arg-type]
    if t is dict or isinstance(obj, dict):
        _check_keys(obj)  # type: ignore[arg-type]
        items = obj.values()  # type: ignore[attr-defined]
    elif t is list or t is tuple or isinstance(obj, (list, tuple)):
        items = obj
    elif isinstance(obj, (str, int)):
        return False
    elif isinstance(obj, float):
        return not _plain_float(obj)
    else:
        raise _not_serializable(obj)
    has_float = False
    for item in items:
        it = type(item)
        if it is str or it is int or it is bool or item is None:
            continue
        if it is float:
            if not _plain_float(item):
                has_float = True
        elif _scan(item):
            has_float = True
    return has_float


def _check_keys(obj: dict[Any, Any]) -> None:
    for key in obj:
        if type(key) is not str and (not isinstance(key, (str, int)) or isinstance(key, bool)):
            raise TypeError(f"keys must be str or int, not {type(key).__name__}")


def _not_serializable(obj: object) -> TypeError:
    return TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


# Types written the same by msgspec and JavaScript, told apart without a call.
_LEAVES = frozenset({str, int, bool, type(None)})


def _with_javascript_floats(obj: Any, raw: type) -> Any:
    """``obj`` where each float that needs JavaScript formatting is msgspec Raw text of it.

    Raises TypeError for what JSON cannot carry, as :func:`_scan` does. Other floats stay
    (msgspec writes them as JavaScript does), and a container that holds no float to
    redo is returned as it is: only the containers on the way to one are copied.
    """
    if type(obj) in _LEAVES:
        return obj
    if isinstance(obj, float):
        return obj if _plain_float(obj) else raw(format_number(obj).encode("ascii"))
    pairs: Any
    if isinstance(obj, dict):
        _check_keys(obj)
        pairs = obj.items()
    elif isinstance(obj, (list, tuple)):
        pairs = enumerate(obj)
    elif isinstance(obj, (str, int)):
        return obj
    else:
        raise _not_serializable(obj)
    copy: Any = None
    for key, value in pairs:
        new = value if type(value) in _LEAVES else _with_javascript_floats(value, raw)
        if new is not value:
            if copy is None:
                copy = dict(obj) if isinstance(obj, dict) else list(obj)
            copy[key] = new
    return obj if copy is None else copy


def _encode_py(obj: Any, out: list[str], encode_str: Callable[[str], str]) -> None:
    """Write ``obj`` as JSON text into ``out`` (the stdlib path when floats need formatting)."""
    if isinstance(obj, str):
        out.append(encode_str(obj))
    elif obj is None:
        out.append("null")
    elif obj is True:
        out.append("true")
    elif obj is False:
        out.append("false")
    elif isinstance(obj, int):
        out.append(int.__repr__(obj))
    elif isinstance(obj, float):
        out.append(format_number(obj))
    elif isinstance(obj, dict):
        out.append("{")
        first = True
        for key, value in obj.items():
            if not first:
                out.append(",")
            first = False
            out.append(encode_str(key if isinstance(key, str) else int.__repr__(key)))
            out.append(":")
            _encode_py(value, out, encode_str)
        out.append("}")
    else:
        out.append("[")
        first = True
        for item in obj:
            if not first:
                out.append(",")
            first = False
            _encode_py(item, out, encode_str)
        out.append("]")


_stdlib: tuple[Callable[[Any], str], Callable[[str], Any]] | None = None


def _stdlib_codec() -> tuple[Callable[[Any], str], Callable[[str], Any]]:
    """The stdlib's encode and decode functions, made once.

    ``json.dumps`` with options builds an encoder on every call, and even a kept
    JSONEncoder builds its C iterator per call: keep the C iterator itself (without
    circular-reference markers: :func:`_scan` has walked the data already).
    """
    global _stdlib
    if _stdlib is None:
        import json
        import json.encoder

        encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
        encode: Callable[[Any], str] = encoder.encode
        # The C accelerator of the json module; None where _json is missing.
        make_chunks = getattr(json.encoder, "c_make_encoder", None)
        if make_chunks is not None:
            chunks = make_chunks(
                None, encoder.default, json.encoder.encode_basestring, None, ":", ",", False, False, True
            )

            def encode_with_c(obj: Any) -> str:
                return "".join(chunks(obj, 0))

            encode = encode_with_c
        _stdlib = (encode, json.JSONDecoder(parse_constant=_reject_constant).decode)
    return _stdlib


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid JSON: {name} is not a JSON value")


def dumps(obj: Any) -> bytes:
    """``obj`` as compact UTF-8 JSON, exactly as JavaScript's ``JSON.stringify`` writes it."""
    backend = _msgspec if _msgspec is not None else _backend()
    if backend:
        encoded, exact = _msgspec_encoding(obj, backend)  # type: ignore[arg-type]
        if exact:
            return encoded  # type: ignore[return-value]
        if encoded is not None:
            # msgspec took the value: the walk refuses what JSON cannot carry and redoes the
            # floats msgspec writes unlike JavaScript.
            fixed = _with_javascript_floats(obj, backend[2])  # type: ignore[index]
            return encoded if fixed is obj else backend[0](fixed)  # type: ignore[index]
    has_float = _scan(obj)  # raises TypeError for what JSON cannot carry
    if has_float:
        from json.encoder import encode_basestring

        out: list[str] = []
        _encode_py(obj, out, encode_basestring)
        text = "".join(out)
    else:
        text = _stdlib_codec()[0](obj)
    # A lone surrogate (which msgspec refuses) can only stand inside a string, where
    # "\udXXX" is its JSON escape.
    return text.encode("utf-8", "backslashreplace")


def _msgspec_encoding(obj: Any, backend: _Backend) -> tuple[bytes | None, bool]:
    """msgspec's encoding of ``obj`` (None when it refuses it) and whether it is provably exact.

    A few C calls (plus one Python call per float) instead of :func:`_scan`'s walk in
    Python. msgspec also encodes types JSON has no place for (sets, tuples, datetimes,
    dataclasses, bytes...) and writes some floats unlike JavaScript (``1.0``, ``1e16``);
    its output is exact when reading it back gives a value equal to ``obj``, with every
    float read by :func:`_float_as_javascript_writes_it`. So every value was plain JSON
    (the others come back as lists, strings or dicts; NaN, written as null, is not equal
    to itself) and no float needs JavaScript's formatting.
    """
    encode, _, _, checking_decode = backend
    try:
        out = encode(obj)
    except Exception:  # noqa: BLE001 - whatever msgspec refuses (a lone surrogate...): the exact path decides
        return None, False
    try:
        return out, checking_decode(out) == obj
    except Exception:  # noqa: BLE001 - a Raw it cannot read back, a value whose == raises: not proven
        return out, False


class _Unequal:
    """Stands for a float msgspec wrote unlike JavaScript: equal to nothing."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = None  # type: ignore[assignment]


_UNEQUAL = _Unequal()


def _float_as_javascript_writes_it(text: str) -> float | _Unequal:
    """A float msgspec wrote, if JavaScript writes it the same way (no exponent, not integral)."""
    if "e" in text or text[-2:] == ".0":
        return _UNEQUAL
    return float(text)


def loads(data: bytes | str) -> Any:
    """Parse strict JSON text (``bytes`` must be UTF-8); raises ValueError when it is not JSON.

    Arrays and objects may nest :data:`MAX_DEPTH` levels deep.
    """
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if _nested_too_deeply(data):
        raise ValueError(f"invalid JSON: nested more than {MAX_DEPTH} levels deep")
    backend = _msgspec if _msgspec is not None else _backend()
    if backend:
        try:
            return backend[1](data)  # type: ignore[index]
        except Exception:  # noqa: BLE001 - msgspec's verdict is not final: the stdlib decides below
            pass
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    return _stdlib_codec()[1](data)


MAX_DEPTH = 500
"""How deeply :func:`loads` lets arrays and objects nest.

The stdlib parser recurses per level: CPython refuses past its recursion limit (about
1,000 levels), but in Pyodide a few thousand levels overflow the JavaScript stack and
abort the whole runtime instead of raising RecursionError, so one request body of
brackets would take a Worker's isolate down.  One limit, below both, on every path.
"""


def _nested_too_deeply(data: bytes | str) -> bool:
    if isinstance(data, bytes):
        if data.count(b"[") + data.count(b"{") <= MAX_DEPTH:
            return False
        text = data.decode("utf-8", "replace")
    else:
        text = data
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    import itertools
    import re

    # Brackets inside strings do not nest: drop the strings, keep the brackets, and take
    # the deepest running sum, every step in C.
    brackets = re.sub(r"[^\[\]{}]+", "", re.sub(r'"(?:[^"\\]|\\.)*"', "", text))
    steps = map({"[": 1, "{": 1, "]": -1, "}": -1}.__getitem__, brackets)
    return max(itertools.accumulate(steps), default=0) > MAX_DEPTH
