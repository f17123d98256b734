"""Request and response bodies: turning ``content=``, ``data=``, ``files=``, ``json=``,
``text=`` and ``html=`` into headers and a byte stream.

The headers match httpx 0.28 in names, values and order: a body whose size is
known gets ``Content-Length`` (then ``Content-Type`` when the kind of body
implies one); a body produced by an iterator gets ``Transfer-Encoding: chunked``;
an empty ``content`` gets no header at all (the request decides whether an empty
body needs ``Content-Length: 0``).

Differences from httpx, on purpose: a binary file given as ``content`` declares
the size left from its current position and is re-read from there when the body
is sent again (httpx declares the whole file's size, and sends nothing the second
time); ``bytearray`` and ``memoryview`` content is accepted as bytes; a text-mode
file or a wrong type is refused when the body is built; ``bytes`` values in
``data=`` are form-encoded as the bytes themselves, where httpx sends their
``repr`` (``b'...'``).
"""

from __future__ import annotations

import json as jsonlib
import warnings
from collections.abc import AsyncIterable, Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import urlencode

from ._multipart import (
    MultipartStream,
    check_binary_file,
    iter_file,
    primitive_value_to_str,
    seekable_span,
)
from ._streams import (
    AsyncByteStream,
    AsyncIteratorByteStream,
    ByteStream,
    IteratorByteStream,
    SyncByteStream,
)
from ._types import RequestContent, RequestData, RequestFiles, ResponseContent

__all__ = ["FileByteStream", "encode_json", "encode_request", "encode_response"]

_Encoded = tuple[dict[str, str], SyncByteStream | AsyncByteStream]


class FileByteStream(SyncByteStream):
    """A seekable binary file as a body of known size.

    Each read starts where the file stood when the body was built and stops after
    the declared size, so the body can be sent again (a redirect, an auth retry)
    and always matches its ``Content-Length``.
    """

    def __init__(self, file: Any, start: int, size: int) -> None:
        self._file = file
        self._start = start
        self._size = size

    def __iter__(self) -> Iterator[bytes]:
        return iter_file(self._file, self._start, self._size)


def _encode_content(content: object) -> _Encoded:
    if isinstance(content, (bytes, str, bytearray, memoryview)):
        body = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        return ({"Content-Length": str(len(body))} if body else {}), ByteStream(body)
    if isinstance(content, Mapping):
        pass  # iterable, but surely meant as data= or json=: refused below
    elif isinstance(content, Iterable):
        if callable(getattr(content, "read", None)):
            check_binary_file(content)
            span = seekable_span(content)
            if span is not None:
                return {"Content-Length": str(span[1])}, FileByteStream(content, *span)
        return {"Transfer-Encoding": "chunked"}, IteratorByteStream(content)
    elif isinstance(content, AsyncIterable):
        return {"Transfer-Encoding": "chunked"}, AsyncIteratorByteStream(content)
    raise TypeError(
        f"Unexpected type for 'content': {type(content).__name__}. Expected bytes, str, "
        "a file opened in binary mode, or a sync or async iterable of bytes."
    )


def _form_value(value: Any) -> str | bytes:
    return value if isinstance(value, bytes) else primitive_value_to_str(value)


def _encode_urlencoded(data: Mapping[Any, Any]) -> _Encoded:
    fields: list[tuple[Any, str | bytes]] = []
    for key, value in data.items():
        if isinstance(value, (list, tuple)):
            fields.extend((key, _form_value(item)) for item in value)
        else:
            fields.append((key, _form_value(value)))
    body = urlencode(fields).encode("ascii")
    headers = {
        "Content-Length": str(len(body)),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return headers, ByteStream(body)


def encode_json(json: Any) -> _Encoded:
    """A JSON body: compact, UTF-8, no NaN or infinity.

    Raises ``TypeError`` for a value JSON cannot represent and ``ValueError`` for
    NaN or infinity.
    """
    body = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    encoded = body.encode("utf-8")
    headers = {"Content-Length": str(len(encoded)), "Content-Type": "application/json"}
    return headers, ByteStream(encoded)


def _encode_text(text: object, content_type: str) -> _Encoded:
    if not isinstance(text, str):
        raise TypeError(f"Expected str for the response text, not {type(text).__name__}.")
    body = text.encode("utf-8")
    return {"Content-Length": str(len(body)), "Content-Type": content_type}, ByteStream(body)


def encode_request(
    content: RequestContent | None = None,
    data: RequestData | RequestContent | None = None,
    files: RequestFiles | None = None,
    json: Any | None = None,
    boundary: bytes | None = None,
) -> tuple[dict[str, str], SyncByteStream | AsyncByteStream]:
    """The headers and stream of a request body, chosen as httpx chooses them.

    In order of precedence: ``data`` that is not a mapping is taken as ``content``
    (with a ``DeprecationWarning``); ``content``; ``files`` (multipart, with
    ``data`` as plain fields and ``boundary`` if given); ``data`` (URL-encoded
    form); ``json``. With none of them the body is empty and there are no headers.

    Raises ``TypeError`` for a value of the wrong type (naming the type), a file
    opened in text mode or a value JSON cannot represent, and ``ValueError`` for
    NaN or infinity in ``json`` or a malformed file tuple.
    """
    if data is not None and not isinstance(data, Mapping):
        warnings.warn(
            "Use 'content=<...>' to upload raw bytes/text content.",
            DeprecationWarning,
            stacklevel=2,
        )
        return _encode_content(data)
    if content is not None:
        return _encode_content(content)
    if files:
        stream = MultipartStream(data or {}, files, boundary)
        return stream.get_headers(), stream
    if data:
        return _encode_urlencoded(data)
    if json is not None:
        return encode_json(json)
    return {}, ByteStream(b"")


def encode_response(
    content: ResponseContent | None = None,
    text: str | None = None,
    html: str | None = None,
    json: Any | None = None,
) -> tuple[dict[str, str], SyncByteStream | AsyncByteStream]:
    """The headers and stream of a response body built in code (tests, mocks).

    The first given of ``content``, ``text`` (``text/plain; charset=utf-8``),
    ``html`` (``text/html; charset=utf-8``) and ``json`` is used; with none of them
    the body is empty and there are no headers.

    Raises ``TypeError`` for a value of the wrong type, and ``ValueError`` for NaN
    or infinity in ``json``.
    """
    if content is not None:
        return _encode_content(content)
    if text is not None:
        return _encode_text(text, "text/plain; charset=utf-8")
    if html is not None:
        return _encode_text(html, "text/html; charset=utf-8")
    if json is not None:
        return encode_json(json)
    return {}, ByteStream(b"")
