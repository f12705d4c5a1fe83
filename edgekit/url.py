"""WHATWG URLs, ``application/x-www-form-urlencoded`` data and path decoding for routing.

:class:`URL` parses like the URL Standard (what browsers, Node's ada and workerd do):
dot segments are removed (``%2e`` too), ``\\`` is ``/`` in special URLs, each part is
percent-encoded with its own set, default ports vanish, hosts are lowercased, IPv4
number forms and IPv6 are normalised, IDN labels become punycode.  Existing escapes
are never decoded or re-cased.  An input that is not a valid URL raises
``ValueError("Invalid URL: ...")``.

URLs that are already in serialised form (what a runtime hands a server, e.g.
``http://localhost/users/42?x=1``) are recognised with plain string operations and
split without running the parser (:func:`split_serialized`); the parser itself lives
in :mod:`edgekit.url_parser`, imported the first time a URL needs it.

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
    from collections.abc import Callable, Iterable, Iterator, Mapping
    from re import Match
    from typing import Any, Union

    SearchParamsInit = Union[str, "URLSearchParams", Mapping[str, str], Iterable["tuple[str, str] | list[str]"]]

SPECIAL_PORTS: dict[str, int | None] = {"ftp": 21, "file": None, "http": 80, "https": 443, "ws": 80, "wss": 443}

_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_FORM_SAFE = _ALNUM + "*-._"
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


def percent_decode(text: str) -> bytes:
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
    return percent_decode(text).decode("utf-8", "replace")


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


# ---------------------------------------------------------------- the URL record


class URLRecord:
    """A URL record of the URL Standard, filled in by :func:`edgekit.url_parser.parse`
    (or, for an already serialised URL, by :meth:`URL._from_serialized`)."""

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
        not port or port.strip(_DIGITS) or port[0] == "0" or int(port) == SPECIAL_PORTS[scheme] or int(port) > 65535
    ):
        return False
    return _is_plain_host(host)


def split_serialized(url: str) -> tuple[int, int, int] | None:
    """Where path, query and fragment start in an http(s) URL already in serialised form.

    Returns ``(path_start, query_start, fragment_start)`` (a missing query or fragment
    starts where the next part would), or None when the parser could change anything:
    another scheme, credentials, a default or odd port, a host needing mapping,
    characters that need escaping, ``\\``, dot segments (plain or ``%2e``), whitespace
    or non-ASCII.  One regex match (compiled on first use) and a dict lookup: every
    request a server receives comes through here.  It errs on the safe side (a segment
    that merely starts with ``.``, or a ``/.`` in the query, also goes to the parser).
    """
    m = (_serialized_match or _compile_serialized())(url)
    if m is None:
        return None
    spans = m.regs
    path_start, query_start = spans[2]
    origin = url[:path_start]
    plain = _plain_origins.get(origin)
    if plain is None:
        plain = _is_plain_origin(origin)
        if len(_plain_origins) < _PLAIN_ORIGINS_MAX:
            _plain_origins[origin] = plain
    if not plain or "/." in url:
        return None
    if "/%2" in url:
        path = url[path_start:query_start]
        if "/%2e" in path or "/%2E" in path:
            return None
    fragment_start = spans[4][0]
    return path_start, query_start, fragment_start if fragment_start >= 0 else len(url)


_serialized_match: Callable[[str], Match[str] | None] | None = None
# The characters a serialised path segment may hold as they are; the query adds "/" and
# "?", the fragment also "#". Everything else (controls, space, DEL, non-ASCII, and
# what a percent-encode set encodes, or "\\", which the parser turns into "/") sends
# the URL to the full parser. Dot segments are looked for with ``in``: spelling them out
# in the regex (a lookahead per segment) makes every match several times slower.
_SEGMENT_CHARS = r"!$%&()*+,\-.0-9:;=@A-Z\[\]^_a-z|~"


def _compile_serialized() -> Callable[[str], Match[str] | None]:
    global _serialized_match
    import re

    _serialized_match = re.compile(
        r"(https?://[^/?#]+)"
        r"(/[/" + _SEGMENT_CHARS + r"]*)"
        r"(\?[/?" + _SEGMENT_CHARS + r"]*)?"
        r"(#[/?#" + _SEGMENT_CHARS + r"]*)?\Z"
    ).match
    return _serialized_match


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

    _record: URLRecord
    _search_params: URLSearchParams | None

    def __init__(self, url: str | URL, base: str | URL | None = None) -> None:
        if isinstance(url, URL):
            url = url.href
        if type(url) is not str and not isinstance(url, str):
            raise TypeError(f"URL must be str, not {type(url).__name__}")
        from .url_parser import InvalidURL, parse

        base_record = None
        if base is not None:
            base_record = (base if isinstance(base, URL) else URL(base))._record
        try:
            self._record = parse(url, base_record)
        except InvalidURL as e:
            raise ValueError(f"Invalid URL: {url!r} ({e})") from None
        self._search_params = None

    @classmethod
    def _from_serialized(cls, url: str, split: tuple[int, int, int]) -> URL:
        """Build from a URL :func:`split_serialized` accepted, without parsing it again."""
        path_start, query_start, fragment_start = split
        record = URLRecord()
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
        if r.scheme in SPECIAL_PORTS and r.scheme != "file":
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
