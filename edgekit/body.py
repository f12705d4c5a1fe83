"""The body of a Request or a Response (the Fetch ``Body`` mixin).

A body is given as ``None``, ``str`` (UTF-8), ``bytes``/``bytearray``/``memoryview``,
:class:`~edgekit.url.URLSearchParams`, :class:`~edgekit.formdata.FormData`, or an async
iterable of byte chunks (a stream; ``str`` chunks are sent as UTF-8).

Reading (``await bytes()``, ``text()``, ``json()``, ``form()``) follows Fetch with one
deliberate difference: the content is cached, so a second read returns the same
content instead of failing.  ``body_used`` still turns true on the first read of a
non-null body, and ``clone()`` after a read is refused (TypeError) as in Fetch.  A
stream is read once, on the first read, and kept; ``clone()`` of an unread stream
tees it so both copies can be read, in any order or at once.

Contract for runtime adapters (nothing here forces a read):

* ``body_bytes`` is the whole body as ``bytes`` when it is known without reading a
  stream (a fixed body, or a stream already read), else None.
* ``body`` is None when there is no body, else an async iterator of ``bytes`` chunks.
  For a stream that has not been read yet it is the stream itself: iterating it
  consumes it (a later ``text()`` etc. raises TypeError), so an adapter can send an
  endless stream without buffering.  For a fixed body it is a fresh one-chunk
  iterator and the body stays readable.
* ``wrap_stream(wrap)`` puts a meter (a size limit, say) in front of a stream nothing
  has read yet, in place, without reading it.
"""

from __future__ import annotations

import builtins

from . import json_codec
from .headers import Headers
from .url import URLSearchParams, encode_utf8

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import AsyncIterable, AsyncIterator, Callable
    from typing import Any, Union

    from .formdata import FormData
    from .headers import HeadersInit

    BodyInit = Union[str, bytes, bytearray, memoryview, URLSearchParams, FormData, AsyncIterable[Any]]

TEXT_PLAIN_UTF8 = "text/plain;charset=UTF-8"
FORM_URLENCODED_UTF8 = "application/x-www-form-urlencoded;charset=UTF-8"


def extract_body(
    body: BodyInit | None,
) -> tuple[bytes | None, AsyncIterator[bytes] | None, str | None]:
    """``(fixed bytes, stream, default content type)`` for a body given to a constructor."""
    if body is None:
        return None, None, None
    if type(body) is bytes:
        return body, None, None
    if isinstance(body, str):
        return encode_utf8(body), None, TEXT_PLAIN_UTF8
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body), None, None
    if isinstance(body, URLSearchParams):
        return str(body).encode("ascii"), None, FORM_URLENCODED_UTF8
    # A FormData encodes itself: this module does not load the form code up front.
    encode_multipart = getattr(body, "_encode_multipart", None)
    if encode_multipart is not None:
        data, content_type = encode_multipart()
        return data, None, content_type
    if hasattr(body, "__aiter__"):
        return None, _chunks(body), None
    raise TypeError(
        f"a body must be str, bytes, URLSearchParams, FormData or an async iterable of bytes, not {type(body).__name__}"
    )


def headers_with_default(init: HeadersInit | None, content_type: str | None) -> Headers:
    """The Headers of a new Request or Response.

    ``init`` is copied (a Headers) or validated (anything else); ``content_type``, the
    body's default, is added as Content-Type unless ``init`` has one.
    """
    if init is None:
        return Headers._trusted([] if content_type is None else [("content-type", content_type)])
    headers = init.copy() if type(init) is Headers else Headers(init)
    if content_type is not None and not headers.has("content-type"):
        headers.append("content-type", content_type)
    return headers


async def _chunks(source: AsyncIterable[Any]) -> AsyncIterator[bytes]:
    try:
        async for chunk in source:
            if type(chunk) is bytes:
                yield chunk
            elif isinstance(chunk, str):
                yield encode_utf8(chunk)
            elif isinstance(chunk, (bytes, bytearray, memoryview)):
                yield bytes(chunk)
            else:
                raise TypeError(f"a body stream must yield bytes, not {type(chunk).__name__}")
    finally:
        # Closing the body (a client went away) must stop the producer too.
        close = getattr(source, "aclose", None)
        if close is not None:
            await close()


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


_UTF8_BOM = b"\xef\xbb\xbf"


def decode_text(data: bytes) -> str:
    """UTF-8 decoding as Fetch's ``text()`` does it: a leading BOM dropped, bad bytes as U+FFFD."""
    text = data.decode("utf-8", "replace")
    return text[1:] if text[:1] == "\ufeff" else text


class _Tee:
    """One stream read once, replayed to two readers (``clone()`` of an unread stream)."""

    __slots__ = ("_source", "_chunks", "_done", "_error", "_lock")

    def __init__(self, source: AsyncIterator[bytes]) -> None:
        # Imported here to keep asyncio off edgekit's import path; streams are read in
        # an event loop, so by the time a tee is made it is loaded already.
        import asyncio

        self._source = source
        self._chunks: list[bytes] = []
        self._done = False
        self._error: BaseException | None = None
        self._lock = asyncio.Lock()

    async def _pull(self, seen: int) -> None:
        async with self._lock:
            if len(self._chunks) > seen or self._done:
                return  # the other reader pulled while this one waited
            if self._error is not None:
                raise self._error
            try:
                chunk = await self._source.__anext__()
            except StopAsyncIteration:
                self._done = True
            except BaseException as e:
                # The other reader must fail too, not see a truncated stream; a
                # cancellation belongs to this reader's task only.
                self._error = e if isinstance(e, Exception) else RuntimeError("the body stream was interrupted")
                raise
            else:
                self._chunks.append(chunk)

    async def reader(self) -> AsyncIterator[bytes]:
        """An iterator over the whole stream, independent of the other reader."""
        i = 0
        while True:
            while i >= len(self._chunks):
                if self._done:
                    return
                await self._pull(i)
            yield self._chunks[i]
            i += 1


class Body:
    """Body state and readers shared by Request and Response."""

    __slots__ = ("_content", "_stream", "_used")

    if TYPE_CHECKING:
        headers: Headers

    _content: builtins.bytes | None
    _stream: AsyncIterator[builtins.bytes] | None
    _used: bool

    @property
    def body_used(self) -> bool:
        """Whether a non-null body has been read (or its stream taken)."""
        return self._used

    @property
    def body_bytes(self) -> builtins.bytes | None:
        """The whole body when known without reading a stream, else None (see module doc)."""
        return self._content

    @property
    def body(self) -> AsyncIterator[builtins.bytes] | None:
        """None for no body, else an async iterator of byte chunks (see module doc)."""
        if self._content is not None:
            return _once(self._content)
        if self._stream is not None:
            self._used = True
        return self._stream

    def wrap_stream(self, wrap: Callable[[AsyncIterator[builtins.bytes]], AsyncIterator[builtins.bytes]]) -> bool:
        """Pass a stream body that nothing has read yet through ``wrap``; False when there is none.

        For middleware that meters or limits a body as it is read
        (:mod:`edgekit.middleware.body_limit`). The body stays unread, so ``body_used`` still
        tells a runtime adapter whether the app read it. A fixed body is left alone: its
        size is known (``body_bytes``).
        """
        if self._stream is None or self._used:
            return False
        self._stream = wrap(self._stream)
        return True

    async def _read(self) -> builtins.bytes:
        content = self._content
        if content is not None:
            self._used = True
            return content
        stream = self._stream
        if stream is None:
            return b""
        if self._used:
            raise TypeError("the body stream was already consumed")
        self._used = True
        chunks = [chunk async for chunk in stream]
        content = self._content = b"".join(chunks)
        self._stream = None
        return content

    async def bytes(self) -> builtins.bytes:
        """The whole body (``b""`` for no body)."""
        return await self._read()

    async def text(self) -> str:
        """The body decoded as UTF-8 (BOM dropped, invalid bytes as U+FFFD)."""
        return decode_text(await self._read())

    async def json(self) -> Any:
        """The body parsed as JSON; ValueError when it is not (an empty body included)."""
        data = await self._read()
        if data[:3] != _UTF8_BOM:
            try:
                return json_codec.loads(data)  # UTF-8 bytes parse as they are: no text copy
            except UnicodeDecodeError:
                pass  # invalid UTF-8 reads as U+FFFD, as text() has it
        return json_codec.loads(decode_text(data))

    async def form(self) -> FormData:
        """The body as a form, by its Content-Type (see :func:`~edgekit.formdata.parse_form`)."""
        from .formdata import parse_form

        return parse_form(await self._read(), self.headers.get("content-type"))

    def _clone_body(self) -> tuple[builtins.bytes | None, AsyncIterator[builtins.bytes] | None]:
        """The body of a clone; an unread stream is teed between this object and the clone."""
        if self._used:
            raise TypeError("cannot clone: the body has already been read")
        stream = self._stream
        if stream is None:
            return self._content, None
        tee = _Tee(stream)
        self._stream = tee.reader()
        return None, tee.reader()
