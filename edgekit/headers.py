"""HTTP header lists with Fetch ``Headers`` semantics.

A :class:`Headers` keeps the header list the way the Fetch standard does: an ordered
list of ``(name, value)`` pairs where names are compared case-insensitively and a
name may repeat.  Names are stored lowercased (HTTP/2 and HTTP/3 require that on the
wire anyway), values as given after trimming.

Reading follows the JavaScript class: :meth:`Headers.get` joins repeated values with
``", "``, iteration is sorted by name and combined, except ``set-cookie`` whose values
stay separate (see :meth:`Headers.get_set_cookie`).  ``cookie`` values are joined with
``"; "`` as undici does, because that is the separator a cookie parser expects.

Errors: an invalid name or value raises :class:`ValueError` naming the header; a
value that is not a ``str`` raises :class:`TypeError`; changing the immutable headers
of ``Response.error()`` or ``Response.redirect()`` raises :class:`TypeError`.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping
    from typing import Any, Union

    HeadersInit = Union["Headers", Mapping[str, str], Iterable["tuple[str, str] | list[str]"]]

# RFC 9110 tchar: the characters an HTTP token (a header name, a method) may hold.
TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_HTTP_WHITESPACE = " \t\r\n"

# Validating and lowercasing a name costs more than a dict lookup, and servers see the
# same few dozen names over and over: remember the valid ones (bounded, so hostile
# clients sending random names cannot grow it without limit).
_valid_names: dict[str, str] = {}
_VALID_NAMES_MAX = 1024


def is_token(text: str) -> bool:
    """Whether ``text`` is a non-empty HTTP token (RFC 9110 ``1*tchar``)."""
    return bool(text) and not text.strip(TOKEN_CHARS)


def _name_key(name: str) -> str:
    """The lowercase form of a valid header name; raises for an invalid one."""
    key = _valid_names.get(name)
    if key is not None:
        return key
    if type(name) is not str:
        raise TypeError(f"header name must be str, not {type(name).__name__}")
    if not is_token(name):
        raise ValueError(f"invalid header name {name!r}")
    key = name.lower()
    if len(_valid_names) < _VALID_NAMES_MAX:
        _valid_names[name] = key
    return key


def _normalize_value(name: str, value: str) -> str:
    """``value`` trimmed of HTTP whitespace; raises when it cannot go on the wire."""
    if type(value) is not str:
        if not isinstance(value, str):
            raise TypeError(f"value of header {name!r} must be str, not {type(value).__name__}")
        value = str(value)
    value = value.strip(_HTTP_WHITESPACE)
    if "\r" in value or "\n" in value or "\0" in value:
        raise ValueError(f"invalid value for header {name!r}: CR, LF and NUL are not allowed")
    if not value.isascii() and max(value) > "\xff":
        raise ValueError(f"invalid value for header {name!r}: characters above U+00FF are not allowed")
    return value


class Headers:
    """An ordered, case-insensitive, multi-valued HTTP header list (Fetch ``Headers``).

    ``init`` may be ``None``, another :class:`Headers` (copied), a mapping of names to
    values, or an iterable of ``(name, value)`` pairs.  Every name and value is
    validated; a failing init raises and creates nothing.
    """

    __slots__ = ("_list", "_immutable")

    def __init__(self, init: HeadersInit | None = None) -> None:
        self._immutable = False
        if init is None:
            self._list: list[tuple[str, str]] = []
        elif isinstance(init, Headers):
            self._list = init._list.copy()
        else:
            self._list = _validated_pairs(init)

    @classmethod
    def _trusted(cls, pairs: list[tuple[str, str]], immutable: bool = False) -> Headers:
        """Adopt ``pairs`` without validating or copying them.

        For runtime adapters and the framework's own known-good headers: every name
        must already be a lowercase token and every value trimmed and valid, and the
        caller must not keep using the list.  ``immutable`` makes every change raise
        TypeError (the headers of ``Response.error()`` and ``Response.redirect()``).
        """
        headers = cls.__new__(cls)
        headers._list = pairs
        headers._immutable = immutable
        return headers

    @classmethod
    def _deferred(
        cls,
        make: Callable[[Any], list[tuple[str, str]]],
        source: Any,
        lookup: Callable[[Any, str], str | None] | None = None,
    ) -> Headers:
        """Trusted pairs (as for :meth:`_trusted`) made by ``make(source)`` when first needed.

        For runtime adapters whose conversion costs per header (decoding bytes, calls into
        JavaScript) on requests whose handlers may never read one. ``lookup(source, name)``,
        when given, answers :meth:`get` and :meth:`has` for one lowercase name while the
        pairs are not made yet: what ``get`` would return, so a handler that reads a
        header or two never pays for converting them all.
        """
        headers: _DeferredHeaders
        if lookup is None:
            headers = _DeferredHeaders.__new__(_DeferredHeaders)
        else:
            # Only a source with a lookup pays for the get/has that ask it first.
            headers = looked_up = _LookupHeaders.__new__(_LookupHeaders)
            looked_up._lookup = lookup
        headers._make = make
        headers._source = source
        headers._immutable = False
        return headers

    @property
    def immutable(self) -> bool:
        """Whether changes are refused (TypeError), as for ``Response.redirect()``'s headers."""
        return self._immutable

    def _check_mutable(self) -> None:
        if self._immutable:
            raise TypeError("these headers are immutable")

    def get(self, name: str) -> str | None:
        """The value of ``name`` (values of a repeated name joined by ``", "``), or None."""
        key = _name_key(name)
        values = [v for n, v in self._list if n == key]
        if not values:
            return None
        if len(values) == 1:
            return values[0]
        return ("; " if key == "cookie" else ", ").join(values)

    def get_all(self, name: str) -> list[str]:
        """Every value of ``name`` separately, in the order they were added."""
        key = _name_key(name)
        return [v for n, v in self._list if n == key]

    def get_set_cookie(self) -> list[str]:
        """The ``Set-Cookie`` values, one per cookie (JavaScript ``getSetCookie()``)."""
        return [v for n, v in self._list if n == "set-cookie"]

    def has(self, name: str) -> bool:
        """Whether at least one value of ``name`` is present."""
        key = _name_key(name)
        for n, _ in self._list:
            if n == key:
                return True
        return False

    __contains__ = has

    def set(self, name: str, value: str) -> None:
        """Replace every value of ``name`` by ``value``, keeping the first one's position."""
        self._check_mutable()
        key = _name_key(name)
        value = _normalize_value(name, value)
        pairs = self._list
        for i, (n, _) in enumerate(pairs):
            if n == key:
                pairs[i] = (key, value)
                self._list = pairs[: i + 1] + [p for p in pairs[i + 1 :] if p[0] != key]
                return
        pairs.append((key, value))

    def append(self, name: str, value: str) -> None:
        """Add ``value`` to ``name``, after any values it already has."""
        self._check_mutable()
        self._list.append((_name_key(name), _normalize_value(name, value)))

    def delete(self, name: str) -> None:
        """Remove every value of ``name``; a missing name is not an error."""
        self._check_mutable()
        key = _name_key(name)
        self._list = [p for p in self._list if p[0] != key]

    def items(self) -> list[tuple[str, str]]:
        """``(name, value)`` pairs in Fetch iteration order.

        Lowercase names sorted by code unit, each name once with its values combined,
        except ``set-cookie``, which gives one pair per value in insertion order.
        """
        grouped: dict[str, list[str]] = {}
        for n, v in self._list:
            values = grouped.get(n)
            if values is None:
                grouped[n] = [v]
            else:
                values.append(v)
        result: list[tuple[str, str]] = []
        for n in sorted(grouped):
            values = grouped[n]
            if n == "set-cookie":
                result.extend((n, v) for v in values)
            elif len(values) == 1:
                result.append((n, values[0]))
            else:
                result.append((n, ("; " if n == "cookie" else ", ").join(values)))
        return result

    def keys(self) -> list[str]:
        """The names of :meth:`items`, in the same order."""
        return [n for n, _ in self.items()]

    def values(self) -> list[str]:
        """The values of :meth:`items`, in the same order."""
        return [v for _, v in self.items()]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        """Iterate over :meth:`items`, as JavaScript iterates a ``Headers``."""
        return iter(self.items())

    def raw_items(self) -> list[tuple[str, str]]:
        """The stored ``(lowercase name, value)`` pairs in insertion order, uncombined.

        What a runtime adapter writes on the wire: repeated names (several
        ``Set-Cookie``) stay separate lines.
        """
        return self._list.copy()

    def copy(self) -> Headers:
        """A mutable copy."""
        return Headers._trusted(self._list.copy())

    def __repr__(self) -> str:
        return f"Headers({self._list!r})"


def _validated_pairs(init: object) -> list[tuple[str, str]]:
    """The header list described by a mapping or an iterable of pairs, validated."""
    if isinstance(init, (str, bytes)):
        raise TypeError("headers init must be a mapping or pairs, not a string")
    items = getattr(init, "items", None)
    if callable(items):
        source = items()
    else:
        try:
            source = iter(init)  # type: ignore[call-overload]
        except TypeError:
            raise TypeError(f"headers init must be a mapping or pairs, not {type(init).__name__}") from None
    pairs = []
    for pair in source:
        if isinstance(pair, (str, bytes)):
            raise TypeError(f"a header must be a (name, value) pair, not {pair!r}")
        try:
            name, value = pair
        except (TypeError, ValueError):
            raise ValueError(f"a header must be a (name, value) pair, got {pair!r}") from None
        pairs.append((_name_key(name), _normalize_value(name, value)))
    return pairs


class _DeferredHeaders(Headers):
    """Headers whose pair list is built on first use (see :meth:`Headers._deferred`)."""

    __slots__ = ("_make", "_source")

    _make: Callable[[Any], list[tuple[str, str]]]
    _source: Any

    def __getattr__(self, name: str) -> Any:
        # Python asks here only for attributes it did not find: the ``_list`` slot until it is set.
        if name != "_list":
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        pairs = self._list = self._make(self._source)
        self._source = None
        return pairs


class _LookupHeaders(_DeferredHeaders):
    """Deferred headers whose single-name reads ask the source while the pairs are not made."""

    __slots__ = ("_lookup",)

    _lookup: Callable[[Any, str], str | None]

    def get(self, name: str) -> str | None:
        # Cookie never goes to the lookup: get() joins repeated Cookie lines with "; ",
        # where a source such as JavaScript's Headers joins them with ", ".
        if self._source is not None:
            key = _name_key(name)
            if key != "cookie":
                return self._lookup(self._source, key)
        return super().get(name)

    def has(self, name: str) -> bool:
        if self._source is not None:
            return self._lookup(self._source, _name_key(name)) is not None
        return super().has(name)

    __contains__ = has
