"""Content negotiation: pick what to send from what the client accepts.

```python
from edgekit.helpers.accepts import accepts

kind = accepts(c, supports=["application/json", "text/html"], default="application/json")
lang = accepts(c, header="Accept-Language", supports=["en", "fr"], default="en")
enc = accepts(c, header="Accept-Encoding", supports=["br", "gzip"], default="identity")
```

Each entry of the header may carry a quality (``;q=0.8``, 1 when absent). A supported
value is scored by the most specific entry that matches it: an exact match beats a
prefix (``text/*``; for languages, ``en`` matching ``en-GB``), which beats ``*`` or
``*/*``; so ``text/*;q=0, text/html`` accepts HTML only. The value with the highest
quality wins; ties go to the more specific match, then to the entry written first in
the header, then to the order of ``supports``. ``q=0`` means "not acceptable". Entries
that are malformed (an empty value, a bad or out-of-range quality, a media type without
``/``) are skipped, never an error. Parameters other than ``q`` are ignored.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..context import Context

    # (value lower-cased, quality, position in the header)
    Entry = tuple[str, float, int]

_QVALUE_CHARS = frozenset("0123456789.")


def parse_accept(header: str, media: bool = False) -> list[Entry]:
    """The well-formed entries of an Accept-style header, in header order.

    With ``media=True`` (the Accept header) a value must be ``type/subtype``,
    where ``*/subtype`` is refused as RFC 9110 has no such range.
    """
    entries: list[Entry] = []
    for position, part in enumerate(header.split(",")):
        value, _, params = part.partition(";")
        value = value.strip().lower()
        if not value or " " in value:
            continue
        if media:
            kind, slash, sub = value.partition("/")
            if not slash or not kind or not sub or "/" in sub or (kind == "*" and sub != "*"):
                continue
        quality = _quality(params)
        if quality is None:
            continue
        entries.append((value, quality, position))
    return entries


def _quality(params: str) -> float | None:
    """The ``q`` parameter (1.0 when absent); None when it is malformed."""
    for param in params.split(";"):
        name, eq, value = param.partition("=")
        if name.strip().lower() != "q":
            continue
        value = value.strip()
        # RFC 9110: "0" or "1" followed by up to three decimals; nothing else is a qvalue.
        if not eq or not value or len(value) > 5 or not set(value) <= _QVALUE_CHARS or value.count(".") > 1:
            return None
        try:
            quality = float(value)
        except ValueError:
            return None
        return quality if 0.0 <= quality <= 1.0 else None
    return 1.0


def _specificity(entry: str, option: str, media: bool) -> int:
    """How specifically ``entry`` matches ``option``: 3 exact, 2 prefix, 1 wildcard, 0 no match."""
    if entry == option:
        return 3
    if entry in ("*", "*/*"):
        return 1
    if media:
        kind, _, sub = entry.partition("/")
        return 2 if sub == "*" and option.partition("/")[0] == kind else 0
    # Language ranges (RFC 4647 basic filtering): "en" matches "en-gb".
    return 2 if option.startswith(entry + "-") else 0


def negotiate(header: str | None, supports: Sequence[str], media: bool = False) -> str | None:
    """The best of ``supports`` for ``header``; None when nothing is acceptable."""
    if header is None:
        return None
    entries = parse_accept(header, media)
    best: tuple[float, int, int, int] | None = None
    chosen: str | None = None
    for index, option in enumerate(supports):
        wanted = option.strip().lower()
        match: tuple[int, float, int] | None = None
        for value, quality, position in entries:
            specificity = _specificity(value, wanted, media)
            if specificity and (match is None or specificity > match[0]):
                match = (specificity, quality, position)
        if match is None or match[1] <= 0.0:
            continue
        # Larger is better on every component, so the order is a plain tuple comparison.
        score = (match[1], match[0], -match[2], -index)
        if best is None or score > best:
            best, chosen = score, option
    return chosen


def accepts(
    c: Context,
    header: str = "Accept",
    supports: Sequence[str] = (),
    default: str | None = None,
) -> str | None:
    """The entry of ``supports`` the request's ``header`` prefers, or ``default``.

    Without the header at all, anything is acceptable: ``default`` is returned
    if given, else the first of ``supports``. With the header, ``default`` is
    returned when none of ``supports`` is acceptable.
    """
    if isinstance(supports, str):
        raise TypeError("supports must be a list of values, not a str")
    value = c.req.header(header)
    if value is None:
        return default if default is not None else (supports[0] if supports else None)
    chosen = negotiate(value, supports, media=header.lower() == "accept")
    return default if chosen is None else chosen
