"""WHATWG URLs, ``application/x-www-form-urlencoded`` data and path decoding for routing.

:class:`URL` parses like the URL Standard (what browsers, Node's ada and workerd do):
dot segments are removed (``%2e`` too), ``\\`` is ``/`` in special URLs, each part is
percent-encoded with its own set, default ports vanish, hosts are lowercased, IPv4
number forms and IPv6 are normalised, IDN labels become punycode.  Existing escapes
are never decoded or re-cased.  An input that is not a valid URL raises
``ValueError("Invalid URL: ...")``.

URLs that are already in serialised form (what a runtime hands a server, e.g.
``http://localhost/users/42?x=1``) are recognised with plain string operations and
split without running the parser: see :func:`split_serialized`.

Routing helpers: :func:`decode_uri_path` (Hono's ``getPath`` decoding),
:func:`decode_uri_component` (path parameters) and :func:`parse_query` (query strings);
none of them ever raises on a malformed escape.

Internationalised hosts are mapped with the standard library (NFKC, lowercase, punycode,
the bidi and joiner rules), imported on first use (``unicodedata``,
``encodings.punycode``): close to UTS #46 for real-world names, without its full
mapping table.  Where ada 2.9 strays from the standard (it drops an empty query when
resolving ``#f`` or ``""`` against ``http://x/?``, resolves paths against some opaque
bases, treats ``/x:...`` file paths as drive letters, and ends non-special paths with
``..`` as empty), this follows the standard.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping
    from re import Pattern as CompiledRegex
    from typing import Any, Union

    SearchParamsInit = Union[str, "URLSearchParams", Mapping[str, str], Iterable["tuple[str, str] | list[str]"]]

_SPECIAL_PORTS: dict[str, int | None] = {"ftp": 21, "file": None, "http": 80, "https": 443, "ws": 80, "wss": 443}

_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_PRINTABLE = "".join(map(chr, range(0x20, 0x7F)))


def _without(chars: str) -> str:
    """The printable ASCII characters except ``chars``: what a percent-encode set keeps."""
    return _PRINTABLE.translate(str.maketrans("", "", chars))


# Characters each percent-encode set of the URL Standard leaves alone (C0 controls,
# DEL and non-ASCII are always encoded).  ada, which the corpus was recorded with, does
# not yet encode "^" in paths.
_C0_SAFE = _without("")
_FRAGMENT_SAFE = _without(' "<>`')
_QUERY_SAFE = _without(' "#<>')
_SPECIAL_QUERY_SAFE = _without(" \"#<>'")
_PATH_SAFE = _without(' "#<>?`{}')
_USERINFO_SAFE = _without(' "#<>?`{}/:;=@[\\]^|')
_FORM_SAFE = _ALNUM + "*-._"

_FORBIDDEN_HOST = "\0\t\n\r #/:<>?@[\\]^|"
_FORBIDDEN_DOMAIN = _FORBIDDEN_HOST + "%\x7f" + "".join(map(chr, range(0x20)))
_HEX_DIGITS = "0123456789abcdefABCDEF"
_DIGITS = "0123456789"


def percent_encode(text: str, safe: str) -> str:
    """``text`` with each character outside ``safe`` written as %XX escapes of its UTF-8."""
    if text.isascii() and not text.strip(safe):
        return text
    out = []
    for c in text:
        if c in safe:
            out.append(c)
        else:
            out.extend(f"%{b:02X}" for b in encode_utf8(c))
    return "".join(out)


def encode_utf8(text: str) -> bytes:
    """UTF-8 of ``text``; a lone surrogate (not a scalar value) becomes U+FFFD, as in Fetch."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text).encode("utf-8")


_hex_values: dict[str, int] = {}


def _hex_table() -> dict[str, int]:
    """Two hex digits (any letter case) -> byte value, built on first use."""
    if not _hex_values:
        for i in range(256):
            lo = f"{i:02x}"
            for key in {lo, lo.upper(), lo[0] + lo[1].upper(), lo[0].upper() + lo[1]}:
                _hex_values[key] = i
    return _hex_values


def _percent_decode(text: str) -> bytes:
    """The bytes of ``text`` (UTF-8) with valid %XX escapes decoded; others kept as written."""
    pieces = text.split("%")
    out = bytearray(encode_utf8(pieces[0]))
    table = _hex_table()
    for piece in pieces[1:]:
        value = table.get(piece[:2])
        if value is None:
            out += b"%"
            out += encode_utf8(piece)
        else:
            out.append(value)
            out += encode_utf8(piece[2:])
    return bytes(out)


def _decode_escape_runs(text: str, keep: str) -> str:
    """Decode each run of consecutive %XX escapes that is valid UTF-8, like JS decodeURI*.

    A run that is not valid UTF-8 stays exactly as written (JS would throw for the
    whole string); an escape of a character in ``keep`` stays as written too.
    """
    pieces = text.split("%")
    out = [pieces[0]]
    table = _hex_table()
    run = bytearray()
    run_hex: list[str] = []

    def flush() -> None:
        if not run:
            return
        try:
            decoded = run.decode("utf-8")
        except UnicodeDecodeError:
            out.append("".join("%" + h for h in run_hex))
        else:
            if keep:
                offset = 0
                for c in decoded:
                    out.append("%" + run_hex[offset] if c in keep else c)
                    offset += len(c.encode("utf-8"))
            else:
                out.append(decoded)
        run.clear()
        run_hex.clear()

    for piece in pieces[1:]:
        value = table.get(piece[:2])
        if value is None:
            flush()
            out.append("%" + piece)
            continue
        run.append(value)
        run_hex.append(piece[:2])
        if len(piece) > 2:
            flush()
            out.append(piece[2:])
    flush()
    return "".join(out)


_URI_RESERVED = ";/?:@&=+$,#%"


def decode_uri_path(path: str) -> str:
    """Decode a URL path for routing, as Hono's ``getPath`` does.

    Runs of %XX escapes are decoded like JavaScript's ``decodeURI``: the escapes of
    ``; / ? : @ & = + $ , #`` and of ``%`` itself stay as written (so ``%2F`` never
    becomes a segment separator), a run that is not valid UTF-8 stays as written,
    and nothing ever raises.  ``/users/%C3%A9`` -> ``/users/é``.
    """
    if "%" not in path:
        return path
    return _decode_escape_runs(path, _URI_RESERVED)


def decode_uri_component(value: str) -> str:
    """Decode every run of %XX escapes that is valid UTF-8 (JS ``decodeURIComponent``).

    Used for path parameters: ``a%2Fb`` -> ``a/b``, ``%25`` -> ``%``.  A run that is
    not valid UTF-8 (``%zz``, ``%C3``) stays exactly as written; nothing ever raises.
    """
    if "%" not in value:
        return value
    return _decode_escape_runs(value, "")


def _form_decode(text: str) -> str:
    """One name or value of ``application/x-www-form-urlencoded`` data, decoded."""
    if "+" in text:
        text = text.replace("+", " ")
    if "%" not in text:
        return text
    return _percent_decode(text).decode("utf-8", "replace")


def parse_query(query: str) -> list[tuple[str, str]]:
    """Parse ``application/x-www-form-urlencoded`` text (a query without its ``?``).

    ``+`` is a space, escapes are decoded as UTF-8 (invalid bytes become U+FFFD,
    malformed escapes stay as written), empty pieces are skipped and only the first
    ``=`` splits a name from its value.
    """
    pairs = []
    for piece in query.split("&"):
        if piece:
            name, _, value = piece.partition("=")
            pairs.append((_form_decode(name), _form_decode(value)))
    return pairs


def _form_encode(text: str) -> str:
    """``text`` in ``application/x-www-form-urlencoded`` form: space is ``+``."""
    if text.isascii() and not text.strip(_FORM_SAFE):
        return text
    out = []
    for b in encode_utf8(text):
        c = chr(b)
        if c in _FORM_SAFE:
            out.append(c)
        elif b == 0x20:
            out.append("+")
        else:
            out.append(f"%{b:02X}")
    return "".join(out)


def serialize_query(pairs: Iterable[tuple[str, str]]) -> str:
    """Serialise ``(name, value)`` pairs as ``application/x-www-form-urlencoded``."""
    return "&".join(f"{_form_encode(name)}={_form_encode(value)}" for name, value in pairs)


# ---------------------------------------------------------------- hosts


class _Invalid(Exception):
    """Internal: the parser's "failure"; URL turns it into a ValueError."""


def _ipv4_number(text: str) -> int | None:
    """An IPv4 part (decimal, 0x-hex or 0-octal), or None when it is not one."""
    if not text:
        return None
    radix = 10
    if text[:2] in ("0x", "0X"):
        text, radix = text[2:], 16
    elif len(text) > 1 and text[0] == "0":
        text, radix = text[1:], 8
    if not text:
        return 0
    digits = _HEX_DIGITS if radix == 16 else _DIGITS[:radix]
    if text.strip(digits):
        return None
    return int(text, radix)


def _ends_in_number(domain: str) -> bool:
    parts = domain.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    last = parts[-1]
    return (last != "" and not last.strip(_DIGITS)) or _ipv4_number(last) is not None


def _parse_ipv4(domain: str) -> str:
    parts = domain.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    if len(parts) > 4:
        raise _Invalid("IPv4 address with more than four parts")
    numbers = [_ipv4_number(p) for p in parts]
    if None in numbers:
        raise _Invalid("invalid IPv4 address")
    values: list[int] = numbers  # type: ignore[assignment]
    if any(n > 255 for n in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        raise _Invalid("IPv4 address part out of range")
    address = values[-1]
    for i, n in enumerate(values[:-1]):
        address += n * 256 ** (3 - i)
    return ".".join(str((address >> shift) & 255) for shift in (24, 16, 8, 0))


def _parse_ipv6(text: str) -> str:
    """The URL Standard's IPv6 parser and serialiser (``text`` without brackets)."""
    pieces = [0] * 8
    index = 0
    compress = None
    p = 0
    n = len(text)

    def at(i: int) -> str:
        return text[i] if i < n else ""

    if at(0) == ":":
        if at(1) != ":":
            raise _Invalid("IPv6 address starting with a single colon")
        p = 2
        index = compress = 1
    while p < n:
        if index == 8:
            raise _Invalid("IPv6 address with too many pieces")
        if text[p] == ":":
            if compress is not None:
                raise _Invalid("IPv6 address with two '::'")
            p += 1
            index += 1
            compress = index
            continue
        value = length = 0
        while length < 4 and at(p) != "" and at(p) in _HEX_DIGITS:
            value = value * 16 + int(text[p], 16)
            p += 1
            length += 1
        if at(p) == ".":
            if length == 0 or index > 6:
                raise _Invalid("invalid IPv4 part in an IPv6 address")
            p -= length
            seen = 0
            while p < n:
                if seen > 0:
                    if text[p] != "." or seen >= 4:
                        raise _Invalid("invalid IPv4 part in an IPv6 address")
                    p += 1
                if at(p) == "" or at(p) not in _DIGITS:
                    raise _Invalid("invalid IPv4 part in an IPv6 address")
                part = None
                while at(p) != "" and at(p) in _DIGITS:
                    digit = int(text[p])
                    if part is None:
                        part = digit
                    elif part == 0:
                        raise _Invalid("IPv4 part with a leading zero in an IPv6 address")
                    else:
                        part = part * 10 + digit
                    if part > 255:
                        raise _Invalid("IPv4 part out of range in an IPv6 address")
                    p += 1
                pieces[index] = pieces[index] * 256 + (part or 0)
                seen += 1
                if seen in (2, 4):
                    index += 1
            if seen != 4:
                raise _Invalid("IPv4 part of an IPv6 address is too short")
            break
        if at(p) == ":":
            p += 1
            if p == n:
                raise _Invalid("IPv6 address ending in a single colon")
        elif p < n:
            raise _Invalid("invalid character in an IPv6 address")
        pieces[index] = value
        index += 1
    if compress is not None:
        swaps = index - compress
        index = 7
        while index != 0 and swaps > 0:
            j = compress + swaps - 1
            pieces[index], pieces[j] = pieces[j], pieces[index]
            index -= 1
            swaps -= 1
    elif index != 8:
        raise _Invalid("IPv6 address with too few pieces")
    return "[" + _serialize_ipv6(pieces) + "]"


def _serialize_ipv6(pieces: list[int]) -> str:
    best_start, best_len = -1, 1
    i = 0
    while i < 8:
        if pieces[i] == 0:
            j = i
            while j < 8 and pieces[j] == 0:
                j += 1
            if j - i > best_len:
                best_start, best_len = i, j - i
            i = j
        else:
            i += 1
    if best_start < 0:
        return ":".join(f"{x:x}" for x in pieces)
    head = ":".join(f"{x:x}" for x in pieces[:best_start])
    tail = ":".join(f"{x:x}" for x in pieces[best_start + best_len :])
    return head + "::" + tail


# UTS #46 maps these to nothing ("ignored"), and the dot-like ones to "." (label separators).
_DOMAIN_MAP: dict[int, str | None] = dict.fromkeys(map(ord, "\u00ad\u034f\u180b\u180c\u180d\u200b\u2060\ufeff"))
_DOMAIN_MAP.update(dict.fromkeys(range(0xFE00, 0xFE10)))
_DOMAIN_MAP.update({0x3002: ".", 0xFF0E: ".", 0xFF61: "."})
_DISALLOWED_CATEGORIES = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"))
# RFC 5893 (CheckBidi): bidi classes allowed in right-to-left and left-to-right labels.
_RTL_CLASSES = frozenset(("R", "AL", "AN", "EN", "ES", "CS", "ET", "ON", "BN", "NSM"))
_LTR_CLASSES = frozenset(("L", "EN", "ES", "CS", "ET", "ON", "BN", "NSM"))


def _map_label(label: str) -> str:
    """A Unicode label mapped (NFKC, lowercase) and checked like UTS #46 checks it."""
    import unicodedata

    mapped = unicodedata.normalize("NFC", unicodedata.normalize("NFKC", label).lower())
    if mapped and unicodedata.category(mapped[0])[0] == "M":
        raise _Invalid("a host label cannot start with a combining mark")
    for i, c in enumerate(mapped):
        if c in "\u200c\u200d":
            # Joiners are only allowed right after a virama (UTS #46 CheckJoiners).
            if i == 0 or unicodedata.combining(mapped[i - 1]) != 9:
                raise _Invalid("zero-width joiner in a host")
        elif c == "\ufffd" or unicodedata.category(c) in _DISALLOWED_CATEGORIES:
            raise _Invalid(f"character U+{ord(c):04X} is not allowed in a host")
    return mapped


def _check_bidi(labels: list[str]) -> None:
    """RFC 5893's rules, for a domain holding any right-to-left character."""
    import unicodedata

    classes = [[unicodedata.bidirectional(c) for c in label] for label in labels]
    if not any(cls in ("R", "AL", "AN") for label in classes for cls in label):
        return
    for label in classes:
        if not label:
            continue
        trimmed = label[:]
        while trimmed and trimmed[-1] == "NSM":
            trimmed.pop()
        if label[0] in ("R", "AL"):
            valid = (
                all(cls in _RTL_CLASSES for cls in label)
                and bool(trimmed)
                and trimmed[-1] in ("R", "AL", "EN", "AN")
                and not ("EN" in label and "AN" in label)
            )
        else:
            valid = (
                label[0] == "L"
                and all(cls in _LTR_CLASSES for cls in label)
                and bool(trimmed)
                and trimmed[-1] in ("L", "EN")
            )
        if not valid:
            raise _Invalid("a host mixing left-to-right and right-to-left text")


def _domain_to_ascii(domain: str) -> str:
    if domain.isascii():
        domain = domain.lower()
        if "xn--" not in domain:
            return domain
    else:
        domain = domain.translate(_DOMAIN_MAP)
    from encodings import punycode

    unicode_labels = []
    ascii_labels = []
    for label in domain.split("."):
        if not label.isascii():
            label = _map_label(label)
            unicode_labels.append(label)
            if not label.isascii():
                label = "xn--" + punycode.punycode_encode(label).decode("ascii")
            ascii_labels.append(label)
            continue
        label = label.lower()
        ascii_labels.append(label)
        if label.startswith("xn--"):
            try:
                decoded = punycode.punycode_decode(label[4:], "strict")
            except (UnicodeError, ValueError, IndexError):
                raise _Invalid(f"invalid punycode label {label!r}") from None
            if not decoded or _map_label(decoded) != decoded:
                raise _Invalid(f"invalid punycode label {label!r}")
            label = decoded
        unicode_labels.append(label)
    _check_bidi(unicode_labels)
    result = ".".join(ascii_labels)
    if not result:
        raise _Invalid("empty host")
    return result


def _parse_host(text: str, special: bool) -> str:
    """The serialised host of ``text`` (already percent-encoded where it must be)."""
    if text.startswith("["):
        if not text.endswith("]"):
            raise _Invalid("unclosed IPv6 address")
        return _parse_ipv6(text[1:-1])
    if not special:
        if any(c in _FORBIDDEN_HOST for c in text):
            raise _Invalid("forbidden character in a host")
        return percent_encode(text, _C0_SAFE)
    domain = _percent_decode(text).decode("utf-8", "replace") if "%" in text else text
    ascii_domain = _domain_to_ascii(domain)
    if any(c in _FORBIDDEN_DOMAIN for c in ascii_domain):
        raise _Invalid("forbidden character in a host")
    if _ends_in_number(ascii_domain):
        return _parse_ipv4(ascii_domain)
    return ascii_domain


# ---------------------------------------------------------------- the parser

_SINGLE_DOTS = frozenset((".", "%2e", "%2E"))
_DOUBLE_DOTS = frozenset(("..", ".%2e", ".%2E", "%2e.", "%2E.", "%2e%2e", "%2E%2E", "%2e%2E", "%2E%2e"))


def _is_drive_letter(text: str, normalized: bool = False) -> bool:
    return (
        len(text) == 2
        and text[0].isascii()
        and text[0].isalpha()
        and (text[1] == ":" or (not normalized and text[1] == "|"))
    )


def _starts_with_drive_letter(text: str) -> bool:
    return len(text) >= 2 and _is_drive_letter(text[:2]) and (len(text) == 2 or text[2] in "/\\?#")


class _Record:
    """A URL record of the URL Standard, filled in by :func:`_parse`."""

    __slots__ = ("scheme", "username", "password", "host", "port", "path", "opaque", "query", "fragment")

    def __init__(self) -> None:
        self.scheme = ""
        self.username = ""
        self.password = ""
        self.host: str | None = None
        self.port: int | None = None
        self.path: list[str] = []
        self.opaque: str | None = None
        self.query: str | None = None
        self.fragment: str | None = None

    def shorten_path(self) -> None:
        path = self.path
        if self.scheme == "file" and len(path) == 1 and _is_drive_letter(path[0], normalized=True):
            return
        if path:
            path.pop()

    def copy_authority(self, base: _Record) -> None:
        self.username, self.password, self.host, self.port = base.username, base.password, base.host, base.port


def _clean_input(text: str) -> str:
    """Trim C0 controls and spaces at both ends; remove every tab and newline."""
    text = text.strip("".join(map(chr, range(0x21))))
    if "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\t", "").replace("\n", "").replace("\r", "")
    return text


def _parse(text: str, base: _Record | None) -> _Record:  # noqa: C901 - the standard's state machine
    """The URL Standard's basic URL parser (without state override)."""
    s = _clean_input(text)
    n = len(s)
    url = _Record()
    p = 0

    # scheme
    colon = -1
    if s[:1].isascii() and s[:1].isalpha():
        i = 1
        while i < n and (s[i].isascii() and (s[i].isalnum() or s[i] in "+-.")):
            i += 1
        if i < n and s[i] == ":":
            colon = i
    if colon >= 0:
        url.scheme = s[:colon].lower()
        special = url.scheme in _SPECIAL_PORTS
        p = colon + 1
        if url.scheme == "file":
            return _parse_file(s, p, url, base if base is not None and base.scheme == "file" else None)
        if special:
            if base is not None and base.scheme == url.scheme and s[p : p + 2] != "//":
                return _parse_relative(s, p, url, base, special)
            while p < n and s[p] in "/\\":
                p += 1
            return _parse_authority(s, p, url, special)
        if s[p : p + 1] == "/":
            if s[p + 1 : p + 2] == "/":
                return _parse_authority(s, p + 2, url, special)
            return _parse_path(s, p, url, special)
        return _parse_opaque(s, p, url)

    # no scheme
    if base is None:
        raise _Invalid("relative URL without a base")
    if base.opaque is not None:
        if s[:1] != "#":
            raise _Invalid("relative URL against a base that cannot be a base")
        url.scheme, url.opaque, url.query = base.scheme, base.opaque, base.query
        url.fragment = percent_encode(s[1:], _FRAGMENT_SAFE)
        return url
    url.scheme = base.scheme
    if base.scheme == "file":
        return _parse_file(s, 0, url, base)
    return _parse_relative(s, 0, url, base, base.scheme in _SPECIAL_PORTS)


def _parse_relative(s: str, p: int, url: _Record, base: _Record, special: bool) -> _Record:
    url.scheme = base.scheme
    c = s[p : p + 1]
    if c == "/" or (special and c == "\\"):
        nxt = s[p + 1 : p + 2]
        if nxt == "/" or (special and nxt == "\\"):
            p += 2
            if special:
                while p < len(s) and s[p] in "/\\":
                    p += 1
            return _parse_authority(s, p, url, special)
        url.copy_authority(base)
        return _parse_path(s, p, url, special)
    url.copy_authority(base)
    url.path = base.path.copy()
    if c == "":
        url.query = base.query
        return url
    if c == "?":
        return _parse_query_fragment(s, p, url, special)
    url.query = base.query
    if c == "#":
        url.fragment = percent_encode(s[p + 1 :], _FRAGMENT_SAFE)
        return url
    url.query = None
    url.shorten_path()
    return _parse_path(s, p, url, special, leading_slash=False)


def _authority_end(s: str, p: int, special: bool) -> int:
    end = p
    stops = "/?#\\" if special else "/?#"
    while end < len(s) and s[end] not in stops:
        end += 1
    return end


def _parse_authority(s: str, p: int, url: _Record, special: bool) -> _Record:
    end = _authority_end(s, p, special)
    authority = s[p:end]
    at = authority.rfind("@")
    if at >= 0:
        userinfo = authority[:at]
        authority = authority[at + 1 :]
        if not authority:
            raise _Invalid("credentials without a host")
        username, has_password, password = userinfo.partition(":")
        url.username = percent_encode(username, _USERINFO_SAFE)
        if has_password:
            url.password = percent_encode(password, _USERINFO_SAFE)
    host, port = _split_host_port(authority)
    if port is not None:
        if not host:
            raise _Invalid("port without a host")
        if port:
            if port.strip(_DIGITS):
                raise _Invalid(f"invalid port {port!r}")
            number = int(port)
            if number > 65535:
                raise _Invalid(f"port {number} out of range")
            url.port = None if number == _SPECIAL_PORTS.get(url.scheme) else number
    if not host:
        if special:
            raise _Invalid("empty host")
        url.host = ""
    else:
        url.host = _parse_host(host, special)
    return _parse_path_start(s, end, url, special)


def _split_host_port(authority: str) -> tuple[str, str | None]:
    """Split at the first colon that is not inside IPv6 brackets."""
    inside = False
    for i, c in enumerate(authority):
        if c == "[":
            inside = True
        elif c == "]":
            inside = False
        elif c == ":" and not inside:
            return authority[:i], authority[i + 1 :]
    return authority, None


def _parse_path_start(s: str, p: int, url: _Record, special: bool) -> _Record:
    c = s[p : p + 1]
    if special:
        return _parse_path(s, p, url, special, leading_slash=c in ("/", "\\"))
    if c in ("?", "#"):
        return _parse_query_fragment(s, p, url, special)
    if c == "":
        return url
    return _parse_path(s, p, url, special, leading_slash=c == "/")


def _parse_path(s: str, p: int, url: _Record, special: bool, leading_slash: bool = True) -> _Record:
    """The path state: segments up to ``?``, ``#`` or the end, starting at ``p``."""
    n = len(s)
    if leading_slash:
        p += 1
    path = url.path
    seps = "/\\" if special else "/"
    while True:
        start = p
        while p < n and s[p] not in seps and s[p] not in "?#":
            p += 1
        segment = percent_encode(s[start:p], _PATH_SAFE)
        at_end = p >= n or s[p] in "?#"
        if segment in _DOUBLE_DOTS:
            url.shorten_path()
            if at_end:
                path.append("")
        elif segment in _SINGLE_DOTS:
            if at_end:
                path.append("")
        else:
            if url.scheme == "file" and not path and _is_drive_letter(segment):
                segment = segment[0] + ":"
            path.append(segment)
        if at_end:
            return _parse_query_fragment(s, p, url, special)
        p += 1


def _parse_opaque(s: str, p: int, url: _Record) -> _Record:
    end = p
    while end < len(s) and s[end] not in "?#":
        end += 1
    url.opaque = percent_encode(s[p:end], _C0_SAFE)
    return _parse_query_fragment(s, end, url, special=False)


def _parse_query_fragment(s: str, p: int, url: _Record, special: bool) -> _Record:
    """``s[p:]`` is empty, or starts with ``?`` (a query) or ``#`` (a fragment)."""
    if p >= len(s):
        return url
    hash_at = s.find("#", p)
    if s[p] == "?":
        query_end = len(s) if hash_at < 0 else hash_at
        url.query = percent_encode(s[p + 1 : query_end], _SPECIAL_QUERY_SAFE if special else _QUERY_SAFE)
    if hash_at >= 0:
        url.fragment = percent_encode(s[hash_at + 1 :], _FRAGMENT_SAFE)
    return url


def _parse_file(s: str, p: int, url: _Record, base: _Record | None) -> _Record:
    url.scheme = "file"
    url.host = ""
    c = s[p : p + 1]
    if c in ("/", "\\"):
        nxt = s[p + 1 : p + 2]
        if nxt in ("/", "\\"):
            return _parse_file_host(s, p + 2, url)
        if base is not None:
            url.host = base.host
            if not _starts_with_drive_letter(s[p + 1 :]) and base.path and _is_drive_letter(base.path[0], True):
                url.path.append(base.path[0])
        return _parse_path(s, p, url, special=True)
    if base is not None:
        url.host = base.host
        url.path = base.path.copy()
        url.query = base.query
        if c == "":
            return url
        if c == "?":
            return _parse_query_fragment(s, p, url, special=True)
        if c == "#":
            url.fragment = percent_encode(s[p + 1 :], _FRAGMENT_SAFE)
            return url
        url.query = None
        if not _starts_with_drive_letter(s[p:]):
            url.shorten_path()
        else:
            url.path = []
    return _parse_path(s, p, url, special=True, leading_slash=False)


def _parse_file_host(s: str, p: int, url: _Record) -> _Record:
    end = p
    while end < len(s) and s[end] not in "/\\?#":
        end += 1
    host = s[p:end]
    if _is_drive_letter(host):
        return _parse_path(s, p, url, special=True, leading_slash=False)
    if host:
        parsed = _parse_host(host, special=True)
        url.host = "" if parsed == "localhost" else parsed
    return _parse_path_start(s, end, url, special=True)


# ---------------------------------------------------------------- the fast path

_FAST_HOST = "abcdefghijklmnopqrstuvwxyz0123456789-."
# Servers see the same origin on every request: remember which ones are plain
# (bounded, so a client sending random Host headers cannot grow it without limit).
_plain_origins: dict[str, bool] = {}
_PLAIN_ORIGINS_MAX = 256


def _is_plain_host(host: str) -> bool:
    """Whether the host parser would return ``host`` unchanged (lowercase, no IDN, no IPv4 form)."""
    if not host or host.strip(_FAST_HOST) or "xn--" in host:
        return False
    last = host.rstrip(".").rpartition(".")[2]
    if last[:1].isdigit():
        parts = host.split(".")
        return len(parts) == 4 and all(
            part.isdigit() and (part == "0" or part[0] != "0") and int(part) < 256 for part in parts
        )
    return True


def _is_plain_origin(origin: str) -> bool:
    """Whether ``scheme://host[:port]`` is serialised: plain host, no default or odd port."""
    scheme, _, authority = origin.partition("://")
    host, colon, port = authority.partition(":")
    if colon and (
        not port or port.strip(_DIGITS) or port[0] == "0" or int(port) == _SPECIAL_PORTS[scheme] or int(port) > 65535
    ):
        return False
    return _is_plain_host(host)


def split_serialized(url: str) -> tuple[int, int, int] | None:
    """Where path, query and fragment start in an http(s) URL already in serialised form.

    Returns ``(path_start, query_start, fragment_start)`` (a missing query or fragment
    starts where the next part would), or None when the parser could change anything:
    another scheme, credentials, a default or odd port, a host needing mapping,
    characters that need escaping, ``\\``, dot segments (plain or ``%2e``), whitespace
    or non-ASCII.  One regex match (compiled on first use) and a dict lookup: well
    under a microsecond.  It errs on the safe side (a segment that merely starts with
    ``.`` also goes to the parser).
    """
    m = (_serialized or _compile_serialized()).match(url)
    if m is None:
        return None
    origin = m.group(1)
    plain = _plain_origins.get(origin)
    if plain is None:
        plain = _is_plain_origin(origin)
        if len(_plain_origins) < _PLAIN_ORIGINS_MAX:
            _plain_origins[origin] = plain
    if not plain:
        return None
    spans = m.regs
    path_start, path_end = spans[2]
    fragment_start = spans[4][0]
    return path_start, path_end, fragment_start if fragment_start >= 0 else len(url)


_serialized: CompiledRegex[str] | None = None
# The characters a serialised path segment may hold as they are; the query adds "/" and
# "?", the fragment also "#". Everything else (controls, space, DEL, non-ASCII, and
# what a percent-encode set encodes, or "\\", which the parser turns into "/") sends
# the URL to the full parser.
_SEGMENT_CHARS = r"!$%&()*+,\-.0-9:;=@A-Z\[\]^_a-z|~"


def _compile_serialized() -> CompiledRegex[str]:
    global _serialized
    import re

    _serialized = re.compile(
        r"(https?://[^/?#]+)"
        r"((?:/(?!\.|%2[eE])[" + _SEGMENT_CHARS + r"]*)+)"
        r"(\?[" + _SEGMENT_CHARS + r"/?]*)?"
        r"(#[" + _SEGMENT_CHARS + r"/?#]*)?\Z"
    )
    return _serialized


# ---------------------------------------------------------------- URL


class URL:
    """A parsed URL (WHATWG URL Standard), immutable apart from its search params.

    ``URL(input, base=None)``: ``input`` is resolved against ``base`` (a ``str`` or a
    :class:`URL`) when it is relative.  Raises ``ValueError("Invalid URL: ...")``.
    Attributes follow JavaScript's ``URL``: ``href``, ``origin``, ``protocol``,
    ``username``, ``password``, ``host``, ``hostname``, ``port``, ``pathname``,
    ``search``, ``hash`` and ``search_params``.
    """

    __slots__ = ("_record", "_search_params")

    _record: _Record
    _search_params: URLSearchParams | None

    def __init__(self, url: str | URL, base: str | URL | None = None) -> None:
        if isinstance(url, URL):
            url = url.href
        if type(url) is not str and not isinstance(url, str):
            raise TypeError(f"URL must be str, not {type(url).__name__}")
        base_record = None
        if base is not None:
            base_record = (base if isinstance(base, URL) else URL(base))._record
        try:
            self._record = _parse(url, base_record)
        except _Invalid as e:
            raise ValueError(f"Invalid URL: {url!r} ({e})") from None
        self._search_params = None

    @classmethod
    def _from_serialized(cls, url: str, split: tuple[int, int, int]) -> URL:
        """Build from a URL :func:`split_serialized` accepted, without parsing it again."""
        path_start, query_start, fragment_start = split
        record = _Record()
        scheme_end = url.index(":")
        record.scheme = url[:scheme_end]
        host, _, port = url[scheme_end + 3 : path_start].partition(":")
        record.host = host
        record.port = int(port) if port else None
        record.path = url[path_start + 1 : query_start].split("/")
        if query_start < fragment_start:
            record.query = url[query_start + 1 : fragment_start]
        if fragment_start < len(url):
            record.fragment = url[fragment_start + 1 :]
        self = cls.__new__(cls)
        self._record = record
        self._search_params = None
        return self

    @property
    def href(self) -> str:
        """The whole serialised URL."""
        r = self._record
        out = [r.scheme, ":"]
        if r.host is not None:
            out.append("//")
            if r.username or r.password:
                out.append(r.username)
                if r.password:
                    out += (":", r.password)
                out.append("@")
            out.append(r.host)
            if r.port is not None:
                out += (":", str(r.port))
        elif r.opaque is None and len(r.path) > 1 and r.path[0] == "":
            out.append("/.")
        out.append(self.pathname)
        if r.query is not None:
            out += ("?", r.query)
        if r.fragment is not None:
            out += ("#", r.fragment)
        return "".join(out)

    @property
    def origin(self) -> str:
        """``scheme://host[:port]`` for http(s), ws(s) and ftp; ``"null"`` otherwise."""
        r = self._record
        if r.scheme == "blob" and r.opaque is not None:
            try:
                inner = URL(r.opaque)
            except ValueError:
                return "null"
            return inner.origin if inner.protocol in ("http:", "https:") else "null"
        if r.scheme in _SPECIAL_PORTS and r.scheme != "file":
            return f"{r.scheme}://{self.host}"
        return "null"

    @property
    def protocol(self) -> str:
        """The scheme followed by ``:``, e.g. ``"https:"``."""
        return self._record.scheme + ":"

    @property
    def username(self) -> str:
        """The percent-encoded username, or ``""``."""
        return self._record.username

    @property
    def password(self) -> str:
        """The percent-encoded password, or ``""``."""
        return self._record.password

    @property
    def host(self) -> str:
        """The hostname with ``:port`` when the port is not the scheme's default."""
        r = self._record
        if r.host is None:
            return ""
        return r.host if r.port is None else f"{r.host}:{r.port}"

    @property
    def hostname(self) -> str:
        """The host without the port (IPv6 addresses keep their brackets)."""
        return self._record.host or ""

    @property
    def port(self) -> str:
        """The port as a string, ``""`` when absent or the scheme's default."""
        port = self._record.port
        return "" if port is None else str(port)

    @property
    def pathname(self) -> str:
        """The serialised (percent-encoded) path, e.g. ``/users/%C3%A9``."""
        r = self._record
        if r.opaque is not None:
            return r.opaque
        return "/" + "/".join(r.path) if r.path else ""

    @property
    def search(self) -> str:
        """``?`` and the query, or ``""`` when the query is absent or empty."""
        query = self._record.query
        return "?" + query if query else ""

    @property
    def hash(self) -> str:
        """``#`` and the fragment, or ``""`` when it is absent or empty."""
        fragment = self._record.fragment
        return "#" + fragment if fragment else ""

    @property
    def search_params(self) -> URLSearchParams:
        """The query as a live :class:`URLSearchParams`: changing it changes this URL."""
        params = self._search_params
        if params is None:
            params = URLSearchParams()
            params._pairs = parse_query(self._record.query or "")
            params._url = self
            self._search_params = params
        return params

    def _set_query(self, query: str) -> None:
        self._record.query = query or None

    def __str__(self) -> str:
        return self.href

    def __repr__(self) -> str:
        return f"URL({self.href!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, URL):
            return self.href == other.href
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.href)


# ---------------------------------------------------------------- URLSearchParams


class URLSearchParams:
    """An ordered list of ``(name, value)`` string pairs: a query or a urlencoded form.

    ``init`` may be a query string (a leading ``?`` is ignored), another
    :class:`URLSearchParams`, a mapping, or an iterable of pairs.  ``str()`` gives the
    ``application/x-www-form-urlencoded`` serialisation.
    """

    __slots__ = ("_pairs", "_url")

    def __init__(self, init: SearchParamsInit = "") -> None:
        self._url: URL | None = None
        if isinstance(init, str):
            self._pairs = parse_query(init[1:] if init.startswith("?") else init)
        elif isinstance(init, URLSearchParams):
            self._pairs = init._pairs.copy()
        else:
            self._pairs = _string_pairs(init)

    def _update(self) -> None:
        if self._url is not None:
            self._url._set_query(str(self))

    def get(self, name: str) -> str | None:
        """The first value of ``name``, or None."""
        for n, v in self._pairs:
            if n == name:
                return v
        return None

    def get_all(self, name: str) -> list[str]:
        """Every value of ``name``, in order."""
        return [v for n, v in self._pairs if n == name]

    def has(self, name: str, value: str | None = None) -> bool:
        """Whether ``name`` is present (with ``value``, when given)."""
        return any(n == name and (value is None or v == value) for n, v in self._pairs)

    __contains__ = has

    def append(self, name: str, value: str) -> None:
        """Add a pair at the end."""
        self._pairs.append((str(name), str(value)))
        self._update()

    def set(self, name: str, value: str) -> None:
        """Replace the values of ``name`` by ``value`` at the first one's position."""
        pair = (str(name), str(value))
        for i, (n, _) in enumerate(self._pairs):
            if n == name:
                self._pairs[i] = pair
                self._pairs[i + 1 :] = [p for p in self._pairs[i + 1 :] if p[0] != name]
                break
        else:
            self._pairs.append(pair)
        self._update()

    def delete(self, name: str, value: str | None = None) -> None:
        """Remove every pair of ``name`` (only those with ``value``, when given)."""
        self._pairs = [(n, v) for n, v in self._pairs if n != name or (value is not None and v != value)]
        self._update()

    def sort(self) -> None:
        """Sort by name (by UTF-16 code unit, like JavaScript), keeping the order of equal names."""
        self._pairs.sort(key=lambda pair: pair[0].encode("utf-16-be", "surrogatepass"))
        self._update()

    def items(self) -> list[tuple[str, str]]:
        """Every ``(name, value)`` pair, in order."""
        return self._pairs.copy()

    def keys(self) -> list[str]:
        """Every name, in order (repeated names repeat)."""
        return [n for n, _ in self._pairs]

    def values(self) -> list[str]:
        """Every value, in order."""
        return [v for _, v in self._pairs]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._pairs.copy())

    def __len__(self) -> int:
        return len(self._pairs)

    def __str__(self) -> str:
        return serialize_query(self._pairs)

    def __repr__(self) -> str:
        return f"URLSearchParams({str(self)!r})"


def _string_pairs(init: Any) -> list[tuple[str, str]]:
    items = getattr(init, "items", None)
    source = items() if callable(items) else init
    pairs = []
    try:
        iterator = iter(source)
    except TypeError:
        raise TypeError(f"URLSearchParams init must be a str, mapping or pairs, not {type(init).__name__}") from None
    for pair in iterator:
        if isinstance(pair, (str, bytes)):
            raise TypeError(f"a search param must be a (name, value) pair, not {pair!r}")
        try:
            name, value = pair
        except (TypeError, ValueError):
            raise ValueError(f"a search param must be a (name, value) pair, got {pair!r}") from None
        pairs.append((str(name), str(value)))
    return pairs
