"""Form data: :class:`FormData` and :class:`File`, and reading and writing form bodies.

:func:`parse_form` reads a body by its ``Content-Type`` the way undici (Node's fetch)
does: ``application/x-www-form-urlencoded`` or ``multipart/form-data``, anything
else is a :class:`TypeError`.  The multipart parser is strict like undici's (CRLF line
endings, no preamble, a closing boundary, a ``name`` on every part); a malformed
body raises :class:`ValueError`.  :func:`encode_multipart` writes a form exactly as
undici does.
"""

from __future__ import annotations

import os

from .headers import is_token
from .url import encode_utf8, parse_query

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

_HTTP_WHITESPACE = " \t\r\n"
_FORM_URLENCODED = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"


def _decode_utf8(data: bytes) -> str:
    """UTF-8 decoding as Fetch does it: a leading BOM dropped, bad bytes as U+FFFD."""
    text = data.decode("utf-8", "replace")
    return text[1:] if text[:1] == "\ufeff" else text


class File:
    """An in-memory file: a form part with a filename (Fetch ``File``).

    ``data`` is bytes (a ``str`` is stored as UTF-8).  ``type`` is the media type,
    lowercased; one with characters outside printable ASCII becomes ``""``.
    """

    __slots__ = ("data", "name", "type")

    def __init__(
        self,
        data: bytes | bytearray | memoryview | str,
        name: str,
        type: str = "",  # noqa: A002 - the name Fetch's File uses
    ) -> None:
        if isinstance(data, str):
            data = data.encode("utf-8")
        elif not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"File data must be bytes or str, not {data.__class__.__name__}")
        if not isinstance(name, str) or not isinstance(type, str):
            raise TypeError("File name and type must be str")
        self.data = bytes(data)
        self.name = name
        self.type = type.lower() if type.isascii() and type.isprintable() else ""

    @property
    def size(self) -> int:
        """The length of the data in bytes."""
        return len(self.data)

    async def bytes(self) -> bytes:
        """The file's content (awaitable, like a request body's ``bytes()``)."""
        return self.data

    async def text(self) -> str:
        """The file's content decoded as UTF-8 (BOM dropped, bad bytes as U+FFFD)."""
        return _decode_utf8(self.data)

    def __repr__(self) -> str:
        return f"File(name={self.name!r}, type={self.type!r}, size={len(self.data)})"


class FormData:
    """An ordered list of form entries: ``(name, value)`` with a ``str`` or :class:`File` value."""

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        self._entries: list[tuple[str, str | File]] = []

    def _encode_multipart(self) -> tuple[bytes, str]:
        """``(body, content_type)`` when a FormData is given as a Request or Response body."""
        return encode_multipart(self)

    @staticmethod
    def _entry(name: str, value: str | File, filename: str | None) -> tuple[str, str | File]:
        if not isinstance(name, str):
            raise TypeError(f"form entry name must be str, not {name.__class__.__name__}")
        if isinstance(value, File):
            if filename is not None:
                value = File(value.data, filename, value.type)
        elif not isinstance(value, str):
            raise TypeError(f"form entry value must be str or File, not {value.__class__.__name__}")
        elif filename is not None:
            raise TypeError("a filename can only be given with a File value")
        return name, value

    def append(self, name: str, value: str | File, filename: str | None = None) -> None:
        """Add an entry; ``filename`` renames a :class:`File` value."""
        self._entries.append(self._entry(name, value, filename))

    def set(self, name: str, value: str | File, filename: str | None = None) -> None:
        """Replace the entries of ``name`` by one, at the first one's position."""
        entry = self._entry(name, value, filename)
        entries = self._entries
        for i, (n, _) in enumerate(entries):
            if n == name:
                entries[i] = entry
                entries[i + 1 :] = [e for e in entries[i + 1 :] if e[0] != name]
                return
        entries.append(entry)

    def get(self, name: str) -> str | File | None:
        """The first value of ``name``, or None."""
        for n, v in self._entries:
            if n == name:
                return v
        return None

    def get_all(self, name: str) -> list[str | File]:
        """Every value of ``name``, in order."""
        return [v for n, v in self._entries if n == name]

    def has(self, name: str) -> bool:
        """Whether ``name`` has at least one entry."""
        return any(n == name for n, _ in self._entries)

    __contains__ = has

    def delete(self, name: str) -> None:
        """Remove every entry of ``name``."""
        self._entries = [e for e in self._entries if e[0] != name]

    def items(self) -> list[tuple[str, str | File]]:
        """Every ``(name, value)`` entry, in order."""
        return self._entries.copy()

    def keys(self) -> list[str]:
        """Every entry name, in order (repeated names repeat)."""
        return [n for n, _ in self._entries]

    def values(self) -> list[str | File]:
        """Every entry value, in order."""
        return [v for _, v in self._entries]

    def __iter__(self) -> Iterator[tuple[str, str | File]]:
        return iter(self._entries.copy())

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"FormData({self._entries!r})"


# ---------------------------------------------------------------- writing


def _crlf_lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


def _escape_quoted(text: str) -> str:
    return text.replace("\n", "%0A").replace("\r", "%0D").replace('"', "%22")


def encode_multipart(form: FormData) -> tuple[bytes, str]:
    """``(body, content_type)`` of ``form`` as ``multipart/form-data``, written as undici writes it."""
    boundary = "----formdata-edgekit-" + os.urandom(12).hex()
    out: list[bytes] = []
    for name, value in form._entries:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{_escape_quoted(_crlf_lines(name))}"'
        if isinstance(value, str):
            out.append(encode_utf8(f"{head}\r\n\r\n{_crlf_lines(value)}\r\n"))
        else:
            if value.name:
                head += f'; filename="{_escape_quoted(value.name)}"'
            head += f"\r\nContent-Type: {value.type or 'application/octet-stream'}\r\n\r\n"
            out += (encode_utf8(head), value.data, b"\r\n")
    out.append(f"--{boundary}--\r\n".encode("ascii"))
    return b"".join(out), f"{_MULTIPART}; boundary={boundary}"


# ---------------------------------------------------------------- reading


def _quoted_string(text: str, pos: int) -> tuple[str, int]:
    """An HTTP quoted-string starting at ``text[pos] == '"'``: (its value, the position after it)."""
    pos += 1
    value = []
    n = len(text)
    while pos < n:
        c = text[pos]
        pos += 1
        if c == '"':
            break
        if c == "\\":
            if pos >= n:
                value.append("\\")
                break
            c = text[pos]
            pos += 1
        value.append(c)
    return "".join(value), pos


def _is_quoted_string_text(value: str) -> bool:
    return all(c == "\t" or " " <= c <= "~" or "\x80" <= c <= "\xff" for c in value)


def parse_mime_type(text: str) -> tuple[str, dict[str, str]] | None:
    """``(essence, parameters)`` of a MIME type (WHATWG MIME Sniffing), or None when invalid.

    The essence (``type/subtype``) and parameter names are lowercased; parameter
    values keep their case, quoted ones are unquoted, the first of a repeated name wins.
    """
    text = text.strip(_HTTP_WHITESPACE)
    type_, slash, rest = text.partition("/")
    if not slash or not is_token(type_):
        return None
    semicolon = rest.find(";")
    if semicolon < 0:
        semicolon = len(rest)
    subtype = rest[:semicolon].rstrip(_HTTP_WHITESPACE)
    if not is_token(subtype):
        return None
    params: dict[str, str] = {}
    pos, n = semicolon, len(rest)
    while pos < n:
        pos += 1
        while pos < n and rest[pos] in _HTTP_WHITESPACE:
            pos += 1
        name_end = pos
        while name_end < n and rest[name_end] not in ";=":
            name_end += 1
        name = rest[pos:name_end].lower()
        pos = name_end
        if pos >= n:
            break
        if rest[pos] == ";":
            continue
        pos += 1
        if pos < n and rest[pos] == '"':
            value, pos = _quoted_string(rest, pos)
            next_semicolon = rest.find(";", pos)
            pos = n if next_semicolon < 0 else next_semicolon
        else:
            next_semicolon = rest.find(";", pos)
            end = n if next_semicolon < 0 else next_semicolon
            value = rest[pos:end].rstrip(_HTTP_WHITESPACE)
            pos = end
            if not value:
                continue
        if is_token(name) and _is_quoted_string_text(value) and name not in params:
            params[name] = value
    return f"{type_}/{subtype}".lower(), params


def parse_form(data: bytes, content_type: str | None) -> FormData:
    """The form in a body of the given ``Content-Type`` (urlencoded or multipart).

    Raises TypeError when the content type is neither, ValueError when a multipart
    body is malformed.
    """
    mime = parse_mime_type(content_type or "")
    essence = mime[0] if mime is not None else None
    if essence == _FORM_URLENCODED:
        form = FormData()
        form._entries = parse_query(data.decode("utf-8", "replace"))  # type: ignore[assignment]
        return form
    if essence == _MULTIPART:
        boundary = mime[1].get("boundary")  # type: ignore[index]
        if boundary is None:
            raise ValueError("multipart/form-data body without a boundary parameter")
        return _parse_multipart(data, boundary)
    raise TypeError(f"cannot read a form from a body of type {content_type!r}")


class _Malformed(ValueError):
    def __init__(self, why: str) -> None:
        super().__init__(f"malformed multipart/form-data body: {why}")


def _part_name(text: bytes) -> str:
    name = _decode_utf8(text)
    if "%" in name:
        name = name.replace("%0A", "\n").replace("%0a", "\n").replace("%0D", "\r").replace("%0d", "\r")
        name = name.replace("%22", '"')
    return name


def _quoted_part_name(line: bytes, pos: int) -> tuple[str, int]:
    """The quoted name (or filename) starting after its opening quote at ``pos``."""
    end = line.find(b'"', pos)
    if end < 0:
        raise _Malformed("unterminated quoted name")
    return _part_name(line[pos:end]), end + 1


def _content_disposition(value: bytes) -> tuple[str, str | None]:
    """``(name, filename)`` from a part's Content-Disposition value."""
    prefix = b'form-data; name="'
    if not value.startswith(prefix):
        raise _Malformed('Content-Disposition must start with form-data; name="')
    name, pos = _quoted_part_name(value, len(prefix))
    filename = None
    if value.startswith(b"; filename", pos):
        pos += 10
        if value[pos : pos + 1] == b"*":
            # undici reads filename*="..." like filename="..." (and refuses filename*=UTF-8''...).
            pos += 1
        if value[pos : pos + 2] != b'="':
            raise _Malformed("invalid filename parameter")
        filename, pos = _quoted_part_name(value, pos + 2)
    if pos != len(value):
        raise _Malformed("unexpected text after the Content-Disposition parameters")
    return name, filename


def _part_headers(data: bytes, pos: int) -> tuple[str, str | None, str | None, str | None, int]:
    """Parse a part's header lines from ``pos``: name, filename, content type, encoding, end."""
    name = filename = content_type = encoding = None
    while not data.startswith(b"\r\n", pos):
        cr, lf = data.find(b"\r", pos), data.find(b"\n", pos)
        line_end = min(i for i in (cr, lf, len(data)) if i >= 0)
        line = data[pos:line_end]
        header, colon, value = line.partition(b":")
        header = header.strip(b" \t")
        if not colon or not is_token(header.decode("latin-1")):
            raise _Malformed(f"invalid part header line {line[:60]!r}")
        value = value.lstrip(b" \t")
        key = header.lower()
        if key == b"content-disposition":
            name, filename = _content_disposition(value)
        elif key == b"content-type":
            content_type = value.rstrip(b" \t").decode("latin-1")
        elif key == b"content-transfer-encoding":
            encoding = value.rstrip(b" \t").decode("latin-1")
        if not data.startswith(b"\r\n", line_end):
            raise _Malformed("part header lines must end with CRLF")
        pos = line_end + 2
    if name is None:
        raise _Malformed("a part without a Content-Disposition name")
    return name, filename, content_type, encoding, pos + 2


def _decode_base64(data: bytes) -> bytes:
    """Decode base64 as leniently as Node does: other characters skipped, "=" ends the data."""
    import binascii

    url_safe = bytes.maketrans(b"-_", b"+/")
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_"
    ignored = bytes(b for b in range(256) if b not in alphabet)
    cleaned = data.partition(b"=")[0].translate(url_safe, ignored)
    if len(cleaned) % 4 == 1:
        cleaned = cleaned[:-1]
    return binascii.a2b_base64(cleaned + b"=" * (-len(cleaned) % 4))


def _parse_multipart(data: bytes, boundary: str) -> FormData:
    delimiter = b"--" + boundary.encode("utf-8")
    # Like undici, tolerate CRLFs before the first and after the last boundary.
    start, end = 0, len(data)
    while data.startswith(b"\r\n", start):
        start += 2
    while end - start >= 2 and data.endswith(b"\r\n", start, end):
        end -= 2
    data = data[start:end]
    form = FormData()
    entries = form._entries
    pos = 0
    while True:
        if not data.startswith(delimiter, pos):
            raise _Malformed("expected a boundary")
        pos += len(delimiter)
        if data[pos:] == b"--":
            return form
        if not data.startswith(b"\r\n", pos):
            raise _Malformed("expected CRLF after the boundary")
        name, filename, content_type, encoding, pos = _part_headers(data, pos + 2)
        body_end = data.find(b"\r\n" + delimiter, pos)
        if body_end < 0:
            raise _Malformed("a part without a following boundary")
        body = data[pos:body_end]
        pos = body_end + 2
        if encoding == "base64":
            body = _decode_base64(body)
        if filename is None:
            entries.append((name, _decode_utf8(body)))
        else:
            if content_type is None:
                content_type = "text/plain"
            entries.append((name, File(body, filename, content_type if content_type.isascii() else "")))
