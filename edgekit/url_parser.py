"""The URL Standard's basic URL parser: the state machine, host parsing (IPv4, IPv6, IDNA).

Loaded only for URLs that :func:`edgekit.url.split_serialized` cannot take apart with
plain string operations (relative references, odd hosts, dot segments, characters to
escape), so a server whose requests arrive serialised never imports it.
"""

from __future__ import annotations

from .url import SPECIAL_PORTS, URLRecord, percent_decode, percent_encode

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

_FORBIDDEN_HOST = "\0\t\n\r #/:<>?@[\\]^|"
_FORBIDDEN_DOMAIN = _FORBIDDEN_HOST + "%\x7f" + "".join(map(chr, range(0x20)))
_HEX_DIGITS = "0123456789abcdefABCDEF"
_DIGITS = "0123456789"

# ---------------------------------------------------------------- hosts


class InvalidURL(Exception):
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
        raise InvalidURL("IPv4 address with more than four parts")
    numbers = [_ipv4_number(p) for p in parts]
    if None in numbers:
        raise InvalidURL("invalid IPv4 address")
    values: list[int] = numbers  # type: ignore[assignment]
    if any(n > 255 for n in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        raise InvalidURL("IPv4 address part out of range")
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
            raise InvalidURL("IPv6 address starting with a single colon")
        p = 2
        index = compress = 1
    while p < n:
        if index == 8:
            raise InvalidURL("IPv6 address with too many pieces")
        if text[p] == ":":
            if compress is not None:
                raise InvalidURL("IPv6 address with two '::'")
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
                raise InvalidURL("invalid IPv4 part in an IPv6 address")
            p -= length
            seen = 0
            while p < n:
                if seen > 0:
                    if text[p] != "." or seen >= 4:
                        raise InvalidURL("invalid IPv4 part in an IPv6 address")
                    p += 1
                if at(p) == "" or at(p) not in _DIGITS:
                    raise InvalidURL("invalid IPv4 part in an IPv6 address")
                part = None
                while at(p) != "" and at(p) in _DIGITS:
                    digit = int(text[p])
                    if part is None:
                        part = digit
                    elif part == 0:
                        raise InvalidURL("IPv4 part with a leading zero in an IPv6 address")
                    else:
                        part = part * 10 + digit
                    if part > 255:
                        raise InvalidURL("IPv4 part out of range in an IPv6 address")
                    p += 1
                pieces[index] = pieces[index] * 256 + (part or 0)
                seen += 1
                if seen in (2, 4):
                    index += 1
            if seen != 4:
                raise InvalidURL("IPv4 part of an IPv6 address is too short")
            break
        if at(p) == ":":
            p += 1
            if p == n:
                raise InvalidURL("IPv6 address ending in a single colon")
        elif p < n:
            raise InvalidURL("invalid character in an IPv6 address")
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
        raise InvalidURL("IPv6 address with too few pieces")
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
        raise InvalidURL("a host label cannot start with a combining mark")
    for i, c in enumerate(mapped):
        if c in "\u200c\u200d":
            # Joiners are only allowed right after a virama (UTS #46 CheckJoiners).
            if i == 0 or unicodedata.combining(mapped[i - 1]) != 9:
                raise InvalidURL("zero-width joiner in a host")
        elif c == "\ufffd" or unicodedata.category(c) in _DISALLOWED_CATEGORIES:
            raise InvalidURL(f"character U+{ord(c):04X} is not allowed in a host")
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
            raise InvalidURL("a host mixing left-to-right and right-to-left text")


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
                raise InvalidURL(f"invalid punycode label {label!r}") from None
            if not decoded or _map_label(decoded) != decoded:
                raise InvalidURL(f"invalid punycode label {label!r}")
            label = decoded
        unicode_labels.append(label)
    _check_bidi(unicode_labels)
    result = ".".join(ascii_labels)
    if not result:
        raise InvalidURL("empty host")
    return result


def _parse_host(text: str, special: bool) -> str:
    """The serialised host of ``text`` (already percent-encoded where it must be)."""
    if text.startswith("["):
        if not text.endswith("]"):
            raise InvalidURL("unclosed IPv6 address")
        return _parse_ipv6(text[1:-1])
    if not special:
        if any(c in _FORBIDDEN_HOST for c in text):
            raise InvalidURL("forbidden character in a host")
        return percent_encode(text, _C0_SAFE)
    domain = percent_decode(text).decode("utf-8", "replace") if "%" in text else text
    ascii_domain = _domain_to_ascii(domain)
    if any(c in _FORBIDDEN_DOMAIN for c in ascii_domain):
        raise InvalidURL("forbidden character in a host")
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


def _shorten_path(url: URLRecord) -> None:
    path = url.path
    if url.scheme == "file" and len(path) == 1 and _is_drive_letter(path[0], normalized=True):
        return
    if path:
        path.pop()


def _copy_authority(url: URLRecord, base: URLRecord) -> None:
    url.username, url.password, url.host, url.port = base.username, base.password, base.host, base.port


def _clean_input(text: str) -> str:
    """Trim C0 controls and spaces at both ends; remove every tab and newline."""
    text = text.strip("".join(map(chr, range(0x21))))
    if "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\t", "").replace("\n", "").replace("\r", "")
    return text


def parse(text: str, base: URLRecord | None) -> URLRecord:  # noqa: C901 - the standard's state machine
    """The URL Standard's basic URL parser (without state override)."""
    s = _clean_input(text)
    n = len(s)
    url = URLRecord()
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
        special = url.scheme in SPECIAL_PORTS
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
        raise InvalidURL("relative URL without a base")
    if base.opaque is not None:
        if s[:1] != "#":
            raise InvalidURL("relative URL against a base that cannot be a base")
        url.scheme, url.opaque, url.query = base.scheme, base.opaque, base.query
        url.fragment = percent_encode(s[1:], _FRAGMENT_SAFE)
        return url
    url.scheme = base.scheme
    if base.scheme == "file":
        return _parse_file(s, 0, url, base)
    return _parse_relative(s, 0, url, base, base.scheme in SPECIAL_PORTS)


def _parse_relative(s: str, p: int, url: URLRecord, base: URLRecord, special: bool) -> URLRecord:
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
        _copy_authority(url, base)
        return _parse_path(s, p, url, special)
    _copy_authority(url, base)
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
    _shorten_path(url)
    return _parse_path(s, p, url, special, leading_slash=False)


def _authority_end(s: str, p: int, special: bool) -> int:
    end = p
    stops = "/?#\\" if special else "/?#"
    while end < len(s) and s[end] not in stops:
        end += 1
    return end


def _parse_authority(s: str, p: int, url: URLRecord, special: bool) -> URLRecord:
    end = _authority_end(s, p, special)
    authority = s[p:end]
    at = authority.rfind("@")
    if at >= 0:
        userinfo = authority[:at]
        authority = authority[at + 1 :]
        if not authority:
            raise InvalidURL("credentials without a host")
        username, has_password, password = userinfo.partition(":")
        url.username = percent_encode(username, _USERINFO_SAFE)
        if has_password:
            url.password = percent_encode(password, _USERINFO_SAFE)
    host, port = _split_host_port(authority)
    if port is not None:
        if not host:
            raise InvalidURL("port without a host")
        if port:
            if port.strip(_DIGITS):
                raise InvalidURL(f"invalid port {port!r}")
            number = int(port)
            if number > 65535:
                raise InvalidURL(f"port {number} out of range")
            url.port = None if number == SPECIAL_PORTS.get(url.scheme) else number
    if not host:
        if special:
            raise InvalidURL("empty host")
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


def _parse_path_start(s: str, p: int, url: URLRecord, special: bool) -> URLRecord:
    c = s[p : p + 1]
    if special:
        return _parse_path(s, p, url, special, leading_slash=c in ("/", "\\"))
    if c in ("?", "#"):
        return _parse_query_fragment(s, p, url, special)
    if c == "":
        return url
    return _parse_path(s, p, url, special, leading_slash=c == "/")


def _parse_path(s: str, p: int, url: URLRecord, special: bool, leading_slash: bool = True) -> URLRecord:
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
            _shorten_path(url)
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


def _parse_opaque(s: str, p: int, url: URLRecord) -> URLRecord:
    end = p
    while end < len(s) and s[end] not in "?#":
        end += 1
    url.opaque = percent_encode(s[p:end], _C0_SAFE)
    return _parse_query_fragment(s, end, url, special=False)


def _parse_query_fragment(s: str, p: int, url: URLRecord, special: bool) -> URLRecord:
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


def _parse_file(s: str, p: int, url: URLRecord, base: URLRecord | None) -> URLRecord:
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
            _shorten_path(url)
        else:
            url.path = []
    return _parse_path(s, p, url, special=True, leading_slash=False)


def _parse_file_host(s: str, p: int, url: URLRecord) -> URLRecord:
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
