"""Multipart form bodies (``files=``), encoded as ``multipart/form-data`` (RFC 7578).

``MultipartStream`` renders each part's head once and streams file contents in
64 KiB chunks, so a large upload is never held in memory. It declares a
``Content-Length`` when every part's size is known in advance (bytes, text, and
seekable files, counted from their current position) and is sent chunked
otherwise. A seekable file is read again from where it stood when the body was
built each time the body is re-sent (a redirect, an auth retry); a body with a
file that cannot seek can be sent once.

Names and filenames are quoted as httpx 0.28 does, byte for byte: a backslash is
doubled, ``"`` becomes ``%22`` and control characters other than ESC become
``%XX``; everything else, non-ASCII text included, is sent as UTF-8.

Differences from httpx, on purpose: a seekable file is sent from its current
position, where httpx rewinds it to the start (and then declares a length that
does not match when the file was not at its start); a boundary given in any
``multipart/*`` Content-Type is used, where httpx honours only
``multipart/form-data``; part header values with a line break are refused instead
of being sent as extra headers; invalid file values are refused when the body is
built instead of failing while it is sent; a file whose name is bytes is named by
its decoded name.
"""

from __future__ import annotations

import io
import mimetypes
import os
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import Any

from ._exceptions import StreamConsumed
from ._streams import FILE_CHUNK_SIZE, AsyncByteStream, SyncByteStream
from ._types import RequestFiles

__all__ = [
    "MultipartStream",
    "check_binary_file",
    "get_multipart_boundary_from_content_type",
    "iter_file",
    "primitive_value_to_str",
    "seekable_span",
]

# Characters escaped in a quoted name or filename, as httpx escapes them: a backslash
# is doubled, a double quote and the control characters become %XX, except ESC (0x1B).
_QUOTE_TABLE = {ord("\\"): "\\\\", ord('"'): "%22"} | {
    c: f"%{c:02X}" for c in range(0x20) if c != 0x1B
}


def primitive_value_to_str(value: Any) -> str:
    """A form value as text: ``True`` -> ``"true"``, ``False`` -> ``"false"``,
    ``None`` -> ``""``, anything else through ``str()``, as httpx converts them."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    return str(value)


def get_multipart_boundary_from_content_type(content_type: bytes | str | None) -> bytes | None:
    """The ``boundary`` parameter of a ``multipart/*`` Content-Type, or ``None``.

    Lets a user who sets ``Content-Type: multipart/form-data; boundary=...`` choose the
    boundary the body is built with. Quotes around the value are removed.
    """
    if not content_type:
        return None
    if isinstance(content_type, str):
        content_type = content_type.encode("utf-8")
    media_type, _, parameters = content_type.partition(b";")
    if not media_type.strip().lower().startswith(b"multipart/"):
        return None
    # A boundary may not contain ";" (RFC 2046), so a plain split is enough.
    for parameter in parameters.split(b";"):
        key, has_value, value = parameter.partition(b"=")
        if has_value and key.strip().lower() == b"boundary":
            value = value.strip()
            if len(value) >= 2 and value[:1] == value[-1:] == b'"':
                value = value[1:-1]
            return value or None
    return None


# Files


def check_binary_file(file: Any) -> None:
    """Raise ``TypeError`` when ``file`` was opened in text mode.

    The body is bytes and its length is counted in bytes, so text files (whose
    positions and sizes do not count bytes once decoded) are refused up front.
    """
    mode = getattr(file, "mode", None)
    if isinstance(file, io.TextIOBase) or (isinstance(mode, str) and "b" not in mode):
        raise TypeError(
            f"{type(file).__name__} is a file opened in text mode: upload files opened "
            "in binary mode ('rb'), or pass its text as a str."
        )


def seekable_span(file: Any) -> tuple[int, int] | None:
    """``(start, size)`` of what is left to read in a seekable file, else ``None``.

    The file's position is left where it was.
    """
    seekable = getattr(file, "seekable", None)
    try:
        if seekable is None or not seekable():
            return None
        start = file.tell()
        file.seek(0, os.SEEK_END)
        end = file.tell()
        file.seek(start)
    except OSError:
        return None
    return start, max(end - start, 0)


def iter_file(file: Any, start: int | None = None, size: int | None = None) -> Iterator[bytes]:
    """Read a binary file in chunks: from ``start`` when given, at most ``size`` bytes
    when given (so the body matches a declared length even if the file grows).

    Raises ``TypeError`` when a read returns something other than bytes.
    """
    if start is not None:
        file.seek(start)
    remaining = size
    while remaining is None or remaining > 0:
        want = FILE_CHUNK_SIZE if remaining is None else min(FILE_CHUNK_SIZE, remaining)
        chunk = file.read(want)
        if not chunk:
            return
        if not isinstance(chunk, bytes):
            if not isinstance(chunk, (bytearray, memoryview)):
                raise TypeError(
                    f"Reading the file {file!r:.60} returned {type(chunk).__name__}, not "
                    "bytes: upload files opened in binary mode."
                )
            chunk = bytes(chunk)
        if remaining is not None:
            remaining -= len(chunk)
        yield chunk


# Parts


def _quote(text: str) -> str:
    return text.translate(_QUOTE_TABLE)


def _render_head(
    name: str, filename: str | None, headers: Mapping[str, str], content_type: str | None
) -> bytes:
    """A part's header block, ending with the blank line."""
    disposition = f'form-data; name="{_quote(name)}"'
    if filename:
        disposition += f'; filename="{_quote(filename)}"'
    items = list(headers.items())
    if content_type is not None and not any(key.lower() == "content-type" for key in headers):
        items.append(("Content-Type", content_type))
    lines = [f"Content-Disposition: {disposition}\r\n"]
    for key, value in items:
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"Multipart part headers must be str, not {key!r}: {value!r}")
        # Refused rather than sent: a line break would start a header of its own.
        if any(c in key or c in value for c in "\r\n\0"):
            raise ValueError(f"Multipart part header {key!r} contains a line break or NUL.")
        lines.append(f"{key}: {value}\r\n")
    lines.append("\r\n")
    return "".join(lines).encode("utf-8")


class _Part:
    """One part: its head (boundary line included) and its content, in memory or a file."""

    __slots__ = ("content", "file", "head", "is_async", "size", "start")

    def __init__(
        self,
        head: bytes,
        content: bytes = b"",
        file: Any = None,
        span: tuple[int, int] | None = None,
        is_async: bool = False,
    ) -> None:
        self.head = head
        self.content = content
        self.file = file
        self.is_async = is_async
        self.start: int | None = None if span is None else span[0]
        self.size: int | None = None if span is None else span[1]

    @property
    def length(self) -> int | None:
        """The part's size in the body, or ``None`` when it cannot be known in advance."""
        if self.file is None:
            return len(self.head) + len(self.content) + 2
        if self.size is None:
            return None
        return len(self.head) + self.size + 2

    @property
    def is_replayable(self) -> bool:
        return self.file is None or self.start is not None

    def pieces(self) -> Iterator[bytes]:
        if self.is_async:
            raise TypeError(
                f"{type(self.file).__name__} is an async file: upload it with an "
                "AsyncClient, or pass a file opened with open(..., 'rb')."
            )
        yield self.head
        if self.file is None:
            yield self.content
        else:
            yield from iter_file(self.file, self.start, self.size)
        yield b"\r\n"

    async def apieces(self) -> AsyncIterator[bytes]:
        if not self.is_async:
            for piece in self.pieces():
                yield piece
            return
        yield self.head
        while chunk := await self.file.read(FILE_CHUNK_SIZE):
            if not isinstance(chunk, (bytes, bytearray, memoryview)):
                raise TypeError(
                    f"Reading the file {self.file!r:.60} returned {type(chunk).__name__}, "
                    "not bytes: upload files opened in binary mode."
                )
            yield bytes(chunk)
        yield b"\r\n"


def _field_bytes(name: str, value: Any) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if value is None or isinstance(value, (bool, int, float)):
        return primitive_value_to_str(value).encode("ascii")
    raise TypeError(
        f"Invalid type for the value of form field {name!r}: {type(value).__name__}. "
        "Expected str, bytes, int, float, bool or None, or a list of them."
    )


def _data_parts(data: Mapping[str, Any], dash_boundary: bytes) -> Iterator[_Part]:
    for name, value in data.items():
        if not isinstance(name, str):
            raise TypeError(
                f"Invalid type for a form field name: {type(name).__name__}. Expected str."
            )
        head = dash_boundary + _render_head(name, None, {}, None)
        for item in value if isinstance(value, (list, tuple)) else (value,):
            yield _Part(head, _field_bytes(name, item))


def _default_filename(content: Any) -> str:
    """The filename a bare file value is sent with: its own base name, else "upload"."""
    name = getattr(content, "name", None)
    if name is None:
        return "upload"
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    from pathlib import PurePath  # only for bare file values: not worth an import of darter

    return PurePath(str(name)).name


def _check_tuple_types(name: str, filename: Any, content_type: Any, headers: Any) -> None:
    if not (filename is None or isinstance(filename, str)):
        raise TypeError(f"The filename of field {name!r} must be str or None, not {filename!r}.")
    if not (content_type is None or isinstance(content_type, str)):
        raise TypeError(
            f"The content type of field {name!r} must be str or None, not {content_type!r}."
        )
    if not isinstance(headers, Mapping):
        raise TypeError(f"The headers of field {name!r} must be a mapping, not {headers!r}.")


def _file_part(name: str, spec: Any, dash_boundary: bytes) -> _Part:
    if isinstance(spec, tuple):
        if not 2 <= len(spec) <= 4:
            raise ValueError(
                f"The file tuple of field {name!r} has {len(spec)} items; expected "
                "(filename, file), (filename, file, content_type) or "
                "(filename, file, content_type, headers)."
            )
        filename, content = spec[0], spec[1]
        content_type = spec[2] if len(spec) > 2 else None
        headers = spec[3] if len(spec) > 3 else {}
        _check_tuple_types(name, filename, content_type, headers)
    else:
        content, filename, content_type, headers = spec, _default_filename(spec), None, {}
    if content_type is None and filename:
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    head = dash_boundary + _render_head(name, filename, headers, content_type)

    if isinstance(content, str):
        return _Part(head, content.encode("utf-8"))
    if isinstance(content, (bytes, bytearray, memoryview)):
        return _Part(head, bytes(content))
    read = getattr(content, "read", None)
    if _is_coroutine_function(read):
        # An async file (anyio.open_file, aiofiles...): read with await, by async
        # clients only; its size cannot be asked synchronously, so it goes chunked.
        return _Part(head, file=content, is_async=True)
    if callable(read):
        check_binary_file(content)
        return _Part(head, file=content, span=seekable_span(content))
    raise TypeError(
        f"Invalid type for the file of field {name!r}: {type(content).__name__}. Expected "
        "a file opened in binary mode, bytes or str, alone or in a tuple "
        "(filename, file[, content_type[, headers]])."
    )


def _file_parts(files: RequestFiles, dash_boundary: bytes) -> Iterator[_Part]:
    items: Iterable[tuple[Any, Any]] = files.items() if isinstance(files, Mapping) else files
    for name, spec in items:
        if not isinstance(name, str):
            raise TypeError(
                f"Invalid type for a file field name: {type(name).__name__}. Expected str."
            )
        yield _file_part(name, spec, dash_boundary)


def _coalesce(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """Join small pieces into chunks of about 64 KiB; pass large ones through uncopied.

    Fewer, larger chunks mean fewer writes to the connection.
    """
    pending: list[bytes] = []
    pending_size = 0
    for piece in pieces:
        if len(piece) >= FILE_CHUNK_SIZE:
            if pending:
                yield b"".join(pending)
                pending, pending_size = [], 0
            yield piece
            continue
        pending.append(piece)
        pending_size += len(piece)
        if pending_size >= FILE_CHUNK_SIZE:
            yield b"".join(pending)
            pending, pending_size = [], 0
    if pending:
        yield b"".join(pending)


class MultipartStream(SyncByteStream, AsyncByteStream):
    """A ``multipart/form-data`` body, read with ``for`` or ``async for``.

    ``data`` gives plain fields (a list or tuple value repeats the field), ``files``
    the file fields, ``boundary`` the boundary (16 random bytes in hex if ``None``).

    Raises ``TypeError`` for values of the wrong type or files opened in text mode,
    ``ValueError`` for a malformed file tuple or part header; iterating a second time
    raises ``StreamConsumed`` when a file cannot seek back.
    """

    def __init__(
        self,
        data: Mapping[str, Any],
        files: RequestFiles,
        boundary: bytes | None = None,
    ) -> None:
        if boundary is None:
            boundary = os.urandom(16).hex().encode("ascii")
        self.boundary = boundary
        self.content_type = f"multipart/form-data; boundary={boundary.decode('latin-1')}"
        dash_boundary = b"--" + boundary + b"\r\n"
        self._parts = [*_data_parts(data, dash_boundary), *_file_parts(files, dash_boundary)]
        self._closing = b"--" + boundary + b"--\r\n"
        self._is_replayable = all(part.is_replayable for part in self._parts)
        self._has_been_read = False

    def get_content_length(self) -> int | None:
        """The body's size in bytes, or ``None`` when a file's size cannot be known."""
        total = len(self._closing)
        for part in self._parts:
            length = part.length
            if length is None:
                return None
            total += length
        return total

    def get_headers(self) -> dict[str, str]:
        """The body's headers: ``Content-Length`` (else chunked) and ``Content-Type``."""
        length = self.get_content_length()
        if length is None:
            return {"Transfer-Encoding": "chunked", "Content-Type": self.content_type}
        return {"Content-Length": str(length), "Content-Type": self.content_type}

    def _pieces(self) -> Iterator[bytes]:
        for part in self._parts:
            yield from part.pieces()
        yield self._closing

    def __iter__(self) -> Iterator[bytes]:
        if self._has_been_read and not self._is_replayable:
            raise StreamConsumed()
        self._has_been_read = True
        yield from _coalesce(self._pieces())

    async def __aiter__(self) -> AsyncIterator[bytes]:
        # Plain files are read with blocking reads, as in httpx (local and short);
        # async files with await.
        if not any(part.is_async for part in self._parts):
            for chunk in self:
                yield chunk
            return
        if self._has_been_read:
            raise StreamConsumed()
        self._has_been_read = True
        for part in self._parts:
            async for piece in part.apieces():
                yield piece
        yield self._closing


def _is_coroutine_function(function: Any) -> bool:
    """``inspect.iscoroutinefunction``, with inspect (slow to import) imported on use."""
    if function is None:
        return False
    import inspect

    return inspect.iscoroutinefunction(function)
